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
type KernelExports = CoreExports & AssignmentExports

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

// --- assignment: Jonker-Volgenant shortest augmenting paths, dense and sparse (assembly/assignment.ts) ----------

interface AssignmentExports {
  assignmentPrepare(rows: number, cols: number, nnz: number): number
  assignmentCostsPtr(): number
  assignmentColumnsPtr(): number
  assignmentRowStartPtr(): number
  assignmentSolutionPtr(): number
  assignmentSolveDense(rows: number, cols: number): number
  assignmentSolveSparse(rows: number, cols: number): number
}

/** A validated problem as src/engine/solve-assignment.ts hands it over. */
export interface AssignmentKernelInput {
  /** rows x cols, row-major; finite or +Infinity (forbidden) only. */
  costs: Float64Array
  rows: number
  cols: number
  /**
   * Capacity replication: working column s stands for original column slots[s]; a column's slots are contiguous and
   * in column order. null: each column once.
   */
  slots: Int32Array | null
  /** Store only the finite costs (CSR) and run the heap-based solver. */
  sparse: boolean
}

export interface AssignmentKernelResult {
  /** Original column of each original row, -1 unassigned. */
  rowToCol: Int32Array
  /** Rows assigned (rows <= slots) or slots filled (rows > slots). */
  matched: number
  /** Rows the solver worked on after transposing: min(rows, slots). */
  needed: number
}

// One instance for every solve in the process: its scratch block grows to the largest problem seen and is reused.
let assignmentInstance: KernelExports | undefined

/**
 * Solve on the shared assignment instance. The working problem always has rows <= columns: when there are more rows
 * than column slots the matrix is transposed on the way in, and the solution is mapped back.
 */
export function solveAssignmentKernel(input: AssignmentKernelInput): AssignmentKernelResult {
  const { costs, rows, cols, slots, sparse } = input
  assignmentInstance ??= instantiate()
  const k = assignmentInstance
  const slotCount = slots ? slots.length : cols
  const transpose = rows > slotCount
  const n = transpose ? slotCount : rows
  const m = transpose ? rows : slotCount
  const rowToCol = new Int32Array(rows).fill(-1)
  if (n === 0) return { rowToCol, matched: 0, needed: 0 }
  const columnOf = (s: number) => (slots ? slots[s] : s)

  let matched: number
  if (!sparse) {
    if (!k.assignmentPrepare(n, m, -1)) throw tooLarge(n, m)
    const work = new Float64Array(k.memory.buffer, k.assignmentCostsPtr(), n * m)
    if (!transpose && !slots) {
      work.set(costs)
    } else if (!transpose) {
      for (let i = 0; i < rows; i++) {
        const from = i * cols
        const to = i * slotCount
        for (let s = 0; s < slotCount; s++) work[to + s] = costs[from + columnOf(s)]
      }
    } else {
      for (let i = 0; i < rows; i++) {
        const from = i * cols
        for (let s = 0; s < slotCount; s++) work[s * rows + i] = costs[from + columnOf(s)]
      }
    }
    matched = k.assignmentSolveDense(n, m)
  } else {
    // CSR of the working matrix, built straight from the dense input without copying it into WASM memory.
    const perColumn = new Int32Array(cols)
    for (let i = 0; i < rows; i++) {
      const from = i * cols
      for (let c = 0; c < cols; c++) if (costs[from + c] !== Number.POSITIVE_INFINITY) perColumn[c]++
    }
    const firstSlot = new Int32Array(cols + 1)
    if (slots) {
      for (let s = 0; s < slotCount; s++) firstSlot[slots[s] + 1]++
      for (let c = 0; c < cols; c++) firstSlot[c + 1] += firstSlot[c]
    } else {
      for (let c = 0; c <= cols; c++) firstSlot[c] = c
    }
    // Every finite cost appears once per slot of its column.
    let nnz = 0
    for (let c = 0; c < cols; c++) nnz += perColumn[c] * (firstSlot[c + 1] - firstSlot[c])
    if (!k.assignmentPrepare(n, m, nnz)) throw tooLarge(n, m)
    const rowStart = new Int32Array(k.memory.buffer, k.assignmentRowStartPtr(), n + 1)
    const columns = new Int32Array(k.memory.buffer, k.assignmentColumnsPtr(), nnz)
    const values = new Float64Array(k.memory.buffer, k.assignmentCostsPtr(), nnz)
    if (!transpose) {
      let e = 0
      for (let i = 0; i < rows; i++) {
        rowStart[i] = e
        const from = i * cols
        for (let c = 0; c < cols; c++) {
          const cost = costs[from + c]
          if (cost === Number.POSITIVE_INFINITY) continue
          for (let s = firstSlot[c]; s < firstSlot[c + 1]; s++) {
            columns[e] = s
            values[e++] = cost
          }
        }
      }
      rowStart[rows] = e
    } else {
      // Working row s is original column columnOf(s); its entries are the original rows, in order.
      const cursor = new Int32Array(slotCount)
      let e = 0
      for (let s = 0; s < slotCount; s++) {
        rowStart[s] = e
        cursor[s] = e
        e += perColumn[columnOf(s)]
      }
      rowStart[slotCount] = e
      for (let i = 0; i < rows; i++) {
        const from = i * cols
        for (let c = 0; c < cols; c++) {
          const cost = costs[from + c]
          if (cost === Number.POSITIVE_INFINITY) continue
          for (let s = firstSlot[c]; s < firstSlot[c + 1]; s++) {
            const at = cursor[s]++
            columns[at] = i
            values[at] = cost
          }
        }
      }
    }
    matched = k.assignmentSolveSparse(n, m)
  }

  const solution = new Int32Array(k.memory.buffer, k.assignmentSolutionPtr(), n)
  for (let a = 0; a < n; a++) {
    const b = solution[a]
    if (b < 0) continue
    if (transpose) rowToCol[b] = columnOf(a)
    else rowToCol[a] = columnOf(b)
  }
  return { rowToCol, matched, needed: n }
}

function tooLarge(n: number, m: number): RangeError {
  return new RangeError(`assignment problem of ${n} x ${m} does not fit the solver's 1 GiB of WASM scratch memory`)
}
