// A synthetic ResultSet generator for tests and report previews. The numbers
// come from a seeded PRNG around chosen centres; they are NOT measurements and
// every generated set says so in its host record and tool version.

import type { HostEnvironment, KickMode, MetricSample, ResultSet, Sample, Place } from './schema.js';
import { RESULTS_SCHEMA_ID, RESULTS_SCHEMA_VERSION } from './schema.js';
import { mulberry32 } from '../stats/random.js';
import { zeroVmmStats, type VmmStats } from './vmm-stats.js';

/** The same seeded PRNG as the statistics, re-exported for fixtures. */
export const seededRandom = mulberry32;

function normal(rand: () => number): number {
  const u = Math.max(rand(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export interface SyntheticOptions {
  seed?: number;
  /** measured samples per arm and scenario */
  n?: number;
  warmup?: number;
  where?: Place;
  host?: string;
  /** multiply every ioeventfd throughput centre by this (1 = no effect) */
  effect?: number;
  /** relative noise (sd / mean) */
  noise?: number;
  /** include a probe-guest scenario too */
  probe?: boolean;
}

/** Centres for the exit arm (loosely the scale of kvmtool's 2011 table) and the ioeventfd ratio. */
const BONNIE_CENTRES: Record<string, { exit: number; ratio: number; unit: string; cpu: number; latUs: number }> = {
  putc: { exit: 498, ratio: 1.0, unit: 'KiB/s', cpu: 99, latUs: 18000 },
  put_block: { exit: 381000, ratio: 1.2, unit: 'KiB/s', cpu: 74, latUs: 31000 },
  rewrite: { exit: 270000, ratio: 1.3, unit: 'KiB/s', cpu: 48, latUs: 21000 },
  getc: { exit: 2870, ratio: 1.04, unit: 'KiB/s', cpu: 99, latUs: 3000 },
  get_block: { exit: 717000, ratio: 1.2, unit: 'KiB/s', cpu: 50, latUs: 6900 },
};
const TOO_FAST = ['seeks', 'seq_create', 'seq_stat', 'seq_del', 'ran_create', 'ran_stat', 'ran_del'];

export function syntheticHost(where: Place, name = 'synthetic-fixture'): HostEnvironment {
  return {
    hostname: name,
    hostKernel: '6.1.0-synthetic',
    cpuModel: 'synthetic fixture (seeded PRNG, not a measurement)',
    cpus: 2,
    memoryMiB: 24576,
    kvmKind: where === 'emulating' ? 'emulating' : 'hardware',
    where,
    governor: 'performance',
    thp: 'madvise',
    nodeVersion: 'v20.0.0',
    gitCommit: '0000000000000000000000000000000000000000',
    gitDirty: false,
    guest: { kernel: '6.1.0 (synthetic)', bonnie: '1.96', rootfsSha256: 'synthetic', kernelSha256: 'synthetic' },
  };
}

export function syntheticResultSet(opts: SyntheticOptions = {}): ResultSet {
  const rand = seededRandom(opts.seed ?? 1);
  const n = opts.n ?? 8;
  const warmup = opts.warmup ?? 1;
  const where = opts.where ?? 'hardware';
  const host = opts.host ?? 'synthetic-fixture';
  const noise = opts.noise ?? 0.03;
  const effect = opts.effect;
  const jitter = (centre: number) => Math.max(0, centre * (1 + noise * normal(rand)));

  const scenarios = [{ name: 'quick', definition: { workload: { kind: 'bonnie', args: ['-s', '768', '-c', '2', '-u', '0'] }, repetitions: n } }];
  if (opts.probe) scenarios.push({ name: 'doorbell', definition: { workload: { kind: 'probe', cmdline: 'doorbell' } as never, repetitions: n } });

  const samples: Sample[] = [];
  let order = 0;
  for (const sc of scenarios) {
    // ABBA: exit, ioeventfd, ioeventfd, exit, ...
    const perArm: Record<KickMode, number> = { exit: 0, ioeventfd: 0 };
    const total = 2 * (n + warmup);
    for (let k = 0; k < total; k++) {
      const mode: KickMode = k % 4 === 0 || k % 4 === 3 ? 'exit' : 'ioeventfd';
      const index = perArm[mode]++;
      const isWarm = index < warmup;
      const metrics: Record<string, MetricSample> = {};
      const ioe = mode === 'ioeventfd';
      let mib: number;
      if (sc.name === 'quick') {
        for (const [name, c] of Object.entries(BONNIE_CENTRES)) {
          const ratio = effect ?? c.ratio;
          metrics[name] = {
            value: Math.round(jitter(c.exit * (ioe ? (c.ratio === 1 ? 1 : ratio) : 1))),
            status: 'ok',
            unit: c.unit,
            cpu: Math.min(100, Math.round(jitter(c.cpu))),
            latency_us: Math.round(jitter(ioe ? c.latUs * 0.7 : c.latUs)),
          };
        }
        for (const name of TOO_FAST) {
          metrics[name] = { value: null, status: 'too_fast', unit: name === 'seeks' ? '/s' : 'files/s', cpu: null, latency_us: Math.round(jitter(500)) };
        }
        mib = 768 * 2 * 3;
      } else {
        metrics.doorbell_ns_per_kick = { value: Math.round(jitter(ioe ? 1800 : 5200)), status: 'ok', unit: 'ns' };
        mib = 64;
      }
      const kicks = Math.round(jitter(mib * 40));
      const exitsIo = ioe ? Math.round(jitter(200)) : kicks + Math.round(jitter(200));
      const wall = jitter(ioe ? 20 : 24);
      // Shaped like kickvmm's --stats JSON (native/core/stats.cc).
      const vmmStats: VmmStats = {
        ...zeroVmmStats(mode),
        exits: { ...zeroVmmStats(mode).exits, io: exitsIo },
        notifyIoExits: ioe ? 0 : kicks,
        kicks,
        eventfdWakeups: ioe ? Math.round(kicks * 0.8) : 0,
        eventfdSignals: ioe ? kicks : 0,
        interrupts: Math.round(kicks * 0.9),
        bytesRead: Math.round(mib * 1048576 * 0.4),
        bytesWritten: Math.round(mib * 1048576 * 0.6),
        wallSeconds: wall,
        vcpuCpuSeconds: jitter(ioe ? 14 : 19),
        ioThreadCpuSeconds: ioe ? jitter(4) : 0,
        kvmKind: where === 'emulating' ? 'emulating' : 'hardware',
        exitReason: 'clean',
        tscKhz: 2_400_000,
      };
      metrics.kicks_per_mib = { value: kicks / mib, status: 'ok', unit: 'kicks/MiB' };
      metrics.io_exits_per_mib = { value: exitsIo / mib, status: 'ok', unit: 'exits/MiB' };
      metrics.wall_seconds = { value: wall, status: 'ok', unit: 's' };
      samples.push({
        id: `${sc.name}/${mode}/${index}`,
        scenario: sc.name,
        vmm: 'kickvmm',
        mode,
        arm: mode,
        index,
        order: order++,
        warmup: isWarm,
        where,
        host,
        status: 'ok',
        startedAt: new Date(Date.UTC(2024, 0, 1, 0, 0, order * 30)).toISOString(),
        wallSeconds: wall,
        metrics,
        vmmStats,
        logs: { console: `logs/${sc.name}-${mode}-${index}.console.txt` },
      });
    }
  }
  return {
    schema: RESULTS_SCHEMA_ID,
    version: RESULTS_SCHEMA_VERSION,
    createdAt: '2024-01-01T00:00:00.000Z',
    tool: { name: 'kickbench', version: '0.0.0-synthetic', gitCommit: null },
    order: 'abba',
    scenarios: scenarios as ResultSet['scenarios'],
    hosts: { [host]: syntheticHost(where, host) },
    samples,
  };
}
