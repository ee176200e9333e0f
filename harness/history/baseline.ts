// compare --against-history: the last N recorded runs of the same scenario,
// host and place as a new run, pooled into one baseline set. They were not
// interleaved with the new run, so host drift between then and now lands on
// one side only: the comparison says so.

import type { ResultSet, Sample } from '../results/schema.js';
import { HistoryError, runKey, type History } from './store.js';

export const NOT_INTERLEAVED_NOTE =
  'baseline: recorded runs from the history, NOT interleaved with this run: drift of the host between then and now lands on one side only';

export interface HistoryBaseline {
  rs: ResultSet;
  runIds: number[];
}

export function historyBaseline(history: History, run: ResultSet, last: number, source: string): HistoryBaseline {
  if (!(Number.isInteger(last) && last >= 1)) throw new HistoryError('--last must be an integer >= 1');
  const hostname = (rs: ResultSet, s: Sample) => rs.hosts[s.host]?.hostname ?? s.host;
  const groups = new Set(run.samples.map((s) => JSON.stringify([s.scenario, hostname(run, s), s.where])));
  const key = runKey(run);
  const picked: { id: number; rs: ResultSet; samples: Sample[] }[] = [];
  for (const { id, rs } of history.resultSets()) {
    if (picked.length >= last) break;
    if (runKey(rs) === key) continue; // the run itself, already recorded
    const samples = rs.samples.filter((s) => groups.has(JSON.stringify([s.scenario, hostname(rs, s), s.where])));
    if (samples.length) picked.push({ id, rs, samples });
  }
  if (picked.length === 0) {
    const what = [...groups].map((g) => (JSON.parse(g) as string[]).join(' on ')).join('; ');
    throw new HistoryError(`${source}: the history has no earlier run of ${what} (same scenario, host and place)`);
  }
  const hostKey = run.samples[0]?.host ?? 'history';
  const newest = picked[0].rs;
  const samples = picked.flatMap(({ id, samples }) =>
    samples.map((s) => ({ ...s, id: `history${id}/${s.id}`, host: hostKey })),
  );
  const env = Object.values(newest.hosts)[0];
  return {
    runIds: picked.map((p) => p.id),
    rs: {
      ...newest,
      builds: undefined,
      scenarios: run.scenarios,
      hosts: env ? { [hostKey]: env } : {},
      samples,
    },
  };
}
