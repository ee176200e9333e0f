// The results file (`results.json`): one run set, every sample kept raw.
// This is the contract between the runner (writes it), statistics, reports,
// compare and merge (read it). Bump RESULTS_SCHEMA_VERSION on any change
// that an older reader would misread.

export const RESULTS_SCHEMA_ID = 'kickbench/results';
export const RESULTS_SCHEMA_VERSION = 1;

/** Where a sample ran. Timings from 'emulating' or 'nested' say nothing about hardware. */
export type Where = 'hardware' | 'emulating' | 'nested';
export type KickMode = 'exit' | 'ioeventfd';
export type MetricStatus = 'ok' | 'too_fast' | 'not_run';
export type Direction = 'higher' | 'lower';

export interface MetricSample {
  /** null unless status is 'ok' */
  value: number | null;
  status: MetricStatus;
  unit: string;
  /** bonnie++ %CP where it reports one */
  cpu?: number | null;
  /** bonnie++ worst-case latency of that test, microseconds */
  latency_us?: number | null;
}

export interface Sample {
  /** unique within the file, e.g. "quick/ioeventfd/2" */
  id: string;
  scenario: string;
  /** the VMM under test, e.g. "kickvmm" (or a label given with --vmm-label for commit A/B) */
  vmm: string;
  /** the kick path the VMM ran with */
  mode: KickMode;
  /** the comparison arm: normally equal to mode; 'A' / 'B' in an A/A run */
  arm: string;
  /** repetition index within (scenario, arm), from 0 */
  index: number;
  /** global position in the run order (0-based), to see drift and interleaving */
  order: number;
  warmup: boolean;
  where: Where;
  /** host id: key into ResultSet.hosts */
  host: string;
  status: 'ok' | 'failed';
  /** one line, when status is 'failed' */
  error?: string;
  startedAt: string;
  wallSeconds: number;
  /** metric name -> value; names as in METRICS below or scenario-specific */
  metrics: Record<string, MetricSample>;
  /** kickvmm's --stats JSON, verbatim */
  vmmStats?: Record<string, unknown>;
  /** paths relative to the results.json directory */
  logs: { console?: string; stats?: string; stderr?: string };
}

export interface HostEnvironment {
  hostname: string;
  hostKernel: string;
  cpuModel: string;
  cpus: number;
  memoryMiB: number;
  kvmKind: 'hardware' | 'emulating' | 'none';
  where: Where;
  governor?: string | null;
  thp?: string | null;
  nodeVersion: string;
  gitCommit?: string | null;
  gitDirty?: boolean | null;
  /** guest kernel version, asset hashes, bonnie++ version, QEMU version for the rig */
  guest?: Record<string, string | null>;
  [key: string]: unknown;
}

export interface ScenarioRecord {
  name: string;
  /** the validated scenario as it was run */
  definition: Record<string, unknown>;
}

/**
 * planned: measured (non-warm-up) samples the plan asked for; done: those that
 * finished with status ok. 'running' while the runner works, 'complete' when
 * every planned sample is done and ok, 'incomplete' when the run ended with
 * fewer, 'interrupted' when a signal stopped it.
 */
export interface Completion {
  planned: number;
  done: number;
  state: 'running' | 'complete' | 'incomplete' | 'interrupted';
}

export interface SequentialRecord {
  /** samples per arm at each pre-planned look, and the alpha each look may spend (O'Brien-Fleming) */
  looks: { n: number; alpha: number }[];
  maxN: number;
  /** the look the run stopped at (index into looks), and why */
  stoppedAt: number;
  reason: 'decided' | 'budget' | 'interrupted';
}

export interface ResultSet {
  schema: typeof RESULTS_SCHEMA_ID;
  version: typeof RESULTS_SCHEMA_VERSION;
  createdAt: string;
  tool: { name: 'kickbench'; version: string; gitCommit?: string | null };
  /** how the run was ordered: 'abba' or 'random:<seed>' */
  order: string;
  /** true for an A/A (noise floor) run: both arms use the same mode */
  aa?: boolean;
  /** the run's --seed: orders random runs and seeds every resampling in its reports */
  seed?: number;
  /** how much of the plan was measured; absent in files from before it existed */
  completion?: Completion;
  /** `run --until-decided`: the planned looks and where the run stopped */
  sequential?: SequentialRecord;
  scenarios: ScenarioRecord[];
  hosts: Record<string, HostEnvironment>;
  samples: Sample[];
}

export interface MetricInfo {
  name: string;
  label: string;
  unit: string;
  direction: Direction;
  /**
   * 'primary': the throughput and cost a comparison is about (bonnie++ rates, probe
   * phases, the doorbell cost). 'secondary': latencies and the VMM's own counters,
   * which explain a change. Each family is Holm-corrected on its own, so the
   * explanatory metrics do not dilute the primary hypotheses.
   */
  family: 'primary' | 'secondary';
}

/** Metrics with a known meaning. Scenario-specific metrics not listed here are reported with direction from their unit. */
export const METRICS: MetricInfo[] = [
  { name: 'putc', label: 'Seq output per char', unit: 'KiB/s', direction: 'higher', family: 'primary' },
  { name: 'put_block', label: 'Seq output block', unit: 'KiB/s', direction: 'higher', family: 'primary' },
  { name: 'rewrite', label: 'Rewrite', unit: 'KiB/s', direction: 'higher', family: 'primary' },
  { name: 'getc', label: 'Seq input per char', unit: 'KiB/s', direction: 'higher', family: 'primary' },
  { name: 'get_block', label: 'Seq input block', unit: 'KiB/s', direction: 'higher', family: 'primary' },
  { name: 'seeks', label: 'Random seeks', unit: '/s', direction: 'higher', family: 'primary' },
  { name: 'seq_create', label: 'Seq create', unit: 'files/s', direction: 'higher', family: 'primary' },
  { name: 'seq_stat', label: 'Seq read (stat)', unit: 'files/s', direction: 'higher', family: 'primary' },
  { name: 'seq_del', label: 'Seq delete', unit: 'files/s', direction: 'higher', family: 'primary' },
  { name: 'ran_create', label: 'Random create', unit: 'files/s', direction: 'higher', family: 'primary' },
  { name: 'ran_stat', label: 'Random read (stat)', unit: 'files/s', direction: 'higher', family: 'primary' },
  { name: 'ran_del', label: 'Random delete', unit: 'files/s', direction: 'higher', family: 'primary' },
  // Derived from kickvmm's stats for every sample.
  { name: 'kicks_per_mib', label: 'Kicks per MiB moved', unit: 'kicks/MiB', direction: 'lower', family: 'secondary' },
  { name: 'io_exits_per_mib', label: 'io exits per MiB moved', unit: 'exits/MiB', direction: 'lower', family: 'secondary' },
  { name: 'vcpu_cpu_s_per_gib', label: 'vCPU CPU time per GiB', unit: 's/GiB', direction: 'lower', family: 'secondary' },
  { name: 'wall_seconds', label: 'VM wall time', unit: 's', direction: 'lower', family: 'secondary' },
  // Probe-guest workloads.
  { name: 'doorbell_ns_per_kick', label: 'Doorbell cost per kick', unit: 'ns', direction: 'lower', family: 'primary' },
];

export function metricInfo(name: string): MetricInfo {
  const known = METRICS.find((m) => m.name === name);
  if (known) return known;
  const lowerIsBetter = /latency|_ns|_us|seconds|per_kick|exits/.test(name);
  const secondary = /latency|_per_mib|_per_gib|seconds/.test(name);
  return { name, label: name, unit: '', direction: lowerIsBetter ? 'lower' : 'higher', family: secondary ? 'secondary' : 'primary' };
}
