// A scenario names its workload, the kick modes to compare, repetitions,
// the guest's RAM and vCPUs, and the VMM. Files live in scenarios/*.json and
// are validated on load; every error names the file and the field.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BONNIE_METRICS } from '../bonnie/types.js';
import { DEFAULT_ARMS, KICK_MODES, isKickMode, type KickMode } from '../results/arms.js';
import { repoRoot } from '../paths.js';
import { PEERS, isPeer, type Peer } from '../peers/arms.js';
import { KVMTOOL_2011, type SizingRule } from './sizing.js';
import { checkProbeCmdline } from './probe-cmdline.js';

export interface BonnieWorkload {
  kind: 'bonnie';
  /** bonnie++ arguments exactly as on its command line; -d is relative to the mounted test disk */
  args: string[];
}

export interface ProbeWorkload {
  kind: 'probe';
  /** the probe guest's command line: `;`-separated workloads (see native/guest/README.md) */
  cmdline: string;
  /** size of the scratch disk, MiB */
  diskMiB: number;
}

export type Workload = BonnieWorkload | ProbeWorkload;

export interface Scenario {
  name: string;
  description: string;
  workload: Workload;
  /** the arms, in plan order; the baseline arm `exit` is compared with each of the others */
  modes: KickMode[];
  /** measured samples per mode */
  repetitions: number;
  /** discarded samples per mode, run first */
  warmup: number;
  /**
   * memMiB and cpus as the scenario file gives them, or `sizing` (a rule applied
   * to the machine the guest runs in, see sizing.ts) instead of both.
   */
  guest: {
    memMiB?: number;
    cpus?: number;
    sizing?: SizingRule;
    kernel: 'vmlinux' | 'bzImage';
    boot: 'auto' | 'pvh' | 'linux64';
  };
  vmm: string;
  /** peers run beside kickvmm in the same run: QEMU (both arms, or with an iothread) and the host itself */
  peers: Peer[];
  /** per-VM limit; a sample that exceeds it fails with its console kept */
  timeoutSec: number;
  /** 'abba' (default) or 'random' (seeded) */
  order: 'abba' | 'random';
  /**
   * The pre-declared primary hypotheses: the metrics the verdict and the CI gate
   * decide on (one Holm family). Everything else is secondary and explanatory.
   */
  primary: string[];
  /** where the file came from, for messages */
  file?: string;
}

export class ScenarioError extends Error {}

function need(cond: unknown, where: string, msg: string): asserts cond {
  if (!cond) throw new ScenarioError(`${where}: ${msg}`);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/** bonnie++ refuses to run unless size x concurrency >= 2 x RAM (or -r is given); check before booting. */
export function checkBonnieRamRule(args: string[], guestMemMiB: number): string | null {
  const opt = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  if (opt('-r') !== undefined) return null;
  const sizeArg = opt('-s');
  if (sizeArg === undefined) {
    return 'bonnie++ without -s sizes its file from RAM; give -s (and -r if needed) so the run size is explicit';
  }
  const sizeMiB = Number(sizeArg.split(':')[0]);
  if (!Number.isFinite(sizeMiB)) return `bonnie++ -s ${sizeArg} is not a size in MiB`;
  if (sizeMiB === 0) return null;
  const concurrency = Number(opt('-c') ?? '1');
  // The guest sees a little less than memMiB; guest RAM is the upper bound, so this check is safe.
  if (sizeMiB * concurrency < 2 * guestMemMiB) {
    return (
      `bonnie++ -s ${sizeMiB}${concurrency > 1 ? ` -c ${concurrency}` : ''} needs guest RAM of at most ` +
      `${Math.floor((sizeMiB * concurrency) / 2)} MiB (bonnie++'s twice-RAM rule), but guest.memMiB is ${guestMemMiB}; ` +
      'lower memMiB, raise -s, or pass -r'
    );
  }
  return null;
}

/** Every level refuses keys it does not know: a misspelt key must not silently mean the default. */
function onlyKnownKeys(o: Record<string, unknown>, known: string[], where: string, prefix: string): void {
  for (const k of Object.keys(o))
    need(known.includes(k), where, `unknown field "${prefix}${k}" (known: ${known.map((n) => prefix + n).join(', ')})`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function validateScenario(raw: unknown, where: string): Scenario {
  need(raw && typeof raw === 'object' && !Array.isArray(raw), where, 'a scenario must be a JSON object');
  const o = raw as Record<string, unknown>;
  const known = [
    'name',
    'description',
    'workload',
    'modes',
    'repetitions',
    'warmup',
    'guest',
    'vmm',
    'peers',
    'timeoutSec',
    'order',
    'primary',
  ];
  onlyKnownKeys(o, known, where, '');
  need(
    typeof o.name === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(o.name),
    where,
    'name must be lower-case letters, digits and dashes',
  );
  const name = o.name;
  where = `${where} (${name})`;
  need(o.description === undefined || typeof o.description === 'string', where, 'description must be a string');

  const w = o.workload;
  need(
    isPlainObject(w),
    where,
    'workload is required: {"kind": "bonnie", "args": [...]} or {"kind": "probe", "cmdline": "..."}',
  );
  let workload: Workload;
  if (w.kind === 'bonnie') {
    onlyKnownKeys(w, ['kind', 'args'], where, 'workload.');
    need(
      Array.isArray(w.args) && w.args.every((a) => typeof a === 'string'),
      where,
      'workload.args must be an array of strings',
    );
    const args = w.args as string[];
    need(args.includes('-d'), where, 'bonnie++ args need -d DIR (a directory on the test disk)');
    need(
      !args.includes('-x') || args[args.indexOf('-x') + 1] === '1',
      where,
      'each sample must be one bonnie++ run: use repetitions, not -x',
    );
    workload = { kind: 'bonnie', args };
  } else if (w.kind === 'probe') {
    onlyKnownKeys(w, ['kind', 'cmdline', 'diskMiB'], where, 'workload.');
    need(
      typeof w.cmdline === 'string' && w.cmdline.trim().length > 0,
      where,
      'workload.cmdline must be a non-empty string',
    );
    const cmdlineProblem = checkProbeCmdline(w.cmdline);
    need(cmdlineProblem === null, where, `workload.cmdline: ${cmdlineProblem}`);
    need(
      w.diskMiB === undefined || isInt(w.diskMiB, 1, 1024 * 1024),
      where,
      'workload.diskMiB must be a positive integer',
    );
    workload = { kind: 'probe', cmdline: w.cmdline, diskMiB: (w.diskMiB as number | undefined) ?? 256 };
  } else {
    throw new ScenarioError(`${where}: workload.kind must be "bonnie" or "probe"`);
  }

  const modes = (o.modes ?? DEFAULT_ARMS) as unknown[];
  const armNames = KICK_MODES.map((m) => `"${m}"`).join(', ');
  need(Array.isArray(modes) && modes.length > 0, where, `modes must be a non-empty list of arms from [${armNames}]`);
  const unknownMode = modes.find((m) => !isKickMode(m));
  need(unknownMode === undefined, where, `modes: ${JSON.stringify(unknownMode)} is not an arm (arms: ${armNames})`);
  const repeated = modes.find((m, i) => modes.indexOf(m) !== i);
  need(repeated === undefined, where, `modes: "${String(repeated)}" is listed twice`);
  const repetitions = o.repetitions ?? 5;
  need(isInt(repetitions, 1, 1000), where, 'repetitions must be an integer from 1 to 1000');
  const warmup = o.warmup ?? 0;
  need(isInt(warmup, 0, 100), where, 'warmup must be an integer from 0 to 100');

  const g = o.guest === undefined ? {} : o.guest;
  need(isPlainObject(g), where, 'guest must be an object');
  onlyKnownKeys(g, ['memMiB', 'cpus', 'sizing', 'kernel', 'boot'], where, 'guest.');
  const sizing = g.sizing;
  need(
    sizing === undefined || sizing === KVMTOOL_2011,
    where,
    `guest.sizing must be "${KVMTOOL_2011}" (or left out for guest.memMiB and guest.cpus)`,
  );
  need(
    sizing === undefined || (g.memMiB === undefined && g.cpus === undefined),
    where,
    'guest.sizing computes memMiB and cpus: give either the rule or the numbers',
  );
  const memMiB = sizing ? undefined : (g.memMiB ?? 256);
  need(memMiB === undefined || isInt(memMiB, 16, 3 * 1024), where, 'guest.memMiB must be an integer from 16 to 3072');
  const cpus = sizing ? undefined : (g.cpus ?? 1);
  need(cpus === undefined || isInt(cpus, 1, 32), where, 'guest.cpus must be an integer from 1 to 32');
  const kernel = g.kernel ?? 'vmlinux';
  need(kernel === 'vmlinux' || kernel === 'bzImage', where, 'guest.kernel must be "vmlinux" or "bzImage"');
  const boot = g.boot ?? 'auto';
  need(boot === 'auto' || boot === 'pvh' || boot === 'linux64', where, 'guest.boot must be "auto", "pvh" or "linux64"');

  const vmm = o.vmm ?? 'kickvmm';
  need(vmm === 'kickvmm', where, 'vmm must be "kickvmm" (the only VMM kickbench drives today)');
  const peers = (o.peers ?? []) as unknown[];
  need(Array.isArray(peers), where, `peers must be a list of [${PEERS.join(', ')}]`);
  const badPeer = peers.find((p) => !isPeer(p));
  need(badPeer === undefined, where, `peers: ${JSON.stringify(badPeer)} is not a peer (peers: ${PEERS.join(', ')})`);
  need(new Set(peers).size === peers.length, where, 'peers: a peer is listed twice');
  need(
    !peers.includes('qemu-iothread') || (modes as KickMode[]).includes('ioeventfd'),
    where,
    'peers: qemu-iothread is an ioeventfd arm, so modes must include ioeventfd',
  );
  const timeoutSec = o.timeoutSec ?? 600;
  need(isInt(timeoutSec, 5, 24 * 3600), where, 'timeoutSec must be an integer from 5 to 86400');
  const order = o.order ?? 'abba';
  need(order === 'abba' || order === 'random', where, 'order must be "abba" or "random"');

  if (workload.kind === 'bonnie' && memMiB !== undefined) {
    const problem = checkBonnieRamRule(workload.args, memMiB);
    need(problem === null, where, problem ?? '');
  }
  const primary = validatePrimary(o.primary, workload, where);

  return {
    name,
    description: (o.description as string | undefined) ?? '',
    workload,
    modes: modes as KickMode[],
    repetitions: repetitions as number,
    warmup: warmup as number,
    guest: {
      ...(sizing ? { sizing: KVMTOOL_2011 } : { memMiB, cpus }),
      kernel: kernel as 'vmlinux' | 'bzImage',
      boot: boot as 'auto' | 'pvh' | 'linux64',
    },
    vmm: vmm as string,
    peers: peers as Peer[],
    timeoutSec: timeoutSec as number,
    order: order as 'abba' | 'random',
    primary,
  };
}

/** The kvmtool commit's three headline figures: the default primary hypotheses of a bonnie++ scenario. */
export const BONNIE_DEFAULT_PRIMARY = ['put_block', 'rewrite', 'get_block'];

/** `primary`: 1 to 12 distinct metric names this workload produces (default for bonnie++: the three headline figures). */
function validatePrimary(raw: unknown, workload: Workload, where: string): string[] {
  if (raw === undefined) {
    if (workload.kind === 'bonnie') return [...BONNIE_DEFAULT_PRIMARY];
    // A probe run that rings the doorbell is about the kick cost; any other probe workload must say.
    need(
      /(^|;)\s*doorbell\b/.test(workload.cmdline),
      where,
      'primary is required for probe workloads other than doorbell: name the metrics the verdict decides on, e.g. ["write_64k_d1_mib_s"]',
    );
    return ['doorbell_ns_per_kick'];
  }
  need(
    Array.isArray(raw) && raw.length >= 1 && raw.length <= 12 && raw.every((m) => typeof m === 'string'),
    where,
    'primary must be a list of 1 to 12 metric names',
  );
  const list = raw as string[];
  need(new Set(list).size === list.length, where, 'primary must not repeat a metric');
  for (const m of list) {
    if (workload.kind === 'bonnie') {
      need(
        (BONNIE_METRICS as readonly string[]).includes(m),
        where,
        `primary: "${m}" is not a bonnie++ metric (${BONNIE_METRICS.join(', ')})`,
      );
      need(
        !(workload.args.includes('-f') && (m === 'putc' || m === 'getc')),
        where,
        `primary: "${m}" is never measured with -f (no per-char tests)`,
      );
    } else {
      const workloads = workload.cmdline
        .split(';')
        .map((part) => part.trim().split(/\s+/)[0])
        .filter(Boolean);
      const produced =
        m === 'doorbell_ns_per_kick' ? workloads.includes('doorbell') : workloads.some((w) => m.startsWith(`${w}_`));
      need(produced, where, `primary: "${m}" is not produced by the probe workloads (${workloads.join(', ')})`);
    }
  }
  return list;
}

export function scenarioDir(): string {
  return join(repoRoot(), 'scenarios');
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const s = validateScenario(raw, basename(file));
  const expected = basename(file, '.json');
  if (s.name !== expected)
    throw new ScenarioError(`${basename(file)}: name "${s.name}" must match the file name "${expected}"`);
  return { ...s, file };
}

export function listScenarios(dir = scenarioDir()): Scenario[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => loadScenarioFile(join(dir, f)));
}

/** A scenario by name (from scenarios/) or by path to a JSON file. */
export function resolveScenario(nameOrPath: string): Scenario {
  if (nameOrPath.endsWith('.json') || nameOrPath.includes('/')) return loadScenarioFile(nameOrPath);
  const file = join(scenarioDir(), `${nameOrPath}.json`);
  if (!existsSync(file)) {
    const names = listScenarios().map((s) => s.name);
    throw new ScenarioError(`no scenario "${nameOrPath}" (available: ${names.join(', ') || 'none'})`);
  }
  return loadScenarioFile(file);
}
