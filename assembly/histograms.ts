// Rolling log-linear latency histograms, one per agent slot, for src/engine/percentile-engine.ts.
//
// Bin index = the IEEE-754 bits of the (clamped) value shifted right by 52 - m: exponent plus the top m mantissa
// bits, so a record costs no log(), and the midpoint of a bin is within 2^-(m+1) of every value in it.
//
// Memory. One engine = one WebAssembly instance, and this file owns every byte above the memory size it found at
// init (the managed heap is never used by the histogram exports, so nothing else grows memory in that instance).
// Per agent: a block of S slot histograms (the ring) + 1 running aggregate, each a header and a page table.
// Counts live in pages of 64 bins taken from a pool on first touch and returned when a slot expires or an agent is
// released, so an agent costs the bins it actually uses. Pages start narrow (u8 counters in a slot, u16 in the
// aggregate) and are promoted exactly to the next width (up to u64) when a counter would overflow. Freed pages and blocks go to free lists and are
// reused, so churn never grows memory; WASM memory itself never shrinks.
//
// Windows: a ring of S slots plus the aggregate of the S-1 closed slots. Record into the current slot only; when
// event time moves to the next slot, subtract the expiring slot from the aggregate, add the closing one, clear the
// expiring slot and make it current. Each agent catches up lazily the next time it is touched, so advancing time
// is O(1) and an idle agent costs nothing. Queries read aggregate + current slot.

const PAGE_SHIFT: u32 = 6
const PAGE_BINS: u32 = 1 << PAGE_SHIFT
const PAGE_MASK: u32 = PAGE_BINS - 1

// Page-table entry: page address | width code (pages are 8-byte aligned, so the low 3 bits are free). 0 = no page.
// A counter of width code c takes 1 << (c - 1) bytes.
const W8: u32 = 1
const W16: u32 = 2
const W32: u32 = 3
const W64: u32 = 4
const CODE_MASK: u32 = 7

// Histogram header: count u64 @0, min f64 @8, max f64 @16, (spare) @24, then the page table @32: per page a cell
// of [entry u32, total u32]. The total lets a query skip a page without reading it; SATURATED means "more than
// fits, sum the page" (only past 4.29e9 values in one page of one histogram), so totals stay exact.
const H_COUNT: usize = 0
const H_MIN: usize = 8
const H_MAX: usize = 16
const H_PAGES: usize = 32
const SATURATED: u32 = 0xffffffff
// Agent block header: epoch f64 @0, ring index i32 @8, then S + 1 histograms (aggregate last) @16.
const B_EPOCH: usize = 0
const B_RING: usize = 8
const B_HISTS: usize = 16

/** Batch staging capacity: JS copies (agent, value) pairs here with TypedArray.set and calls histRecordBatch. */
const BATCH_CAPACITY: i32 = 8192
/** Most quantiles answered by one histQuantiles call. */
const Q_CAPACITY: i32 = 256

let shift: u64 = 45
let binBase: u64 = 0
let nBins: u32 = 0
let nPages: u32 = 0
let slots: i32 = 6
let capacity: u32 = 0
let minValue: f64 = 0.001
let maxValue: f64 = 3600000
let histBytes: usize = 0
let blockBytes: usize = 0
let epoch: f64 = 0

let top: usize = 0
let directory: usize = 0
let currentTable: usize = 0
let batchAgents: usize = 0
let batchValues: usize = 0
let qBuffer: usize = 0
let outBuffer: usize = 0
let rankBuffer: usize = 0
let orderBuffer: usize = 0
let fleetBins: usize = 0

// Free lists, one per page width (linked through the first word of each free page).
let free8: usize = 0
let free16: usize = 0
let free32: usize = 0
let free64: usize = 0
let freeBlocks: usize = 0

let rejectedCount: f64 = 0
let clampedCount: f64 = 0

// ---------------------------------------------------------------------------------------------------------------
// Memory: a bump pointer over memory this file owns, plus free lists.

function bump(bytes: usize): usize {
  const p = top
  top += (bytes + 7) & ~(<usize>7)
  const need = <i32>((top + 0xffff) >>> 16)
  const have = memory.size()
  if (need > have && memory.grow(need - have) < 0) unreachable()
  return p
}

@inline function pageBytes(code: u32): usize {
  return <usize>PAGE_BINS << (code - 1)
}

@inline function freeHead(code: u32): usize {
  return code == W8 ? free8 : code == W16 ? free16 : code == W32 ? free32 : free64
}

@inline function setFreeHead(code: u32, p: usize): void {
  if (code == W8) free8 = p
  else if (code == W16) free16 = p
  else if (code == W32) free32 = p
  else free64 = p
}

function newPage(code: u32): u32 {
  let p = freeHead(code)
  if (p != 0) {
    setFreeHead(code, load<usize>(p))
    memory.fill(p, 0, pageBytes(code))
  } else {
    p = bump(pageBytes(code))
  }
  return <u32>p | code
}

function freePage(entry: u32): void {
  const code = entry & CODE_MASK
  const p = <usize>(entry & ~CODE_MASK)
  store<usize>(p, freeHead(code))
  setFreeHead(code, p)
}

// ---------------------------------------------------------------------------------------------------------------
// Bins of one page, at any width.

@inline function pageOf(entry: u32): usize {
  return <usize>(entry & ~CODE_MASK)
}

@inline function getBin(entry: u32, bin: u32): u64 {
  const code = entry & CODE_MASK
  const p = pageOf(entry)
  if (code == W8) return <u64>load<u8>(p + <usize>bin)
  if (code == W16) return <u64>load<u16>(p + (<usize>bin << 1))
  if (code == W32) return <u64>load<u32>(p + (<usize>bin << 2))
  return load<u64>(p + (<usize>bin << 3))
}

/** Store a count known to fit the page's width. */
@inline function setBin(entry: u32, bin: u32, c: u64): void {
  const code = entry & CODE_MASK
  const p = pageOf(entry)
  if (code == W8) store<u8>(p + <usize>bin, <u8>c)
  else if (code == W16) store<u16>(p + (<usize>bin << 1), <u16>c)
  else if (code == W32) store<u32>(p + (<usize>bin << 2), <u32>c)
  else store<u64>(p + (<usize>bin << 3), c)
}

@inline function widthLimit(code: u32): u64 {
  return code == W64 ? <u64>-1 : (<u64>1 << (<u64>8 << <u64>(code - 1))) - 1
}

/** Re-home a page at the next width, counts copied exactly. `cell` is its page-table cell. */
function promote(cell: usize, entry: u32): u32 {
  const wider = newPage((entry & CODE_MASK) + 1)
  for (let i: u32 = 0; i < PAGE_BINS; i++) setBin(wider, i, getBin(entry, i))
  freePage(entry)
  store<u32>(cell, wider)
  return wider
}

/** Add to one bin, promoting the page while the counter would overflow. */
function addBin(cell: usize, bin: u32, delta: u64): void {
  let entry = load<u32>(cell)
  for (;;) {
    const c = getBin(entry, bin) + delta
    const code = entry & CODE_MASK
    if (code == W64 || c <= widthLimit(code)) {
      setBin(entry, bin, c)
      return
    }
    entry = promote(cell, entry)
  }
}

/** a[b] += s[b] over a page pair of fixed widths; returns the first bin that would overflow A, or -1. */
function addPageAs<A, S>(ap: usize, sp: usize): i32 {
  const limit: u64 = sizeof<A>() == 8 ? <u64>-1 : (<u64>1 << (<u64>sizeof<A>() << 3)) - 1
  for (let b: u32 = 0; b < PAGE_BINS; b++) {
    const s = <u64>load<S>(sp + <usize>b * sizeof<S>())
    if (s == 0) continue
    const a = <u64>load<A>(ap + <usize>b * sizeof<A>()) + s
    if (a > limit) return <i32>b
    store<A>(ap + <usize>b * sizeof<A>(), <A>a)
  }
  return -1
}

/** a[b] -= s[b] over a page pair of fixed widths; returns whether any bin of A is left nonzero. */
function subPageAs<A, S>(ap: usize, sp: usize): bool {
  let left: u64 = 0
  for (let b: u32 = 0; b < PAGE_BINS; b++) {
    const a = <u64>load<A>(ap + <usize>b * sizeof<A>()) - <u64>load<S>(sp + <usize>b * sizeof<S>())
    store<A>(ap + <usize>b * sizeof<A>(), <A>a)
    left |= a
  }
  return left != 0
}

@inline function hist(block: usize, i: i32): usize {
  return block + B_HISTS + <usize>i * histBytes
}

function clearHist(h: usize): void {
  const table = h + H_PAGES
  for (let i: u32 = 0; i < nPages; i++) {
    const e = load<u32>(table + (<usize>i << 3))
    if (e != 0) {
      freePage(e)
      store<u64>(table + (<usize>i << 3), 0)
    }
  }
  store<u64>(h + H_COUNT, 0)
  store<f64>(h + H_MIN, Infinity)
  store<f64>(h + H_MAX, -Infinity)
}

/** aggregate += slot, page by page (only pages the slot touched). */
function addHist(agg: usize, h: usize): void {
  const count = load<u64>(h + H_COUNT)
  if (count == 0) return
  for (let i: u32 = 0; i < nPages; i++) {
    const scell = h + H_PAGES + (<usize>i << 3)
    const se = load<u32>(scell)
    if (se == 0) continue
    const cell = agg + H_PAGES + (<usize>i << 3)
    let ae = load<u32>(cell)
    if (ae == 0) {
      ae = newPage(max(se & CODE_MASK, W16))
      store<u32>(cell, ae)
    }
    const pair = ((ae & CODE_MASK) << 4) | (se & CODE_MASK)
    // The common pairs run a fixed-width loop; an overflow (or any other pair) finishes through addBin.
    let from: i32 = 0
    if (pair == ((W16 << 4) | W8)) from = addPageAs<u16, u8>(pageOf(ae), pageOf(se))
    else if (pair == ((W32 << 4) | W8)) from = addPageAs<u32, u8>(pageOf(ae), pageOf(se))
    else if (pair == ((W32 << 4) | W16)) from = addPageAs<u32, u16>(pageOf(ae), pageOf(se))
    if (from >= 0) {
      for (let b = <u32>from; b < PAGE_BINS; b++) {
        const c = getBin(se, b)
        if (c != 0) addBin(cell, b, c)
      }
    }
    const sum = <u64>load<u32>(cell + 4) + <u64>load<u32>(scell + 4)
    store<u32>(cell + 4, sum >= <u64>SATURATED ? SATURATED : <u32>sum)
  }
  store<u64>(agg + H_COUNT, load<u64>(agg + H_COUNT) + count)
}

/** aggregate -= slot; aggregate pages that become empty go back to the pool. */
function subHist(agg: usize, h: usize): void {
  const count = load<u64>(h + H_COUNT)
  if (count == 0) return
  for (let i: u32 = 0; i < nPages; i++) {
    const scell = h + H_PAGES + (<usize>i << 3)
    const se = load<u32>(scell)
    if (se == 0) continue
    const cell = agg + H_PAGES + (<usize>i << 3)
    const ae = load<u32>(cell)
    const pair = ((ae & CODE_MASK) << 4) | (se & CODE_MASK)
    let left = false
    if (pair == ((W16 << 4) | W8)) left = subPageAs<u16, u8>(pageOf(ae), pageOf(se))
    else if (pair == ((W32 << 4) | W8)) left = subPageAs<u32, u8>(pageOf(ae), pageOf(se))
    else if (pair == ((W32 << 4) | W16)) left = subPageAs<u32, u16>(pageOf(ae), pageOf(se))
    else {
      for (let b: u32 = 0; b < PAGE_BINS; b++) {
        const a = getBin(ae, b) - getBin(se, b)
        setBin(ae, b, a)
        if (a != 0) left = true
      }
    }
    if (!left) {
      freePage(ae)
      store<u64>(cell, 0)
    } else {
      // A saturated aggregate total is recounted; otherwise it is exact arithmetic.
      const t = load<u32>(cell + 4)
      if (t == SATURATED) store<u32>(cell + 4, <u32>min(pageTotal(load<u32>(cell)), <u64>SATURATED))
      else store<u32>(cell + 4, t - load<u32>(scell + 4))
    }
  }
  store<u64>(agg + H_COUNT, load<u64>(agg + H_COUNT) - count)
}

/** Move an agent's ring forward to the global epoch. */
function catchUp(block: usize): void {
  const agg = hist(block, slots)
  let ring = load<i32>(block + B_RING)
  const gap = epoch - load<f64>(block + B_EPOCH)
  if (gap >= <f64>slots) {
    for (let i = 0; i <= slots; i++) clearHist(hist(block, i))
  } else {
    for (let step = 0; step < <i32>gap; step++) {
      const next = ring + 1 == slots ? 0 : ring + 1
      const expiring = hist(block, next)
      if (slots > 1) {
        subHist(agg, expiring)
        addHist(agg, hist(block, ring))
      }
      clearHist(expiring)
      ring = next
    }
    let lo = Infinity
    let hi = -Infinity
    for (let i = 0; i < slots; i++) {
      if (i == ring) continue
      lo = min(lo, load<f64>(hist(block, i) + H_MIN))
      hi = max(hi, load<f64>(hist(block, i) + H_MAX))
    }
    store<f64>(agg + H_MIN, lo)
    store<f64>(agg + H_MAX, hi)
  }
  store<i32>(block + B_RING, ring)
  store<f64>(block + B_EPOCH, epoch)
}

function newBlock(agent: u32): usize {
  let block = freeBlocks
  if (block != 0) freeBlocks = load<usize>(block)
  else block = bump(blockBytes)
  memory.fill(block, 0, blockBytes)
  for (let i = 0; i <= slots; i++) {
    store<f64>(hist(block, i) + H_MIN, Infinity)
    store<f64>(hist(block, i) + H_MAX, -Infinity)
  }
  store<f64>(block + B_EPOCH, epoch)
  store<usize>(directory + (<usize>agent << 2), block)
  return block
}

/** The agent's block, caught up to the current epoch; 0 if the agent has never recorded. */
@inline function liveBlock(agent: u32): usize {
  const block = load<usize>(directory + (<usize>agent << 2))
  if (block != 0 && load<f64>(block + B_EPOCH) != epoch) catchUp(block)
  return block
}

// ---------------------------------------------------------------------------------------------------------------
// Recording.

/** The agent's current-slot histogram, creating the agent or catching it up as needed (the slow path). */
function currentSlow(agent: u32): usize {
  let block = load<usize>(directory + (<usize>agent << 2))
  if (block == 0) block = newBlock(agent)
  else if (load<f64>(block + B_EPOCH) != epoch) catchUp(block)
  const h = hist(block, load<i32>(block + B_RING))
  store<usize>(currentTable + (<usize>agent << 2), h)
  return h
}

/** The agent's current-slot histogram: one load on the hot path (the table is wiped whenever the epoch moves). */
@inline function current(agent: u32): usize {
  const h = load<usize>(currentTable + (<usize>agent << 2))
  return h != 0 ? h : currentSlow(agent)
}

/** Checks and clamps a value: returns -1 when it is refused (NaN, negative, infinite), else the clamped value. */
@inline function admit(v: f64): f64 {
  // In range is the one well-predicted branch; everything else (refused or clamped) is off the hot path.
  if (v >= minValue && v <= maxValue) return v
  return admitSlow(v)
}

function admitSlow(v: f64): f64 {
  // NaN, negative and infinite values are refused and counted; they never reach a bin.
  if (!(v >= 0 && v < Infinity)) {
    rejectedCount += 1
    return -1
  }
  clampedCount += 1
  return min(max(v, minValue), maxValue)
}

/** Count one (admitted) value into histogram h's bins; the caller updates count, min and max. */
@inline function countBin(h: usize, v: f64): void {
  const index = <u32>((reinterpret<u64>(v) >> shift) - binBase)
  const cell = h + H_PAGES + (<usize>(index >> PAGE_SHIFT) << 3)
  const total = load<u32>(cell + 4)
  if (total != SATURATED) store<u32>(cell + 4, total + 1)
  let entry = load<u32>(cell)
  if (entry == 0) {
    entry = newPage(W8)
    store<u32>(cell, entry)
  }
  const bin = index & PAGE_MASK
  // One fast increment per width; only a counter at its limit takes the promoting path.
  const code = entry & CODE_MASK
  const p = pageOf(entry)
  if (code == W8) {
    const a = p + <usize>bin
    const c = load<u8>(a)
    if (c != 0xff) {
      store<u8>(a, c + 1)
      return
    }
  } else if (code == W16) {
    const a = p + (<usize>bin << 1)
    const c = load<u16>(a)
    if (c != 0xffff) {
      store<u16>(a, c + 1)
      return
    }
  } else if (code == W32) {
    const a = p + (<usize>bin << 2)
    const c = load<u32>(a)
    if (c != 0xffffffff) {
      store<u32>(a, c + 1)
      return
    }
  } else {
    const a = p + (<usize>bin << 3)
    store<u64>(a, load<u64>(a) + 1)
    return
  }
  addBin(cell, bin, 1)
}

/**
 * Set up this instance. m = mantissa bits per bin (relative error 2^-(m+1)); values are clamped to
 * [minValueMs, maxValueMs]. Returns the number of bins.
 */
export function histInit(m: i32, minValueMs: f64, maxValueMs: f64, slotCount: i32, agentCapacity: i32): i32 {
  shift = <u64>(52 - m)
  minValue = minValueMs
  maxValue = maxValueMs
  binBase = reinterpret<u64>(minValueMs) >> shift
  nBins = <u32>((reinterpret<u64>(maxValueMs) >> shift) - binBase + 1)
  nPages = (nBins + PAGE_MASK) >> PAGE_SHIFT
  slots = slotCount
  capacity = <u32>agentCapacity
  histBytes = H_PAGES + (<usize>nPages << 3)
  blockBytes = B_HISTS + <usize>(slots + 1) * histBytes
  // Everything from the current end of memory up is ours (see the header comment).
  top = <usize>memory.size() << 16
  batchAgents = bump(<usize>BATCH_CAPACITY << 2)
  batchValues = bump(<usize>BATCH_CAPACITY << 3)
  qBuffer = bump(<usize>Q_CAPACITY << 3)
  outBuffer = bump(<usize>Q_CAPACITY << 3)
  rankBuffer = bump(<usize>Q_CAPACITY << 3)
  orderBuffer = bump(<usize>Q_CAPACITY << 2)
  directory = bump(<usize>capacity << 2)
  currentTable = bump(<usize>capacity << 2)
  free8 = 0
  free16 = 0
  free32 = 0
  free64 = 0
  freeBlocks = 0
  fleetBins = 0
  epoch = 0
  rejectedCount = 0
  clampedCount = 0
  return <i32>nBins
}

export function histBatchCapacity(): i32 {
  return BATCH_CAPACITY
}
export function histQCapacity(): i32 {
  return Q_CAPACITY
}
export function histBatchAgents(): usize {
  return batchAgents
}
export function histBatchValues(): usize {
  return batchValues
}
export function histQBuffer(): usize {
  return qBuffer
}
export function histOutBuffer(): usize {
  return outBuffer
}

/** Record one value; the caller has checked agent < capacity. */
export function histRecord(agent: u32, valueMs: f64): void {
  const v = admit(valueMs)
  if (v < 0) return
  const h = current(agent)
  countBin(h, v)
  store<u64>(h + H_COUNT, load<u64>(h + H_COUNT) + 1)
  store<f64>(h + H_MIN, min(load<f64>(h + H_MIN), v))
  store<f64>(h + H_MAX, max(load<f64>(h + H_MAX), v))
}

/** Fold a run of values for one histogram into its header. */
@inline function flushRun(h: usize, n: u64, lo: f64, hi: f64): void {
  store<u64>(h + H_COUNT, load<u64>(h + H_COUNT) + n)
  store<f64>(h + H_MIN, min(load<f64>(h + H_MIN), lo))
  store<f64>(h + H_MAX, max(load<f64>(h + H_MAX), hi))
}

/**
 * Record the first n staged pairs. Returns -1, or the index of the first pair whose agent is out of range
 * (every pair before it is recorded, none after).
 */
export function histRecordBatch(n: i32): i32 {
  const cap = capacity
  // Consecutive values of the same agent (a run) keep count, min and max in locals.
  let last: u32 = -1
  let h: usize = 0
  let run: u64 = 0
  let lo = Infinity
  let hi = -Infinity
  for (let i = 0; i < n; i++) {
    const agent = load<u32>(batchAgents + (<usize>i << 2))
    if (agent >= cap) {
      if (h != 0) flushRun(h, run, lo, hi)
      return i
    }
    const v = admit(load<f64>(batchValues + (<usize>i << 3)))
    if (v < 0) continue
    if (agent != last) {
      if (h != 0) flushRun(h, run, lo, hi)
      h = current(agent)
      last = agent
      run = 0
      lo = Infinity
      hi = -Infinity
    }
    countBin(h, v)
    run++
    lo = min(lo, v)
    hi = max(hi, v)
  }
  if (h != 0) flushRun(h, run, lo, hi)
  return -1
}

/** Move event time to slot number `slotEpoch` (never backwards). Agents catch up when next touched. */
export function histAdvance(slotEpoch: f64): void {
  if (slotEpoch > epoch) {
    epoch = slotEpoch
    memory.fill(currentTable, 0, <usize>capacity << 2)
  }
}

export function histEpoch(): f64 {
  return epoch
}

/** Forget an agent: its pages and block go back to the pools. */
export function histRelease(agent: u32): void {
  const block = load<usize>(directory + (<usize>agent << 2))
  if (block == 0) return
  for (let i = 0; i <= slots; i++) clearHist(hist(block, i))
  store<usize>(block, freeBlocks)
  freeBlocks = block
  store<usize>(directory + (<usize>agent << 2), 0)
  store<usize>(currentTable + (<usize>agent << 2), 0)
}

export function histCount(agent: u32): f64 {
  const block = liveBlock(agent)
  if (block == 0) return 0
  return <f64>(
    load<u64>(hist(block, slots) + H_COUNT) + load<u64>(hist(block, load<i32>(block + B_RING)) + H_COUNT)
  )
}

export function histRejected(): f64 {
  return rejectedCount
}
export function histClamped(): f64 {
  return clampedCount
}

// ---------------------------------------------------------------------------------------------------------------
// Queries: nearest rank over aggregate + current slot (or the fleet sum), answered with the bin midpoint clamped
// to the window's exact min and max; rank 1 and rank n are the exact min and max.

/** Lower edge of bin i, in ms. */
@inline function binLow(i: u32): f64 {
  return reinterpret<f64>((binBase + <u64>i) << shift)
}

/** The page of the bin an admitted value falls in (min and max of a histogram are admitted values). */
@inline function pageOfValue(v: f64): u32 {
  return <u32>((reinterpret<u64>(v) >> shift) - binBase) >> PAGE_SHIFT
}

/** Rank r (1-based) of q over n values, as the issue defines nearest rank: ceil(q n), at least 1. */
@inline function rankOf(q: f64, n: f64): f64 {
  return max(1, Math.ceil(q * n))
}

/** Rank the k staged quantiles and sort their indices by rank (insertion sort; k is small) into orderBuffer. */
function orderRanks(k: i32, n: f64): void {
  for (let i = 0; i < k; i++) {
    const r = rankOf(load<f64>(qBuffer + (<usize>i << 3)), n)
    store<f64>(rankBuffer + (<usize>i << 3), r)
    let j = i
    while (j > 0) {
      const prev = load<i32>(orderBuffer + (<usize>(j - 1) << 2))
      if (load<f64>(rankBuffer + (<usize>prev << 3)) <= r) break
      store<i32>(orderBuffer + (<usize>j << 2), prev)
      j--
    }
    store<i32>(orderBuffer + (<usize>j << 2), i)
  }
}

@inline function orderedRank(j: i32): f64 {
  return load<f64>(rankBuffer + (<usize>load<i32>(orderBuffer + (<usize>j << 2)) << 3))
}

/** Answer the j-th ranked quantile with bin `index`: exact min/max at the ends, else the clamped bin midpoint. */
@inline function answer(j: i32, index: u32, n: f64, lo: f64, hi: f64): void {
  const qi = load<i32>(orderBuffer + (<usize>j << 2))
  const r = load<f64>(rankBuffer + (<usize>qi << 3))
  let v: f64
  if (r <= 1) v = lo
  else if (r >= n) v = hi
  else v = min(max((binLow(index) + binLow(index + 1)) * 0.5, lo), hi)
  store<f64>(outBuffer + (<usize>qi << 3), v)
}

/** Sum of one page's counts (0 for no page); the width is decided once per page, not per bin. */
function pageTotal(entry: u32): u64 {
  if (entry == 0) return 0
  const p = pageOf(entry)
  const code = entry & CODE_MASK
  let total: u64 = 0
  if (code == W8) {
    let t: u32 = 0
    for (let b: usize = 0; b < <usize>PAGE_BINS; b++) t += <u32>load<u8>(p + b)
    total = <u64>t
  } else if (code == W16) {
    let t: u32 = 0
    for (let b: usize = 0; b < <usize>PAGE_BINS; b++) t += <u32>load<u16>(p + (b << 1))
    total = <u64>t
  } else if (code == W32) {
    for (let b: usize = 0; b < <usize>PAGE_BINS; b++) total += <u64>load<u32>(p + (b << 2))
  } else {
    for (let b: usize = 0; b < <usize>PAGE_BINS; b++) total += load<u64>(p + (b << 3))
  }
  return total
}

/** A page-table cell's count: its total, or the page summed when the total saturated (or 0 for no page). */
@inline function cellTotal(cell: usize): u64 {
  const t = load<u32>(cell + 4)
  return t != SATURATED ? <u64>t : pageTotal(load<u32>(cell))
}

@inline function binOr0(entry: u32, bin: u32): u64 {
  return entry == 0 ? 0 : getBin(entry, bin)
}

function fillNaN(k: i32): void {
  for (let i = 0; i < k; i++) store<f64>(outBuffer + (<usize>i << 3), NaN)
}

/**
 * Quantiles qBuffer[0..k) of one agent's window into outBuffer (NaN when it has no sample). Ranks in the lower
 * half are found scanning up from the smallest bin, the others scanning down from the largest, so p99.9 reads a
 * few pages, not the whole histogram.
 */
export function histQuantiles(agent: u32, k: i32): void {
  const block = liveBlock(agent)
  if (block == 0) {
    fillNaN(k)
    return
  }
  const agg = hist(block, slots)
  const cur = hist(block, load<i32>(block + B_RING))
  const n = <f64>(load<u64>(agg + H_COUNT) + load<u64>(cur + H_COUNT))
  if (n == 0) {
    fillNaN(k)
    return
  }
  const lo = min(load<f64>(agg + H_MIN), load<f64>(cur + H_MIN))
  const hi = max(load<f64>(agg + H_MAX), load<f64>(cur + H_MAX))
  orderRanks(k, n)
  let split = 0
  while (split < k && orderedRank(split) <= n * 0.5) split++
  // No value lies outside [lo, hi], so the scans start at their pages: the page table of a histogram spans the
  // whole range (about 64 cells), while a fleet's service times fill a few octaves of it.
  const firstPage = pageOfValue(lo)
  const lastPage = pageOfValue(hi)
  // Up: the smallest bin whose cumulative count reaches the rank.
  let j = 0
  let below: f64 = 0
  for (let p: u32 = firstPage; p <= lastPage && j < split; p++) {
    const ca = agg + H_PAGES + (<usize>p << 3)
    const cc = cur + H_PAGES + (<usize>p << 3)
    const ea = load<u32>(ca)
    const ec = load<u32>(cc)
    if ((ea | ec) == 0) continue
    const total = <f64>(cellTotal(ca) + cellTotal(cc))
    if (below + total < orderedRank(j)) {
      below += total
      continue
    }
    for (let b: u32 = 0; b < PAGE_BINS && j < split; b++) {
      const c = binOr0(ea, b) + binOr0(ec, b)
      if (c == 0) continue
      below += <f64>c
      while (j < split && orderedRank(j) <= below) answer(j++, (p << PAGE_SHIFT) + b, n, lo, hi)
    }
  }
  // Down: the same bin, found as the first one (from the top) with more than n - rank values at or above it.
  j = k - 1
  let above: f64 = 0
  for (let p = <i32>lastPage; p >= <i32>firstPage && j >= split; p--) {
    const ca = agg + H_PAGES + (<usize>p << 3)
    const cc = cur + H_PAGES + (<usize>p << 3)
    const ea = load<u32>(ca)
    const ec = load<u32>(cc)
    if ((ea | ec) == 0) continue
    const total = <f64>(cellTotal(ca) + cellTotal(cc))
    if (above + total <= n - orderedRank(j)) {
      above += total
      continue
    }
    for (let b = <i32>PAGE_MASK; b >= 0 && j >= split; b--) {
      const c = binOr0(ea, b) + binOr0(ec, b)
      if (c == 0) continue
      above += <f64>c
      while (j >= split && above > n - orderedRank(j)) answer(j--, (<u32>p << PAGE_SHIFT) + <u32>b, n, lo, hi)
    }
  }
}

/** Quantiles over every live agent's window, merged exactly (u64 sums of the same bins), into outBuffer. */
export function histFleetQuantiles(k: i32): void {
  const padded = <usize>nPages << PAGE_SHIFT
  if (fleetBins == 0) fleetBins = bump(padded << 3)
  memory.fill(fleetBins, 0, padded << 3)
  let n: u64 = 0
  let lo = Infinity
  let hi = -Infinity
  for (let agent: u32 = 0; agent < capacity; agent++) {
    const block = liveBlock(agent)
    if (block == 0) continue
    const cur = hist(block, load<i32>(block + B_RING))
    for (let which = 0; which < 2; which++) {
      const h = which == 0 ? cur : hist(block, slots)
      if (load<u64>(h + H_COUNT) == 0) continue
      n += load<u64>(h + H_COUNT)
      lo = min(lo, load<f64>(h + H_MIN))
      hi = max(hi, load<f64>(h + H_MAX))
      for (let p: u32 = 0; p < nPages; p++) {
        const e = load<u32>(h + H_PAGES + (<usize>p << 3))
        if (e == 0) continue
        const dst = fleetBins + (<usize>(p << PAGE_SHIFT) << 3)
        for (let b: u32 = 0; b < PAGE_BINS; b++) {
          const a = dst + (<usize>b << 3)
          store<u64>(a, load<u64>(a) + getBin(e, b))
        }
      }
    }
  }
  if (n == 0) {
    fillNaN(k)
    return
  }
  const total = <f64>n
  orderRanks(k, total)
  let j = 0
  let below: f64 = 0
  for (let i: u32 = 0; i < nBins && j < k; i++) {
    const c = load<u64>(fleetBins + (<usize>i << 3))
    if (c == 0) continue
    below += <f64>c
    while (j < k && orderedRank(j) <= below) answer(j++, i, total, lo, hi)
  }
}
