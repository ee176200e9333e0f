// Which samples count: measured (not a warm-up) and successful. The statistics
// and every report use this one filter, so a table and its verdict always
// speak of the same samples.
import type { Sample } from './schema.js';

export function isUsable(s: Pick<Sample, 'warmup' | 'status'>): boolean {
  return !s.warmup && s.status === 'ok';
}

export function usableSamples<S extends Pick<Sample, 'warmup' | 'status'>>(samples: readonly S[]): S[] {
  return samples.filter(isUsable);
}
