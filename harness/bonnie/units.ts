// Conversions between bonnie++'s printed cells and numbers.

/** Parse a latency cell ("7817us", "251ms", "120s") to microseconds; "" -> null; anything else -> undefined. */
export function parseLatency(cell: string): number | null | undefined {
  if (cell === '') return null;
  const m = /^(\d+)(us|ms|s)$/.exec(cell);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2] === 'us' ? n : m[2] === 'ms' ? n * 1000 : n * 1_000_000;
}

/** Print microseconds the way bonnie++ does: us up to 0.099999 s, ms up to 99.999999 s, else s (truncated). */
export function formatLatency(us: number): string {
  if (us < 100_000) return `${Math.trunc(us)}us`;
  if (us < 100_000_000) return `${Math.trunc(us / 1000)}ms`;
  return `${Math.trunc(us / 1_000_000)}s`;
}

const SUFFIX_KIB: Record<string, number> = { '': 1, k: 1, m: 1024, g: 1024 * 1024 };

/**
 * Parse a rate cell. 2.00a prints bulk-IO rates with a unit suffix (1401k, 12.3m, 1.7g);
 * the result is in KiB/s for those and as printed otherwise. Returns undefined when the
 * cell is not a number.
 */
export function parseRate(cell: string, allowSuffix: boolean): number | undefined {
  const m = /^(\d+(?:\.\d+)?)([kmg]?)$/.exec(cell);
  if (!m) return undefined;
  if (m[2] !== '' && !allowSuffix) return undefined;
  // Round away binary noise (1.7 * 1048576 is not exact in floating point).
  return Math.round(Number(m[1]) * SUFFIX_KIB[m[2]] * 1e6) / 1e6;
}

/** "768M" -> 768, "1G" -> 1024, "" or anything else -> null. */
export function sizeToMiB(size: string): number | null {
  const m = /^(\d+)([MG])$/.exec(size);
  if (!m) return null;
  return Number(m[1]) * (m[2] === 'G' ? 1024 : 1);
}

/** `+++++` (rate) or `+++` (CPU): too fast to measure. bonnie++ prints five and three; accept 3..5. */
export function isPlus(cell: string): boolean {
  return /^\+{3,5}$/.test(cell);
}

/** bonnie++ versions from 1.98 on print file-test rates wrongly in the text table (a double through %d). */
export function textFileRatesBroken(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  return Number(m[1]) > 1 || (Number(m[1]) === 1 && Number(m[2]) >= 98);
}
