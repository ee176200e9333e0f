// An ab run is one results set whose samples carry their build in `vmm`
// ("base" or "head"). Split into two sets, compare's statistics apply unchanged.

import type { ResultSet } from '../results/schema.js';

export function splitByBuild(rs: ResultSet, label: string): ResultSet {
  const samples = rs.samples.filter((s) => s.vmm === label);
  const hosts = Object.fromEntries(Object.entries(rs.hosts).filter(([k]) => samples.some((s) => s.host === k)));
  return { ...rs, samples, hosts };
}

/** The two sides of an ab run; one-line error when either has no sample. */
export function abSides(rs: ResultSet, source: string): { base: ResultSet; head: ResultSet } {
  const base = splitByBuild(rs, 'base');
  const head = splitByBuild(rs, 'head');
  for (const [name, side] of [
    ['base', base],
    ['head', head],
  ] as const) {
    if (side.samples.length === 0)
      throw new Error(`${source}: no sample of the ${name} build (not a kickbench ab run?)`);
  }
  return { base, head };
}
