// Per-agent, per-task-kind service statistics and the efficiency and imbalance passes over all agents at once.
// One scoring arena per WASM instance: capacity agent slots x kinds task kinds, lifetime figures (not windowed).

let cap: i32 = 0
let kinds: i32 = 0
// Per (kind, slot), f64 each, kind-major (cell kind * cap + slot): completed count, sum of service ms, sum of
// squared service ms, failed count. A fleet has few kinds in use out of `kinds`: kind-major keeps a pass over every
// slot of one kind in consecutive memory, where slot-major read a cache line per slot for a single cell.
let countPtr: usize = 0
let sumPtr: usize = 0
let sumSqPtr: usize = 0
let failedPtr: usize = 0
// Per slot: load (written by the host side each tick), live flag (1/0), and the outputs.
let loadPtr: usize = 0
let livePtr: usize = 0
let speedPtr: usize = 0
let consistencyPtr: usize = 0
let successPtr: usize = 0
let efficiencyPtr: usize = 0
// Per kind: the fleet's mean service ms over live agents (output of scoreAgents).
let fleetMeanPtr: usize = 0
// Staging for a batch of completions written by the host side: slot (u32), kind (u32), service ms (f64) each.
const BATCH_CAPACITY: i32 = 4096
let batchSlotsPtr: usize = 0
let batchKindsPtr: usize = 0
let batchValuesPtr: usize = 0

function alloc64(n: i32): usize {
  const bytes = <usize>n << 3
  const ptr = heap.alloc(bytes)
  memory.fill(ptr, 0, bytes)
  return ptr
}

/** Allocates the arena once; returns the total bytes it holds. */
export function scoringInit(capacity: i32, kindCapacity: i32): i32 {
  cap = capacity
  kinds = kindCapacity
  const cells = capacity * kindCapacity
  countPtr = alloc64(cells)
  sumPtr = alloc64(cells)
  sumSqPtr = alloc64(cells)
  failedPtr = alloc64(cells)
  loadPtr = alloc64(capacity)
  livePtr = alloc64(capacity)
  speedPtr = alloc64(capacity)
  consistencyPtr = alloc64(capacity)
  successPtr = alloc64(capacity)
  efficiencyPtr = alloc64(capacity)
  fleetMeanPtr = alloc64(kindCapacity)
  // Two u32 arrays in the space of one f64 array.
  batchSlotsPtr = alloc64(BATCH_CAPACITY)
  batchKindsPtr = batchSlotsPtr + ((<usize>BATCH_CAPACITY) << 2)
  batchValuesPtr = alloc64(BATCH_CAPACITY)
  return (cells * 4 + capacity * 6 + kindCapacity + BATCH_CAPACITY * 2) * 8
}

export function scoringBatchCapacity(): i32 {
  return BATCH_CAPACITY
}
export function scoringBatchSlotsPtr(): usize {
  return batchSlotsPtr
}
export function scoringBatchKindsPtr(): usize {
  return batchKindsPtr
}
export function scoringBatchValuesPtr(): usize {
  return batchValuesPtr
}

export function scoringCountPtr(): usize {
  return countPtr
}
export function scoringSumPtr(): usize {
  return sumPtr
}
export function scoringFailedPtr(): usize {
  return failedPtr
}
export function scoringLoadPtr(): usize {
  return loadPtr
}
export function scoringLivePtr(): usize {
  return livePtr
}
export function scoringSpeedPtr(): usize {
  return speedPtr
}
export function scoringConsistencyPtr(): usize {
  return consistencyPtr
}
export function scoringSuccessPtr(): usize {
  return successPtr
}
export function scoringEfficiencyPtr(): usize {
  return efficiencyPtr
}
export function scoringFleetMeanPtr(): usize {
  return fleetMeanPtr
}

export function scoringRecordCompletion(slot: i32, kind: i32, serviceMs: f64): void {
  const off = (<usize>(kind * cap + slot)) << 3
  store<f64>(countPtr + off, load<f64>(countPtr + off) + 1.0)
  store<f64>(sumPtr + off, load<f64>(sumPtr + off) + serviceMs)
  store<f64>(sumSqPtr + off, load<f64>(sumSqPtr + off) + serviceMs * serviceMs)
}

/** The first `n` completions of the staging batch, in order, as scoringRecordCompletion would record them one by one. */
export function scoringRecordBatch(n: i32): void {
  for (let i: i32 = 0; i < n; i++) {
    const at = (<usize>i) << 2
    scoringRecordCompletion(
      load<u32>(batchSlotsPtr + at),
      load<u32>(batchKindsPtr + at),
      load<f64>(batchValuesPtr + ((<usize>i) << 3)),
    )
  }
}

export function scoringRecordFailure(slot: i32, kind: i32): void {
  const off = (<usize>(kind * cap + slot)) << 3
  store<f64>(failedPtr + off, load<f64>(failedPtr + off) + 1.0)
}

/** Forget a slot's figures so it can be reused by another agent. */
export function scoringResetSlot(slot: i32): void {
  for (let k = 0; k < kinds; k++) {
    const off = (<usize>(k * cap + slot)) << 3
    store<f64>(countPtr + off, 0)
    store<f64>(sumPtr + off, 0)
    store<f64>(sumSqPtr + off, 0)
    store<f64>(failedPtr + off, 0)
  }
  const s = (<usize>slot) << 3
  store<f64>(loadPtr + s, 0)
  store<f64>(livePtr + s, 0)
}

/**
 * Efficiency of every live slot among the first `slots` (over the first `kindsInUse` kinds), as documented in README ("Efficiency"):
 *   speed       = min(1, r), r = sum_k n_k * (M_k / m_k) / sum_k n_k   (M_k fleet mean for kind k, m_k the agent's)
 *   consistency = 1 / (1 + cv), cv = sum_k n_k * (sd_k / m_k) / sum_k n_k
 *   success     = completed / (completed + failed)
 * each shrunk toward 1 with prior weight `prior` samples: (n * x + prior) / (n + prior), so an agent with few
 * samples is neither praised nor condemned; efficiency = wSpeed*speed + wConsistency*consistency + wSuccess*success
 * (weights sum to 1). Returns the mean efficiency over live slots (NaN when none).
 */
export function scoreAgents(slots: i32, kindsInUse: i32, prior: f64, wSpeed: f64, wConsistency: f64, wSuccess: f64): f64 {
  const used = min(kindsInUse, kinds)
  // Fleet mean per kind over live slots.
  for (let k = 0; k < used; k++) {
    let n: f64 = 0
    let sum: f64 = 0
    for (let a = 0; a < slots; a++) {
      if (load<f64>(livePtr + ((<usize>a) << 3)) == 0) continue
      const off = (<usize>(k * cap + a)) << 3
      n += load<f64>(countPtr + off)
      sum += load<f64>(sumPtr + off)
    }
    store<f64>(fleetMeanPtr + ((<usize>k) << 3), n > 0 ? sum / n : NaN)
  }
  let effSum: f64 = 0
  let live: i32 = 0
  for (let a = 0; a < slots; a++) {
    const s = (<usize>a) << 3
    if (load<f64>(livePtr + s) == 0) continue
    let n: f64 = 0
    let failed: f64 = 0
    let ratioSum: f64 = 0
    let cvSum: f64 = 0
    for (let k = 0; k < used; k++) {
      const off = (<usize>(k * cap + a)) << 3
      const nk = load<f64>(countPtr + off)
      failed += load<f64>(failedPtr + off)
      if (nk == 0) continue
      const mean = load<f64>(sumPtr + off) / nk
      const variance = max<f64>(0, load<f64>(sumSqPtr + off) / nk - mean * mean)
      const fleet = load<f64>(fleetMeanPtr + ((<usize>k) << 3))
      n += nk
      if (mean > 0) {
        ratioSum += nk * (fleet / mean)
        cvSum += nk * (Math.sqrt(variance) / mean)
      } else {
        ratioSum += nk
      }
    }
    const speedRaw = n > 0 ? min<f64>(1, ratioSum / n) : 1
    const consistencyRaw = n > 0 ? 1 / (1 + cvSum / n) : 1
    const finished = n + failed
    const successRaw = finished > 0 ? n / finished : 1
    const speed = (n * speedRaw + prior) / (n + prior)
    const consistency = (n * consistencyRaw + prior) / (n + prior)
    const success = (finished * successRaw + prior) / (finished + prior)
    const eff = wSpeed * speed + wConsistency * consistency + wSuccess * success
    store<f64>(speedPtr + s, speed)
    store<f64>(consistencyPtr + s, consistency)
    store<f64>(successPtr + s, success)
    store<f64>(efficiencyPtr + s, eff)
    effSum += eff
    live++
  }
  return live > 0 ? effSum / <f64>live : NaN
}

/** Coefficient of variation (population) of load over live slots; 0 when the mean load is 0 or no slot is live. */
export function loadImbalance(slots: i32): f64 {
  let n: f64 = 0
  let sum: f64 = 0
  for (let a = 0; a < slots; a++) {
    const s = (<usize>a) << 3
    if (load<f64>(livePtr + s) == 0) continue
    n += 1
    sum += load<f64>(loadPtr + s)
  }
  if (n == 0) return 0
  const mean = sum / n
  if (mean <= 0) return 0
  let sq: f64 = 0
  for (let a = 0; a < slots; a++) {
    const s = (<usize>a) << 3
    if (load<f64>(livePtr + s) == 0) continue
    const d = load<f64>(loadPtr + s) - mean
    sq += d * d
  }
  return Math.sqrt(sq / n) / mean
}
