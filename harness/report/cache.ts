// Cache honesty: does a bonnie++ run measure the disk or the guest's page
// cache? bonnie++ writes one file of -s MiB (in 2.00 -c only scales its own RAM
// check, it runs nothing in parallel), so a file smaller than twice the guest's
// RAM is partly served from that RAM. The RAM is what the guest kernel reported
// (MemTotal, as bonnie++ itself counts it) or, for results without it, the
// configured RAM, which is larger. Every report format shows this per run.

import type { ResultSet, Sample } from '../results/schema.js';
import type { Align } from './table.js';

export const CACHE_AFFECTED = 'cache-affected';

export interface CacheCheck {
  sampleId: string;
  arm: string;
  warmup: boolean;
  /** the guest's RAM as configured; null when the results do not record it */
  guestMemMiB: number | null;
  /** the RAM the guest kernel reported (MemTotal, what bonnie++ sees); null when not recorded */
  guestMemTotalMiB: number | null;
  /** what the rule is judged against: MemTotal when recorded, else the configured RAM (an upper bound) */
  ramMiB: number | null;
  /** bonnie++ -s */
  fileMiB: number;
  /** null when the guest RAM is unknown: nothing is claimed then */
  fileAtLeastTwiceRam: boolean | null;
}

type Definition = { workload?: { kind?: unknown; args?: unknown }; guest?: { memMiB?: unknown } };

function definitionOf(rs: ResultSet, scenario: string): Definition | undefined {
  return rs.scenarios.find((s) => s.name === scenario)?.definition as Definition | undefined;
}

/** bonnie++'s -s in MiB, or null when the run writes no file (no -s given is refused by scenario validation). */
export function bonnieFileMiB(args: string[]): number | null {
  const i = args.indexOf('-s');
  if (i < 0) return null;
  const raw = (args[i + 1] ?? '').split(':')[0];
  const m = /^(\d+)([mMgG]?)$/.exec(raw);
  if (!m) return null;
  const n = Number(m[1]) * (/[gG]/.test(m[2]) ? 1024 : 1);
  return n > 0 ? n : null;
}

/** The -s file of a bonnie++ scenario in these results, in MiB; null for other workloads. */
export function scenarioFileMiB(rs: ResultSet, scenario: string): number | null {
  const def = definitionOf(rs, scenario);
  if (def?.workload?.kind !== 'bonnie' || !Array.isArray(def.workload.args)) return null;
  return bonnieFileMiB(def.workload.args.map(String));
}

/** The guest RAM a sample ran with: recorded per sample, else the host's sizing record, else the scenario file. */
function guestMemOf(rs: ResultSet, s: Sample, def: Definition | undefined): number | null {
  if (s.guest && Number.isFinite(s.guest.memMiB)) return s.guest.memMiB;
  const sized = rs.hosts[s.host]?.guestSizing?.[s.scenario]?.memMiB;
  if (typeof sized === 'number') return sized;
  const fromFile = def?.guest?.memMiB;
  return typeof fromFile === 'number' ? fromFile : null;
}

/** One check per bonnie++ run that produced results, in run order; empty for probe scenarios. */
export function cacheChecks(rs: ResultSet, samples: Sample[]): CacheCheck[] {
  const out: CacheCheck[] = [];
  for (const s of [...samples].sort((a, b) => a.order - b.order)) {
    if (s.status !== 'ok') continue;
    const def = definitionOf(rs, s.scenario);
    if (def?.workload?.kind !== 'bonnie' || !Array.isArray(def.workload.args)) continue;
    const fileMiB = bonnieFileMiB(def.workload.args.map(String));
    if (fileMiB === null) continue;
    const guestMemMiB = guestMemOf(rs, s, def);
    const guestMemTotalMiB = typeof s.guest?.memTotalMiB === 'number' ? s.guest.memTotalMiB : null;
    const ramMiB = guestMemTotalMiB ?? guestMemMiB;
    out.push({
      sampleId: s.id,
      arm: s.arm,
      warmup: s.warmup,
      guestMemMiB,
      guestMemTotalMiB,
      ramMiB,
      fileMiB,
      fileAtLeastTwiceRam: ramMiB === null ? null : fileMiB >= 2 * ramMiB,
    });
  }
  return out;
}

/** The check for one sample (the CSV's columns), or null when it is not a bonnie++ run. */
export function cacheCheckOf(rs: ResultSet, s: Sample): CacheCheck | null {
  return cacheChecks(rs, [s])[0] ?? null;
}

/** "cache-affected", "disk" or "not judged (guest RAM not recorded)". */
export function cacheVerdict(c: CacheCheck): string {
  if (c.fileAtLeastTwiceRam === null) return 'not judged (guest RAM not recorded)';
  return c.fileAtLeastTwiceRam ? 'disk' : CACHE_AFFECTED;
}

export const CACHE_HEADER = ['bonnie++ run', 'guest RAM', 'file size', 'file >= 2x RAM', 'measures'];
export const CACHE_ALIGN: Align[] = ['left', 'right', 'right', 'left', 'left'];

/** "41 MiB (MemTotal; 96 MiB configured)", "96 MiB (configured)" or "unknown". */
function ramCell(c: CacheCheck): string {
  if (c.guestMemTotalMiB !== null)
    return `${c.guestMemTotalMiB} MiB (MemTotal${c.guestMemMiB !== null ? `; ${c.guestMemMiB} MiB configured` : ''})`;
  return c.guestMemMiB === null ? 'unknown' : `${c.guestMemMiB} MiB (configured)`;
}

export function cacheRows(checks: CacheCheck[]): string[][] {
  return checks.map((c) => [
    `${c.sampleId}${c.warmup ? ' (warm-up)' : ''}`,
    ramCell(c),
    `${c.fileMiB} MiB`,
    c.fileAtLeastTwiceRam === null ? 'unknown' : c.fileAtLeastTwiceRam ? 'yes' : 'no',
    cacheVerdict(c),
  ]);
}

/** A loud one-liner when any run is cache-affected; null otherwise. */
export function cacheWarning(scenario: string, checks: CacheCheck[]): string | null {
  const bad = checks.filter((c) => c.fileAtLeastTwiceRam === false);
  if (!bad.length) return null;
  return (
    `CACHE-AFFECTED: ${bad.length} of ${checks.length} bonnie++ run(s) of ${scenario} used a file smaller than twice the guest RAM, ` +
    "so their figures partly measure the guest's page cache, not the disk."
  );
}
