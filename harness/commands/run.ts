import { join, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { KICK_MODES, isKickMode, type KickMode } from '../results/arms.js';
import { resolveScenario, ScenarioError, type Scenario } from '../scenarios/scenario.js';
import { runScenarios, type RunOptions } from '../runner/run.js';
import { readManifest, recordedSettings } from '../runner/manifest.js';
import { OutDirError } from '../runner/out-dir.js';
import { readResults } from '../results/io.js';
import type { ResultSet } from '../results/schema.js';
import { Progress } from '../runner/progress.js';
import { decidePlace, detectHost, requestedPlace, PLACE_REQUESTS, type PlaceRequest } from '../launch/index.js';
import { renderReport } from '../report/index.js';
import { paths, useKickvmm } from '../paths.js';
import { existsSync } from 'node:fs';
import { CliError } from './errors.js';
import { MIN_LINUX_GUEST_MIB, SizingError } from '../scenarios/sizing.js';
import { plannedLooks, powerCheck, powerLine } from '../stats/power.js';

export interface RunArgs {
  scenario: string[];
  out?: string;
  repetitions?: number;
  warmup?: number;
  order?: 'abba' | 'random';
  seed?: number;
  aa?: string;
  force: boolean;
  cpus?: number;
  mem?: number;
  resume?: string;
  where: PlaceRequest;
  'vmm-label'?: string;
  quiet: boolean;
  'keep-disks': boolean;
  'rig-batch': number;
  kickvmm?: string;
  'allow-underpowered': boolean;
  'until-decided': boolean;
  'max-n'?: number;
}

/** "default" means the mission's own benchmark where it can run at full size, else the quick one. */
export async function defaultScenario(where: PlaceRequest): Promise<{ name: string; why: string }> {
  const host = await detectHost();
  // Both are Linux-guest (bonnie++) scenarios: the same rule places them.
  const place = decidePlace(host, 'linux', requestedPlace(where));
  if (place === 'hardware') return { name: 'seed', why: "hardware KVM: running the kvmtool commit's own benchmark" };
  if (host.kvmKind === 'hardware') return { name: 'quick', why: 'the nested rig is slow; seed would take hours there' };
  const kvm = host.kvmKind === 'none' ? 'no /dev/kvm' : `${host.kvmKind} KVM`;
  return { name: 'quick', why: `no hardware KVM here (${kvm}): running the small scenario in the nested rig` };
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run [scenario..]',
  describe: 'Run scenarios: each sample a fresh VM, modes interleaved, results.json + logs written as it goes',
  builder: (y) =>
    y
      .positional('scenario', {
        type: 'string',
        array: true,
        default: ['default'],
        describe: 'scenario names (kickbench list) or JSON files; "default" = seed on hardware KVM, quick elsewhere',
      })
      .option('out', { type: 'string', describe: 'output directory (default results/<time>-<scenarios>)' })
      .option('repetitions', { alias: 'n', type: 'number', describe: 'samples per mode (overrides the scenario)' })
      .option('warmup', {
        alias: 'w',
        type: 'number',
        describe: 'discarded warm-up samples per mode (overrides the scenario)',
      })
      .option('order', {
        choices: ['abba', 'random'] as const,
        describe: "interleaving of the modes (default: the scenario's, normally abba)",
      })
      .option('seed', {
        type: 'number',
        defaultDescription: '1',
        describe: 'seed for --order random and every resampling in the report (recorded in results.json)',
      })
      .option('allow-underpowered', {
        type: 'boolean',
        default: false,
        describe: 'run even when the plan can never reach a verdict (too few samples for its primary metrics)',
      })
      .option('until-decided', {
        type: 'boolean',
        default: false,
        describe:
          'sequential sampling: after n per arm, add rounds at pre-planned looks ' +
          "(every 2 up to --max-n, O'Brien-Fleming alpha spending) until every primary metric is decided",
      })
      .option('max-n', { type: 'number', describe: 'with --until-decided: the budget, samples per arm' })
      .option('aa', {
        type: 'string',
        describe: `A/A run: both arms use this mode (${KICK_MODES.join('|')}) to measure the noise floor`,
      })
      .option('where', {
        choices: PLACE_REQUESTS,
        default: 'auto' as PlaceRequest,
        describe:
          "this host's KVM (local), the nested rig, or auto: hardware KVM runs everything locally, " +
          'an instruction-emulating KVM only the probe guest, the rest goes to the rig (also KICKBENCH_WHERE)',
      })
      .option('vmm-label', {
        type: 'string',
        describe: 'label recorded for the VMM build (e.g. a commit), for compare',
      })
      .option('keep-disks', {
        type: 'boolean',
        default: false,
        describe: "keep every sample's disk image (failed samples always keep theirs)",
      })
      .option('rig-batch', {
        type: 'number',
        default: 8,
        describe: 'nested rig only: samples per outer-guest boot (each sample is still a fresh VM)',
      })
      .option('kickvmm', {
        type: 'string',
        describe: "a prebuilt kickvmm binary to measure instead of this checkout's build/Release/kickvmm",
      })
      .option('cpus', {
        type: 'number',
        describe: "Linux guests' vCPUs, instead of the scenario's (recorded in results.json)",
      })
      .option('mem', {
        type: 'number',
        describe: "Linux guests' RAM in MiB, instead of the scenario's (recorded in results.json)",
      })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'replace the results an existing --out folder holds',
      })
      .option('resume', {
        type: 'string',
        describe: 'finish an interrupted run in DIR: same scenarios, plan, order and seed',
      })
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress lines' })
      .example('$0 run', 'the default scenario')
      .example('$0 run quick -n 5 --out results/ci', 'five samples per mode into results/ci')
      .example('$0 run doorbell --aa ioeventfd', 'A/A: the noise floor of the doorbell cost')
      .example('$0 run --resume results/ci', 'finish a run that was interrupted')
      .example('$0 run seed -n 6 --until-decided --max-n 12', 'start at 6 per mode, add rounds only if undecided'),
  handler: async (argv) => {
    if (argv.kickvmm !== undefined) {
      if (!existsSync(argv.kickvmm)) throw new CliError(`--kickvmm ${argv.kickvmm}: no such file`, 2);
      useKickvmm(argv.kickvmm);
    }
    const progress = new Progress(process.stderr, argv.quiet);
    const opts = argv.resume !== undefined ? resumeOptions(argv) : await newRunOptions(argv, progress);
    if (!opts) return;
    progress.note(`writing ${join(opts.outDir, 'results.json')}`);
    let rs;
    try {
      rs = await runScenarios({ ...opts, progress });
    } catch (e) {
      if (e instanceof OutDirError) throw new CliError(e.message, e.exitCode);
      if (e instanceof SizingError) throw new CliError(e.message, 2);
      throw e;
    }
    process.stdout.write(await renderReport(rs, { format: 'text', resultsDir: opts.outDir }));
    const failed = rs.samples.filter((s) => s.status === 'failed');
    if (failed.length) {
      throw new CliError(
        `${failed.length} of ${rs.samples.length} sample(s) failed (first: ${failed[0].id}: ${failed[0].error}); logs in ${join(opts.outDir, 'logs')}`,
      );
    }
  },
};

async function newRunOptions(argv: RunArgs, progress: Progress): Promise<Omit<RunOptions, 'progress'>> {
  const names = [...argv.scenario];
  const d = names.indexOf('default');
  if (d >= 0) {
    const pick = await defaultScenario(argv.where);
    progress.note(`default scenario: ${pick.name} (${pick.why})`);
    names[d] = pick.name;
  }
  let scenarios: Scenario[];
  try {
    scenarios = names.map(resolveScenario);
  } catch (e) {
    if (e instanceof ScenarioError) throw new CliError(e.message);
    throw e;
  }
  let aaMode: KickMode | undefined;
  if (argv.aa !== undefined) {
    if (!isKickMode(argv.aa)) throw new CliError(`--aa takes a mode: ${KICK_MODES.join(', ')}`, 2);
    aaMode = argv.aa;
  }
  for (const [flag, v, min, max] of [
    ['--repetitions', argv.repetitions, 1, Infinity],
    ['--warmup', argv.warmup, 0, Infinity],
    ['--cpus', argv.cpus, 1, 32],
    ['--mem', argv.mem, MIN_LINUX_GUEST_MIB, 3072],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < min || v > max))
      throw new CliError(`${flag} must be an integer ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`}`, 2);
  }
  if (argv['until-decided']) {
    const maxN = argv['max-n'];
    if (maxN === undefined || !Number.isInteger(maxN) || maxN < 2)
      throw new CliError('--until-decided needs --max-n N (samples per arm, an integer >= 2)', 2);
    if (scenarios.length !== 1) throw new CliError('--until-decided runs one scenario at a time', 2);
    const n0 = argv.repetitions ?? scenarios[0].repetitions;
    if (maxN < n0) throw new CliError(`--max-n ${maxN} is below the first look's n=${n0}`, 2);
  } else if (argv['max-n'] !== undefined) {
    throw new CliError('--max-n only means something with --until-decided', 2);
  }
  // The power check, before anything boots: can this plan reach a verdict at all?
  const underpowered: string[] = [];
  for (const s of scenarios) {
    const n = argv['until-decided'] ? argv['max-n']! : (argv.repetitions ?? s.repetitions);
    let check = powerCheck(n, n, s.primary.length);
    if (argv['until-decided']) {
      const looks = plannedLooks(argv.repetitions ?? s.repetitions, n, 0.05, 2, s.primary.length);
      // the last look gets only its own share of alpha
      check = powerCheck(n, n, s.primary.length, looks[looks.length - 1].alpha);
      progress.note(
        `sequential looks (O'Brien-Fleming): ${looks.map((l) => `n=${l.n} alpha ${l.alpha.toPrecision(2)}`).join(', ')}`,
      );
    }
    const odd = n % 2 === 1 ? ' (odd n: ABBA leaves the arms unbalanced)' : '';
    progress.note(`${powerLine(`${s.name} (${s.primary.length} primary: ${s.primary.join(', ')})`, check)}${odd}`);
    if (!check.reachable) underpowered.push(s.name);
  }
  if (underpowered.length && !argv['allow-underpowered']) {
    throw new CliError(
      `refusing a plan that can never decide (${underpowered.join(', ')}): raise -n, or pass --allow-underpowered to run it anyway`,
      2,
    );
  }
  const stamp = new Date()
    .toISOString()
    .replace(/[:.]/g, '-')
    .replace(/-\d\d\dZ$/, 'Z');
  const outDir = resolve(
    argv.out ?? join(paths.results(), `${stamp}-${scenarios.map((s) => s.name).join('+')}${aaMode ? '-aa' : ''}`),
  );
  return {
    scenarios,
    outDir,
    seed: argv.seed ?? 1,
    order: argv.order,
    aaMode,
    repetitions: argv.repetitions,
    warmup: argv.warmup,
    where: argv.where,
    vmmLabel: argv['vmm-label'],
    keepDisks: argv['keep-disks'],
    rigBatch: argv['rig-batch'],
    force: argv.force,
    guestCpus: argv.cpus,
    guestMemMiB: argv.mem,
    untilDecided: argv['until-decided'] ? { maxN: argv['max-n']! } : undefined,
  };
}

/** --resume DIR: everything comes from DIR (run.json and results.json); plan flags would change the plan. */
function resumeOptions(argv: RunArgs): Omit<RunOptions, 'progress'> | null {
  const given = [
    argv.scenario.join(' ') !== 'default' && 'scenarios',
    argv.out !== undefined && '--out',
    argv.repetitions !== undefined && '--repetitions',
    argv.warmup !== undefined && '--warmup',
    argv.order !== undefined && '--order',
    argv.seed !== undefined && '--seed',
    argv.aa !== undefined && '--aa',
    argv.force && '--force',
    argv.cpus !== undefined && '--cpus',
    argv.mem !== undefined && '--mem',
  ].filter(Boolean);
  if (given.length) throw new CliError(`--resume takes the plan from its folder: drop ${given.join(', ')}`, 2);
  const outDir = resolve(argv.resume!);
  let rs: ResultSet;
  let m: ReturnType<typeof readManifest>;
  try {
    rs = readResults(join(outDir, 'results.json'));
    m = readManifest(outDir);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (rs.completion?.state === 'complete') {
    process.stderr.write(
      `kickbench: ${outDir} is already complete (${rs.completion.done} of ${rs.completion.planned} samples); nothing to resume\n`,
    );
    return null;
  }
  return {
    scenarios: m.scenarios,
    outDir,
    ...recordedSettings(m),
    ...resumedGuestOverrides(rs),
    resume: rs,
  };
}

/** The --cpus/--mem the interrupted run was given, as its hosts' guest sizing recorded them. */
function resumedGuestOverrides(rs: ResultSet): { guestCpus?: number; guestMemMiB?: number } {
  for (const env of Object.values(rs.hosts)) {
    for (const sizing of Object.values(env.guestSizing ?? {})) {
      const o = sizing.overrides as { cpus?: number; memMiB?: number } | undefined;
      if (o) return { guestCpus: o.cpus, guestMemMiB: o.memMiB };
    }
  }
  return {};
}
