/**
 * A seeded pseudo-random generator (mulberry32), so the demo data is the same on every fresh
 * database: Math.random would give each run different customers and amounts.
 */
export function createRandom(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** An integer in [min, max]. */
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    /** True with the given probability (0..1). */
    chance: (probability: number) => next() < probability,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    /** One of `weighted` ([[value, weight], ...]), in proportion to its weight. */
    weighted<T>(weighted: readonly (readonly [T, number])[]): T {
      const total = weighted.reduce((sum, [, weight]) => sum + weight, 0);
      let roll = next() * total;
      for (const [value, weight] of weighted) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return weighted[weighted.length - 1][0];
    },
  };
}
