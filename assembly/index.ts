// The only export surface of swarm-perf.wasm: flat functions over numbers and raw pointers.
// src/wasm/kernel.ts is the one TypeScript file that calls these and reads WASM memory.

/** Bumped whenever an export's signature or a memory layout changes; kernel.ts checks it on load. */
export const ABI_VERSION: i32 = 3

export function abiVersion(): i32 {
  return ABI_VERSION
}

export * from './scoring'
export * from './histograms'

export * from './assignment'
