/**
 * The one file that touches the AssemblyScript loader and WASM memory. Everything else calls the typed functions
 * exported here. Each consumer (a percentile engine, a solve, a scoring pass) gets its own instance of the
 * compiled module, so its memory is its own and is released with it.
 */
import { readFileSync } from 'node:fs'
import { instantiateSync } from '@assemblyscript/loader'

/** The ABI version this file was written against (assembly/index.ts ABI_VERSION). */
const expectedAbiVersion = 1

const wasmUrl = new URL('../../build/swarm-perf.wasm', import.meta.url)

let compiled: WebAssembly.Module | undefined

/** Compile once per process; the .wasm ships in the package (build/swarm-perf.wasm), no network, no build step. */
function wasmModule(): WebAssembly.Module {
  if (compiled) return compiled
  let bytes: Buffer
  try {
    bytes = readFileSync(wasmUrl)
  } catch (cause) {
    throw new Error(
      `swarm-perf: cannot read ${wasmUrl.pathname}; the package ships it prebuilt (in a checkout run \`npm run build:wasm\`)`,
      { cause },
    )
  }
  compiled = new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>)
  return compiled
}

interface CoreExports {
  memory: WebAssembly.Memory
  abiVersion(): number
}

// Each kernel area declares its raw exports in its own section below and adds them here.
type KernelExports = CoreExports

// ---------------------------------------------------------------------------------------------------------------
// Sections, one per kernel area (histograms, assignment, scoring). Each exports typed functions; nothing outside
// this file sees a pointer or a memory view.
// ---------------------------------------------------------------------------------------------------------------

function instantiate(): KernelExports {
  const { exports } = instantiateSync<Record<string, unknown>>(wasmModule(), {})
  const kernel = exports as unknown as KernelExports
  const abi = kernel.abiVersion()
  if (abi !== expectedAbiVersion) {
    throw new Error(`swarm-perf: build/swarm-perf.wasm has ABI ${abi}, expected ${expectedAbiVersion}; rebuild it`)
  }
  return kernel
}

/** The path of the shipped .wasm, for diagnostics and the packaging test. */
export function wasmPath(): string {
  return wasmUrl.pathname
}

/** Load the module and report its ABI version (a smoke check of the build). */
export function kernelAbiVersion(): number {
  return instantiate().abiVersion()
}
