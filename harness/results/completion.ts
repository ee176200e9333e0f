// How much of a run's plan was measured. The runner records it in
// results.json as `completion`; for files from before that field, it is
// derived from the samples (a failed measured sample makes a run incomplete).

import type { Completion, ResultSet, Sample } from './schema.js';

function measuredSamples(rs: ResultSet): Sample[] {
  return rs.samples.filter((s) => !s.warmup);
}

/** The recorded completion, or one derived from the samples. */
export function completionOf(rs: ResultSet): Completion {
  if (rs.completion) return rs.completion;
  const measured = measuredSamples(rs);
  const done = measured.filter((s) => s.status === 'ok').length;
  return { planned: measured.length, done, state: done === measured.length ? 'complete' : 'incomplete' };
}

/** The completion of a run that has ended normally (the runner's last write). */
export function finalCompletion(planned: number, samples: Sample[]): Completion {
  const done = samples.filter((s) => !s.warmup && s.status === 'ok').length;
  return { planned, done, state: done >= planned ? 'complete' : 'incomplete' };
}

/** Failed measured samples, and all measured samples. */
export function failureCount(rs: ResultSet): { failed: number; measured: number } {
  const measured = measuredSamples(rs);
  return { failed: measured.filter((s) => s.status === 'failed').length, measured: measured.length };
}

/** One line for reports, null when the run is complete. */
export function completionNote(c: Completion): string | null {
  if (c.state === 'complete') return null;
  const what =
    c.state === 'interrupted'
      ? 'INTERRUPTED RUN'
      : c.state === 'running'
        ? 'RUN STILL IN PROGRESS (or killed without a trace)'
        : 'INCOMPLETE RUN';
  return `${what}: ${c.done} of ${c.planned} planned measured sample(s) finished ok; statistics use only those`;
}
