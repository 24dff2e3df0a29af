/** A small deterministic PRNG (mulberry32), seeded from a string. */
export function random(seed: string): () => number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T extends { weight: number }>(items: T[], r: number): T {
  let acc = 0;
  for (const item of items) {
    acc += item.weight;
    if (r < acc) return item;
  }
  return items[items.length - 1];
}

/**
 * The demo day (0 = the first of the period) on which the user at `index` of
 * the sorted user list starts using the portal: users join over 30 days.
 */
export function joinDay(index: number, users: number): number {
  return Math.floor((index / Math.max(1, users)) * 30);
}
