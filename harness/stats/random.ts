// A seedable PRNG so every bootstrap interval is reproducible from its seed.

/** mulberry32: 32-bit state, uniform in [0, 1). Plenty for resampling indices. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 32-bit seed from a base seed and labels (FNV-1a), so each (scenario, metric)
 * gets its own stream and a result does not depend on which others were computed.
 */
export function deriveSeed(seed: number, ...labels: string[]): number {
  let h = 0x811c9dc5;
  for (const s of [String(seed), ...labels]) {
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
