/**
 * A small seeded PRNG (sfc32, seeded through splitmix32) so every simulated run is reproducible from its seed.
 * `Math.random` is never used in the simulator.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [0, n). */
  int(n: number): number
  /** An independent stream derived from this seed and a label, so adding draws in one place does not shift others. */
  fork(label: string): Rng
}

function splitmix32(state: number): () => number {
  let s = state >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

function hashLabel(label: string): number {
  // FNV-1a, 32 bits.
  let h = 0x811c9dc5
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
  return h
}

export function createRng(seed: number): Rng {
  const mix = splitmix32(seed)
  let a = mix()
  let b = mix()
  let c = mix()
  let d = mix()
  const seedBits = seed >>> 0
  const nextUint = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  // Warm up: sfc32 wants a few rounds before its output is well mixed.
  for (let i = 0; i < 12; i++) nextUint()
  return {
    next: () => nextUint() / 4294967296,
    int: (n) => Math.floor((nextUint() / 4294967296) * n),
    fork: (label) => createRng((seedBits ^ hashLabel(label)) >>> 0),
  }
}
