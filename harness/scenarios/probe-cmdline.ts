// The probe guest's command-line grammar (native/guest/README.md, cmdline.c and
// each workload's validate function), checked when a scenario loads, so a bad
// line is one error before anything boots instead of a failed VM per sample.
//   cmdline  := workload { ";" workload }
//   workload := name { key "=" value }          tokens separated by blanks
//   value    := decimal | 0x-hex, optional suffix k|m|g

const U64_MAX = (1n << 64n) - 1n;
const MAX_WORKLOADS = 64;
const MAX_SLOTS = 256n;

type Args = Map<string, bigint>;

interface WorkloadDef {
  keys: Record<string, bigint>;
  validate?: (a: (key: string) => bigint) => string | null;
}

function blockArgs(a: (key: string) => bigint): string | null {
  const bs = a('bs');
  if (bs === 0n || bs % 512n) return 'bs must be a non-zero multiple of 512';
  if (bs > 4n << 20n) return 'bs must be at most 4m';
  if (a('depth') < 1n || a('depth') > MAX_SLOTS) return 'depth must be between 1 and 256';
  if (a('start') % 512n) return 'start must be a multiple of 512';
  if (a('irq') > 1n) return 'irq must be 0 or 1';
  return null;
}

const BLOCK_KEYS = { bs: 64n << 10n, count: 0n, depth: 1n, start: 0n, irq: 1n };

const WORKLOADS: Record<string, WorkloadDef> = {
  doorbell: {
    keys: { count: 100000n, batches: 1n },
    validate: (a) => {
      if (a('count') > 0xffffffffn) return 'count must fit in 32 bits';
      // batches=0 kicks forever, for the in-process benchmark: a scenario's VM would only time out.
      if (a('batches') === 0n) return 'batches=0 runs forever (kickbench micro uses it); a scenario needs batches >= 1';
      return null;
    },
  },
  write: { keys: BLOCK_KEYS, validate: blockArgs },
  rewrite: { keys: BLOCK_KEYS, validate: blockArgs },
  read: { keys: BLOCK_KEYS, validate: blockArgs },
  seeks: {
    keys: { ...BLOCK_KEYS, bs: 4n << 10n, count: 1000n, writepct: 10n, seed: 1n },
    validate: (a) => (a('writepct') > 100n ? 'writepct must be 0..100' : blockArgs(a)),
  },
  verify: {
    keys: { ...BLOCK_KEYS, bs: 4n << 10n, count: 100n, passes: 2n },
    validate: (a) => (a('passes') < 1n || a('passes') > 125n ? 'passes must be 1..125' : blockArgs(a)),
  },
  hostile: {
    keys: { budget: 1n << 31n },
    validate: (a) => (a('budget') === 0n ? 'budget must be > 0 cycles' : null),
  },
};

/** A value as the probe reads it, or null: decimal or 0x-hex, one optional k/m/g suffix, within 64 bits. */
export function parseProbeValue(text: string): bigint | null {
  const m = /^(?:0[xX]([0-9a-fA-F]+)|([0-9]+))([kKmMgG]?)$/.exec(text);
  if (!m) return null;
  let v = m[1] !== undefined ? BigInt(`0x${m[1]}`) : BigInt(m[2]);
  if (v > U64_MAX) return null;
  const shift = { k: 10n, m: 20n, g: 30n }[m[3].toLowerCase() as 'k' | 'm' | 'g'];
  if (shift !== undefined) {
    if (v > U64_MAX >> shift) return null;
    v <<= shift;
  }
  return v;
}

/** Null if the probe would accept `cmdline`, else the probe's reason, in one line. */
export function checkProbeCmdline(cmdline: string): string | null {
  let count = 0;
  for (const part of cmdline.split(';')) {
    const tokens = part.split(/[ \t\n\r]+/).filter(Boolean);
    if (tokens.length === 0) continue; // ";;" and a trailing ";" are ignored
    const [name, ...rest] = tokens;
    const def = Object.hasOwn(WORKLOADS, name) ? WORKLOADS[name] : undefined;
    if (!def) return `unknown workload '${name}' (known: ${Object.keys(WORKLOADS).join(', ')})`;
    if (++count > MAX_WORKLOADS) return `more than ${MAX_WORKLOADS} workloads`;
    const args: Args = new Map();
    for (const tok of rest) {
      const eq = tok.indexOf('=');
      if (eq < 0) return `${name}: expected key=value, got '${tok}'`;
      const key = tok.slice(0, eq);
      if (!Object.hasOwn(def.keys, key))
        return `${name}: unknown key '${key}' (known: ${Object.keys(def.keys).join(', ')})`;
      if (args.has(key)) return `${name}: key '${key}' given twice`;
      const value = parseProbeValue(tok.slice(eq + 1));
      if (value === null)
        return `${name}: bad value for ${key}: '${tok.slice(eq + 1)}' (want a number, optional k/m/g suffix)`;
      args.set(key, value);
    }
    const why = def.validate?.((key) => args.get(key) ?? def.keys[key]);
    if (why) return `${name}: ${why}`;
  }
  if (count === 0) return 'no workloads on the command line (e.g. "write bs=64k count=100; verify")';
  return null;
}

/** Each workload's keys, for the test that keeps this file in step with the probe's C sources. */
export function probeWorkloadKeys(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(WORKLOADS).map(([name, def]) => [name, Object.keys(def.keys)]));
}
