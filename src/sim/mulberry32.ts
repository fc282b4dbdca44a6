/**
 * mulberry32: a small, fast seeded generator of uniforms in [0, 1). The simulator has its own forkable `Rng`
 * (rng.ts); this plain stream is what benchmarks and tests use to make the same data on every run.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
