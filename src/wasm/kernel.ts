/**
 * The one file that touches the AssemblyScript loader and WASM memory. Everything else calls the typed functions
 * exported here. Each consumer (a percentile engine, a solve, a scoring pass) gets its own instance of the
 * compiled module, so its memory is its own and is released with it.
 */
import { readFileSync } from 'node:fs'
import { instantiateSync } from '@assemblyscript/loader'

/** The ABI version this file was written against (assembly/index.ts ABI_VERSION). */
const expectedAbiVersion = 3

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
type KernelExports = CoreExports & ScoringExports & HistogramExports & AssignmentExports

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

// --- scoring: per-agent per-kind service statistics, efficiency and load imbalance (assembly/scoring.ts) --------

interface ScoringExports {
  scoringInit(capacity: number, kinds: number): number
  scoringCountPtr(): number
  scoringSumPtr(): number
  scoringFailedPtr(): number
  scoringLoadPtr(): number
  scoringLivePtr(): number
  scoringSpeedPtr(): number
  scoringConsistencyPtr(): number
  scoringSuccessPtr(): number
  scoringEfficiencyPtr(): number
  scoringFleetMeanPtr(): number
  scoringRecordCompletion(slot: number, kind: number, serviceMs: number): void
  scoringBatchCapacity(): number
  scoringBatchSlotsPtr(): number
  scoringBatchKindsPtr(): number
  scoringBatchValuesPtr(): number
  scoringRecordBatch(count: number): void
  scoringRecordFailure(slot: number, kind: number): void
  scoringResetSlot(slot: number): void
  scoreAgents(
    slots: number,
    kindsInUse: number,
    prior: number,
    wSpeed: number,
    wConsistency: number,
    wSuccess: number,
  ): number
  loadImbalance(slots: number): number
}

export interface EfficiencyWeights {
  speed: number
  consistency: number
  success: number
}

/** Lifetime service statistics per (agent slot, task kind) and the scoring passes over them. */
export interface ScoringKernel {
  readonly capacity: number
  readonly kinds: number
  recordCompletion(slot: number, kind: number, serviceMs: number): void
  /**
   * The first `count` completions of the arrays, in order, as `recordCompletion` one by one would record them,
   * crossing into WASM once per staging batch instead of once per completion.
   */
  recordCompletions(slots: Uint32Array, kinds: Uint32Array, valuesMs: Float64Array, count: number): void
  recordFailure(slot: number, kind: number): void
  /** Forget a slot so another agent can use it. */
  resetSlot(slot: number): void
  setLive(slot: number, live: boolean): void
  setLoad(slot: number, load: number): void
  /** Scores every live slot below `slots` over the first `kindsInUse` kinds; returns the mean efficiency (NaN when none). */
  score(slots: number, kindsInUse: number, prior: number, weights: EfficiencyWeights): number
  /** Coefficient of variation of load over live slots below `slots`. */
  imbalance(slots: number): number
  /** Results of the last `score`. */
  efficiency(slot: number): number
  speed(slot: number): number
  consistency(slot: number): number
  success(slot: number): number
  kindCompleted(slot: number, kind: number): number
  kindFailed(slot: number, kind: number): number
  /** The agent's mean service ms for the kind, NaN without a sample. */
  kindMeanMs(slot: number, kind: number): number
  /** The fleet's mean service ms for the kind over live agents, as of the last `score`. */
  fleetKindMeanMs(kind: number): number
  memoryBytes(): number
  dispose(): void
}

export function createScoringKernel(capacity: number, kinds: number): ScoringKernel {
  let kernel: KernelExports | undefined = instantiate()
  const arenaBytes = kernel.scoringInit(capacity, kinds)
  const pointers = {
    count: kernel.scoringCountPtr(),
    sum: kernel.scoringSumPtr(),
    failed: kernel.scoringFailedPtr(),
    load: kernel.scoringLoadPtr(),
    live: kernel.scoringLivePtr(),
    speed: kernel.scoringSpeedPtr(),
    consistency: kernel.scoringConsistencyPtr(),
    success: kernel.scoringSuccessPtr(),
    efficiency: kernel.scoringEfficiencyPtr(),
    fleetMean: kernel.scoringFleetMeanPtr(),
  }
  // The arena never moves and memory never grows after init, so the views stay valid until dispose. Each view
  // holds the instance's memory: dispose swaps them for empty ones, so a session the host still holds after
  // dispose() does not keep its WASM memory alive.
  let memory = kernel.memory.buffer
  const view = (ptr: number, n: number) => new Float64Array(memory, ptr, n)
  const cells = capacity * kinds
  let count = view(pointers.count, cells)
  let sum = view(pointers.sum, cells)
  let failed = view(pointers.failed, cells)
  let load = view(pointers.load, capacity)
  let live = view(pointers.live, capacity)
  let speed = view(pointers.speed, capacity)
  let consistency = view(pointers.consistency, capacity)
  let success = view(pointers.success, capacity)
  let efficiency = view(pointers.efficiency, capacity)
  let fleetMean = view(pointers.fleetMean, kinds)
  const batchCapacity = kernel.scoringBatchCapacity()
  let batchSlots = new Uint32Array(memory, kernel.scoringBatchSlotsPtr(), batchCapacity)
  let batchKinds = new Uint32Array(memory, kernel.scoringBatchKindsPtr(), batchCapacity)
  let batchValues = new Float64Array(memory, kernel.scoringBatchValuesPtr(), batchCapacity)
  const k = () => {
    if (!kernel) throw new Error('swarm-perf: scoring kernel used after dispose()')
    return kernel
  }
  return {
    capacity,
    kinds,
    recordCompletion: (slot, kind, serviceMs) => k().scoringRecordCompletion(slot, kind, serviceMs),
    recordCompletions: (slots, kindIndexes, valuesMs, count) => {
      const kernelNow = k()
      for (let from = 0; from < count; from += batchCapacity) {
        const n = Math.min(batchCapacity, count - from)
        batchSlots.set(slots.subarray(from, from + n))
        batchKinds.set(kindIndexes.subarray(from, from + n))
        batchValues.set(valuesMs.subarray(from, from + n))
        kernelNow.scoringRecordBatch(n)
      }
    },
    recordFailure: (slot, kind) => k().scoringRecordFailure(slot, kind),
    resetSlot: (slot) => k().scoringResetSlot(slot),
    setLive: (slot, isLive) => {
      live[slot] = isLive ? 1 : 0
    },
    setLoad: (slot, value) => {
      load[slot] = value
    },
    score: (slots, kindsInUse, prior, w) => {
      const total = w.speed + w.consistency + w.success
      return k().scoreAgents(slots, kindsInUse, prior, w.speed / total, w.consistency / total, w.success / total)
    },
    imbalance: (slots) => k().loadImbalance(slots),
    efficiency: (slot) => efficiency[slot],
    speed: (slot) => speed[slot],
    consistency: (slot) => consistency[slot],
    success: (slot) => success[slot],
    kindCompleted: (slot, kind) => count[kind * capacity + slot],
    kindFailed: (slot, kind) => failed[kind * capacity + slot],
    kindMeanMs: (slot, kind) => {
      const n = count[kind * capacity + slot]
      return n > 0 ? sum[kind * capacity + slot] / n : Number.NaN
    },
    fleetKindMeanMs: (kind) => fleetMean[kind],
    memoryBytes: () => arenaBytes,
    dispose: () => {
      kernel = undefined
      memory = new ArrayBuffer(0)
      const none = new Float64Array(0)
      count = sum = failed = load = live = speed = consistency = success = efficiency = fleetMean = batchValues = none
      batchSlots = batchKinds = new Uint32Array(0)
    },
  }
}

// --- histograms: rolling log-linear latency histograms per agent slot (assembly/histograms.ts) -------------------

interface HistogramExports {
  histInit(mantissaBits: number, minValueMs: number, maxValueMs: number, slots: number, capacity: number): number
  histBatchCapacity(): number
  histQCapacity(): number
  histBatchAgents(): number
  histBatchValues(): number
  histQBuffer(): number
  histOutBuffer(): number
  histRecord(agent: number, valueMs: number): void
  histRecordBatch(n: number): number
  histAdvance(slotEpoch: number): void
  histEpoch(): number
  histRelease(agent: number): void
  histCount(agent: number): number
  histRejected(): number
  histClamped(): number
  histQuantiles(agent: number, k: number): void
  histFleetQuantiles(k: number): void
}

export interface HistogramKernelConfig {
  /** Mantissa bits per bin: worst-case relative error 2^-(mantissaBits + 1). */
  mantissaBits: number
  minValueMs: number
  maxValueMs: number
  slots: number
  capacity: number
}

/** One instance of the module holding rolling histograms for `capacity` agent slots. Slots are checked by the caller. */
export interface HistogramKernel {
  readonly bins: number
  record(agent: number, valueMs: number): void
  /** Records entries [0, count); returns -1, or the index of the first entry whose agent is >= capacity (entries before it are recorded). */
  recordBatch(agents: Uint32Array, valuesMs: Float64Array, count: number): number
  /** Event time is now in slot number `slotEpoch` (ignored if not later than the current one). */
  advance(slotEpoch: number): void
  epoch(): number
  /** Nearest-rank quantiles of one agent's window into `out` (NaN without samples). */
  quantiles(agent: number, qs: ArrayLike<number>, out: Float64Array): void
  quantile(agent: number, q: number): number
  fleetQuantiles(qs: ArrayLike<number>, out: Float64Array): void
  fleetQuantile(q: number): number
  count(agent: number): number
  release(agent: number): void
  rejected(): number
  clamped(): number
  memoryBytes(): number
  dispose(): void
}

type Raw<F> = F & { original?: F }
/** The loader wraps every export in a rest-args closure; hot paths call the raw WASM function instead. */
const raw = <F>(fn: F): F => (fn as Raw<F>).original ?? fn

export function createHistogramKernel(config: HistogramKernelConfig): HistogramKernel {
  let kernel: KernelExports | undefined = instantiate()
  let memory: WebAssembly.Memory = kernel.memory
  const bins = kernel.histInit(config.mantissaBits, config.minValueMs, config.maxValueMs, config.slots, config.capacity)
  const batchCapacity = kernel.histBatchCapacity()
  const qCapacity = kernel.histQCapacity()
  const pointers = {
    agents: kernel.histBatchAgents(),
    values: kernel.histBatchValues(),
    qs: kernel.histQBuffer(),
    out: kernel.histOutBuffer(),
  }
  // The raw exports and the views below hold the instance and its memory: dispose drops them (see the scoring kernel).
  let record = raw(kernel.histRecord)
  let recordBatch = raw(kernel.histRecordBatch)
  let quantiles = raw(kernel.histQuantiles)
  let fleetQuantiles = raw(kernel.histFleetQuantiles)
  let count = raw(kernel.histCount)
  let advance = raw(kernel.histAdvance)
  // Views over the staging buffers; memory.grow detaches the old ArrayBuffer, so re-make them when it changed.
  let buffer = memory.buffer
  let agentsView = new Uint32Array(buffer, pointers.agents, batchCapacity)
  let valuesView = new Float64Array(buffer, pointers.values, batchCapacity)
  let qView = new Float64Array(buffer, pointers.qs, qCapacity)
  let outView = new Float64Array(buffer, pointers.out, qCapacity)
  const views = () => {
    if (memory.buffer === buffer) return
    buffer = memory.buffer
    agentsView = new Uint32Array(buffer, pointers.agents, batchCapacity)
    valuesView = new Float64Array(buffer, pointers.values, batchCapacity)
    qView = new Float64Array(buffer, pointers.qs, qCapacity)
    outView = new Float64Array(buffer, pointers.out, qCapacity)
  }
  const live = () => {
    if (!kernel) throw new Error('swarm-perf: percentile engine used after dispose()')
    return kernel
  }
  const many = (qs: ArrayLike<number>, out: Float64Array, run: (k: number) => void) => {
    live()
    for (let offset = 0; offset < qs.length; offset += qCapacity) {
      const k = Math.min(qCapacity, qs.length - offset)
      views()
      for (let i = 0; i < k; i++) qView[i] = qs[offset + i]
      run(k)
      views()
      for (let i = 0; i < k; i++) out[offset + i] = outView[i]
    }
  }
  return {
    bins,
    record: (agent, valueMs) => {
      if (!kernel) live()
      record(agent, valueMs)
    },
    recordBatch: (agents, valuesMs, n) => {
      live()
      for (let offset = 0; offset < n; offset += batchCapacity) {
        const k = Math.min(batchCapacity, n - offset)
        views()
        agentsView.set(agents.subarray(offset, offset + k))
        valuesView.set(valuesMs.subarray(offset, offset + k))
        const bad = recordBatch(k)
        if (bad >= 0) return offset + bad
      }
      return -1
    },
    advance: (slotEpoch) => {
      live()
      advance(slotEpoch)
    },
    epoch: () => live().histEpoch(),
    quantiles: (agent, qs, out) => many(qs, out, (k) => quantiles(agent, k)),
    quantile: (agent, q) => {
      live()
      views()
      qView[0] = q
      quantiles(agent, 1)
      views()
      return outView[0]
    },
    fleetQuantiles: (qs, out) => many(qs, out, (k) => fleetQuantiles(k)),
    fleetQuantile: (q) => {
      live()
      views()
      qView[0] = q
      fleetQuantiles(1)
      views()
      return outView[0]
    },
    count: (agent) => {
      live()
      return count(agent)
    },
    release: (agent) => live().histRelease(agent),
    rejected: () => live().histRejected(),
    clamped: () => live().histClamped(),
    memoryBytes: () => (kernel ? memory.buffer.byteLength : 0),
    dispose: () => {
      kernel = undefined
      const gone = () => {
        throw new Error('swarm-perf: percentile engine used after dispose()')
      }
      record = recordBatch = quantiles = fleetQuantiles = count = advance = gone
      memory = new WebAssembly.Memory({ initial: 0 })
      buffer = memory.buffer
      agentsView = new Uint32Array(0)
      valuesView = qView = outView = new Float64Array(0)
    },
  }
}

// --- assignment: Jonker-Volgenant shortest augmenting paths, dense and sparse (assembly/assignment.ts) ----------

interface AssignmentExports {
  assignmentPrepare(rows: number, cols: number, nnz: number): number
  assignmentCostsPtr(): number
  assignmentColumnsPtr(): number
  assignmentRowStartPtr(): number
  assignmentSolutionPtr(): number
  assignmentCheckDense(count: number): number
  assignmentStagingPtr(count: number): number
  assignmentTransposeStaging(rows: number, cols: number): void
  assignmentSolveDense(rows: number, cols: number): number
  assignmentSolveSparse(rows: number, cols: number): number
}

/** A validated problem as src/engine/solve-assignment.ts hands it over. */
export interface AssignmentKernelInput {
  /**
   * rows x cols, row-major; finite or +Infinity (forbidden). Without slots, and on the sparse path only when not
   * transposed, the kernel checks for NaN and -Infinity itself and reports `invalid`; otherwise costs must be checked.
   */
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
  /** A cost was NaN or -Infinity: nothing was solved. */
  invalid: boolean
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
  if (n === 0) return { rowToCol, matched: 0, needed: 0, invalid: false }
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
    } else if (!slots) {
      // Copy as is (a memcpy) and transpose inside WASM: several times cheaper than strided writes from JS.
      const staged = k.assignmentStagingPtr(rows * cols)
      if (!staged) throw tooLarge(n, m)
      new Float64Array(k.memory.buffer, staged, rows * cols).set(costs)
      k.assignmentTransposeStaging(rows, cols)
    } else {
      for (let i = 0; i < rows; i++) {
        const from = i * cols
        for (let s = 0; s < slotCount; s++) work[s * rows + i] = costs[from + columnOf(s)]
      }
    }
    if (k.assignmentCheckDense(n * m) >= 0) return { rowToCol, matched: 0, needed: n, invalid: true }
    matched = k.assignmentSolveDense(n, m)
  } else if (!transpose && !slots) {
    // The common sparse case in one pass over the dense input: collect each row's finite costs (refusing NaN and
    // -Infinity on the way), then copy the small CSR arrays into WASM memory.
    let capacity = 1 << 16
    let gathered = new Int32Array(capacity)
    let gatheredCosts = new Float64Array(capacity)
    const starts = new Int32Array(rows + 1)
    let e = 0
    for (let i = 0; i < rows; i++) {
      starts[i] = e
      const from = i * cols
      for (let c = 0; c < cols; c++) {
        const cost = costs[from + c]
        if (cost < Number.POSITIVE_INFINITY) {
          if (!(cost > Number.NEGATIVE_INFINITY)) return { rowToCol, matched: 0, needed: n, invalid: true }
          if (e === capacity) {
            capacity *= 2
            const grownColumns = new Int32Array(capacity)
            grownColumns.set(gathered)
            gathered = grownColumns
            const grownCosts = new Float64Array(capacity)
            grownCosts.set(gatheredCosts)
            gatheredCosts = grownCosts
          }
          gathered[e] = c
          gatheredCosts[e++] = cost
        } else if (cost !== Number.POSITIVE_INFINITY) {
          return { rowToCol, matched: 0, needed: n, invalid: true }
        }
      }
    }
    starts[rows] = e
    if (!k.assignmentPrepare(n, m, e)) throw tooLarge(n, m)
    new Int32Array(k.memory.buffer, k.assignmentRowStartPtr(), n + 1).set(starts)
    new Int32Array(k.memory.buffer, k.assignmentColumnsPtr(), e).set(gathered.subarray(0, e))
    new Float64Array(k.memory.buffer, k.assignmentCostsPtr(), e).set(gatheredCosts.subarray(0, e))
    matched = k.assignmentSolveSparse(n, m)
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
  return { rowToCol, matched, needed: n, invalid: false }
}

function tooLarge(n: number, m: number): RangeError {
  return new RangeError(`assignment problem of ${n} x ${m} does not fit the solver's 1 GiB of WASM scratch memory`)
}
