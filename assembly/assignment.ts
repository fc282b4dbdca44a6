// Linear assignment: shortest augmenting paths of the Jonker-Volgenant family over f64 costs in this module's memory.
//
// The problem is always given with rows <= cols (src/wasm/kernel.ts transposes and replicates columns for capacities),
// every row to be assigned to a distinct column at least total cost. +Infinity marks a forbidden pair.
//
// Both solvers keep column prices v and the JV invariant: a row's assigned column minimises cost[i][j] - v[j] over
// its row. Augmentation is Dijkstra over reduced costs, which stay non-negative under that invariant, so each path is
// a shortest one and the final assignment is an exact optimum. Prices of free columns never change (they start equal),
// which keeps the rectangular case (rows < cols, unused columns) exact, as in scipy's linear_sum_assignment.
//
// A row with no augmenting path (forbidden pairs or capacity leave it nothing) stays unassigned and the solve goes on
// with the other rows: by Berge's lemma such a row never gains a path later, so the result is a maximum matching.

/** One scratch block, grown to the largest problem seen and reused by every solve of this instance. */
let scratch: usize = 0
let scratchBytes: usize = 0

// Regions of the scratch block, laid out by assignmentPrepare.
let costsPtr: usize = 0 // dense: rows*cols f64 row-major; sparse: nnz f64 in CSR order
let columnsPtr: usize = 0 // sparse: nnz i32 column index of each cost
let rowStartPtr: usize = 0 // sparse: rows+1 i32 offsets into costs/columns
let vPtr: usize = 0 // cols f64: column prices
let dPtr: usize = 0 // cols f64: shortest path lengths
let pathCostPtr: usize = 0 // cols f64 (sparse): cost of the edge pred[j] -> j
let rowCostPtr: usize = 0 // rows f64 (sparse): cost of the row's assigned edge
let xPtr: usize = 0 // rows i32: column of each row, -1 free
let freePtr: usize = 0 // rows i32: free rows
let countPtr: usize = 0 // rows i32: columns a row won in column reduction
let yPtr: usize = 0 // cols i32: row of each column, -1 free
let predPtr: usize = 0 // cols i32: predecessor row on the shortest path tree
let listPtr: usize = 0 // cols i32 (dense): ready | todo | unscanned columns; (sparse) the binary heap
let argPtr: usize = 0 // cols i32: row of the column minimum; (sparse) heap position, -1 out, -2 scanned
let touchedPtr: usize = 0 // cols i32 (sparse): columns whose d was set in this augmentation
let scannedPtr: usize = 0 // cols i32 (sparse): columns scanned in this augmentation

// @ts-ignore: decorator
@inline function ldf(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3))
}
// @ts-ignore: decorator
@inline function stf(base: usize, i: i32, value: f64): void {
  store<f64>(base + (<usize>i << 3), value)
}
// @ts-ignore: decorator
@inline function ldi(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2))
}
// @ts-ignore: decorator
@inline function sti(base: usize, i: i32, value: i32): void {
  store<i32>(base + (<usize>i << 2), value)
}

function align8(n: usize): usize {
  return (n + 7) & ~(<usize>7)
}

/**
 * Lay out the scratch block for a rows x cols problem (rows <= cols) with nnz stored costs (nnz < 0: dense, rows*cols).
 * Returns 0 when the block cannot be allocated; then the caller reports the problem as too large.
 */
export function assignmentPrepare(rows: i32, cols: i32, nnz: f64): i32 {
  const n = <usize>rows
  const m = <usize>cols
  const dense = nnz < 0
  const stored = dense ? <f64>n * <f64>m : nnz
  const total =
    stored * 8 + (dense ? 0 : stored * 4 + <f64>(n + 1) * 4) + <f64>m * (8 * 3 + 4 * 6) + <f64>n * (8 + 4 * 3) + 256
  // TLSF blocks stop short of 1 GiB; a problem that large is out of reach of a 32-bit module anyway.
  if (total > <f64>(1 << 30) - 65536) return 0
  const bytes = <usize>total
  if (bytes > scratchBytes) {
    if (scratch != 0) heap.free(scratch)
    scratch = heap.alloc(bytes)
    scratchBytes = bytes
  }
  let p = align8(scratch)
  costsPtr = p
  p += align8(<usize>stored * 8)
  vPtr = p
  p += m * 8
  dPtr = p
  p += m * 8
  pathCostPtr = p
  p += m * 8
  rowCostPtr = p
  p += n * 8
  columnsPtr = p
  p += dense ? 0 : align8(<usize>stored * 4)
  rowStartPtr = p
  p += dense ? 0 : align8((n + 1) * 4)
  xPtr = p
  p += align8(n * 4)
  freePtr = p
  p += align8(n * 4)
  countPtr = p
  p += align8(n * 4)
  yPtr = p
  p += align8(m * 4)
  predPtr = p
  p += align8(m * 4)
  listPtr = p
  p += align8(m * 4)
  argPtr = p
  p += align8(m * 4)
  touchedPtr = p
  p += align8(m * 4)
  scannedPtr = p
  return 1
}

export function assignmentCostsPtr(): usize {
  return costsPtr
}

export function assignmentColumnsPtr(): usize {
  return columnsPtr
}

export function assignmentRowStartPtr(): usize {
  return rowStartPtr
}

/**
 * Check the first `count` dense costs: returns the index of the first NaN or -Infinity, or -1 when all are valid.
 * One comparison per cost, so validating inside WASM costs far less than a separate JS pass.
 */
export function assignmentCheckDense(count: i32): i32 {
  const C = costsPtr
  for (let e = 0; e < count; e++) {
    if (!(ldf(C, e) > -Infinity)) return e
  }
  return -1
}

/** A staging block for a matrix that is transposed on the way in; freed after each transposition. */
let staging: usize = 0

/** Allocate the staging block for `count` f64 (call after assignmentPrepare); returns its address, 0 if too large. */
export function assignmentStagingPtr(count: i32): usize {
  if (<f64>count * 8 > <f64>(1 << 30) - 65536) return 0
  if (staging != 0) heap.free(staging)
  staging = heap.alloc(<usize>count << 3)
  return staging
}

/**
 * Transpose the rows x cols staging matrix into the costs region (cols x rows, row-major) in 32 x 32 tiles, then free
 * the staging block: a tall problem is solved as its wide transpose.
 */
export function assignmentTransposeStaging(rows: i32, cols: i32): void {
  const dst = costsPtr
  for (let i0 = 0; i0 < rows; i0 += 32) {
    const i1 = min(i0 + 32, rows)
    for (let c0 = 0; c0 < cols; c0 += 32) {
      const c1 = min(c0 + 32, cols)
      for (let i = i0; i < i1; i++) {
        const from = staging + ((<usize>i * <usize>cols) << 3)
        for (let c = c0; c < c1; c++) {
          store<f64>(dst + ((<usize>c * <usize>rows + <usize>i) << 3), load<f64>(from + (<usize>c << 3)))
        }
      }
    }
  }
  heap.free(staging)
  staging = 0
}

/** rows i32 after a solve: the column of each row, -1 when the row could not be assigned. */
export function assignmentSolutionPtr(): usize {
  return xPtr
}

/**
 * Augmenting row reduction (JV): each free row takes its cheapest column, lowering that column's price so the row's
 * second-best column ties, and evicts the column's previous row, which is processed again at once. Two passes; the
 * immediate re-processing is budgeted so pathological inputs cannot make it crawl. Returns the free rows left.
 */
function augmentingRowReduction(n: i32, m: i32, numFree: i32, sparse: bool): i32 {
  const v = vPtr
  const x = xPtr
  const y = yPtr
  const free = freePtr
  let budget = 16 * n + 1024
  for (let pass = 0; pass < 2 && numFree > 0; pass++) {
    let k = 0
    const previous = numFree
    numFree = 0
    while (k < previous) {
      const i = ldi(free, k)
      k++
      let u1 = Infinity
      let u2 = Infinity
      let j1 = -1
      let j2 = -1
      let c1: f64 = 0
      let c2: f64 = 0
      if (sparse) {
        const end = ldi(rowStartPtr, i + 1)
        for (let e = ldi(rowStartPtr, i); e < end; e++) {
          const j = ldi(columnsPtr, e)
          const c = ldf(costsPtr, e)
          const h = c - ldf(v, j)
          if (h < u2) {
            if (h >= u1) {
              u2 = h
              j2 = j
              c2 = c
            } else {
              u2 = u1
              j2 = j1
              c2 = c1
              u1 = h
              j1 = j
              c1 = c
            }
          }
        }
      } else {
        const row = costsPtr + ((<usize>i * <usize>m) << 3)
        for (let j = 0; j < m; j++) {
          const h = ldf(row, j) - ldf(v, j)
          if (h < u2) {
            if (h >= u1) {
              u2 = h
              j2 = j
            } else {
              u2 = u1
              j2 = j1
              u1 = h
              j1 = j
            }
          }
        }
      }
      if (j1 < 0 || u1 == Infinity) {
        // No allowed column at all: augmentation will report the row.
        sti(free, numFree++, i)
        continue
      }
      let i0 = ldi(y, j1)
      const strict = u1 < u2
      if (strict) {
        if (u2 < Infinity) stf(v, j1, ldf(v, j1) - (u2 - u1))
      } else if (i0 >= 0) {
        // Tie: take the second-best column instead of evicting.
        j1 = j2
        c1 = c2
        i0 = ldi(y, j1)
      }
      sti(x, i, j1)
      sti(y, j1, i)
      if (sparse) stf(rowCostPtr, i, c1)
      if (i0 >= 0) {
        sti(x, i0, -1)
        if (strict && u2 < Infinity && budget > 0) {
          budget--
          k--
          sti(free, k, i0)
        } else {
          sti(free, numFree++, i0)
        }
      }
    }
  }
  return numFree
}

/** Column reduction and reduction transfer (JV) for square problems. Returns the number of free rows. */
function columnReduction(n: i32, m: i32, sparse: bool): i32 {
  const v = vPtr
  const x = xPtr
  const y = yPtr
  const arg = argPtr
  const count = countPtr
  for (let j = 0; j < m; j++) {
    stf(v, j, Infinity)
    sti(arg, j, -1)
  }
  // Column minima, scanning rows (cache friendly) rather than columns; the first row wins ties.
  for (let i = 0; i < n; i++) {
    sti(count, i, 0)
    if (sparse) {
      const end = ldi(rowStartPtr, i + 1)
      for (let e = ldi(rowStartPtr, i); e < end; e++) {
        const j = ldi(columnsPtr, e)
        const c = ldf(costsPtr, e)
        if (c < ldf(v, j)) {
          stf(v, j, c)
          sti(arg, j, i)
        }
      }
    } else {
      const row = costsPtr + ((<usize>i * <usize>m) << 3)
      for (let j = 0; j < m; j++) {
        const c = ldf(row, j)
        if (c < ldf(v, j)) {
          stf(v, j, c)
          sti(arg, j, i)
        }
      }
    }
  }
  for (let j = m - 1; j >= 0; j--) {
    const i = ldi(arg, j)
    if (i < 0) {
      // Every pair in this column is forbidden: it can never be assigned; a neutral price keeps arithmetic finite.
      stf(v, j, 0)
      continue
    }
    const won = ldi(count, i) + 1
    sti(count, i, won)
    if (won == 1) {
      sti(x, i, j)
      sti(y, j, i)
      if (sparse) stf(rowCostPtr, i, ldf(v, j))
    } else {
      const j1 = ldi(x, i)
      if (ldf(v, j) < ldf(v, j1)) {
        sti(x, i, j)
        sti(y, j, i)
        sti(y, j1, -1)
        if (sparse) stf(rowCostPtr, i, ldf(v, j))
      }
    }
  }
  let numFree = 0
  for (let i = 0; i < n; i++) {
    const won = ldi(count, i)
    if (won == 0) {
      sti(freePtr, numFree++, i)
    } else if (won == 1) {
      // Reduction transfer: lower the price of the row's column until its second-best column ties.
      const j1 = ldi(x, i)
      let best = Infinity
      if (sparse) {
        const end = ldi(rowStartPtr, i + 1)
        for (let e = ldi(rowStartPtr, i); e < end; e++) {
          const j = ldi(columnsPtr, e)
          if (j == j1) continue
          const h = ldf(costsPtr, e) - ldf(v, j)
          if (h < best) best = h
        }
      } else {
        const row = costsPtr + ((<usize>i * <usize>m) << 3)
        for (let j = 0; j < j1; j++) {
          const h = ldf(row, j) - ldf(v, j)
          if (h < best) best = h
        }
        for (let j = j1 + 1; j < m; j++) {
          const h = ldf(row, j) - ldf(v, j)
          if (h < best) best = h
        }
      }
      if (best < Infinity) stf(v, j1, ldf(v, j1) - best)
    }
  }
  return numFree
}

function initialise(n: i32, m: i32, sparse: bool): i32 {
  for (let i = 0; i < n; i++) sti(xPtr, i, -1)
  for (let j = 0; j < m; j++) {
    sti(yPtr, j, -1)
    stf(vPtr, j, 0)
  }
  let numFree = 0
  if (n == m) {
    numFree = columnReduction(n, m, sparse)
  } else {
    // Rectangular: free columns must keep equal prices, so start from zero prices and skip column reduction.
    for (let i = 0; i < n; i++) sti(freePtr, i, i)
    numFree = n
  }
  return augmentingRowReduction(n, m, numFree, sparse)
}

/** Solve the dense rows x cols problem (rows <= cols) in the costs region. Returns the number of rows assigned. */
export function assignmentSolveDense(n: i32, m: i32): i32 {
  if (n == 0) return 0
  const C = costsPtr
  const v = vPtr
  const d = dPtr
  const x = xPtr
  const y = yPtr
  const pred = predPtr
  const list = listPtr
  const numFree = initialise(n, m, false)
  let matched = n - numFree
  for (let f = 0; f < numFree; f++) {
    const start = ldi(freePtr, f)
    const startRow = C + ((<usize>start * <usize>m) << 3)
    for (let j = 0; j < m; j++) {
      stf(d, j, ldf(startRow, j) - ldf(v, j))
      sti(pred, j, start)
      sti(list, j, j)
    }
    // list: [0, low) scanned, [low, up) at the current minimum distance, [up, m) not yet reached at that distance.
    let low = 0
    let up = 0
    let last = 0
    let end = -1
    let minimum: f64 = 0
    while (true) {
      if (up == low) {
        last = low
        minimum = Infinity
        for (let k = low; k < m; k++) {
          const j = ldi(list, k)
          const h = ldf(d, j)
          if (h <= minimum) {
            if (h < minimum) {
              up = low
              minimum = h
            }
            sti(list, k, ldi(list, up))
            sti(list, up, j)
            up++
          }
        }
        if (minimum == Infinity) break // nothing reachable: the row cannot be assigned
        for (let k = low; k < up; k++) {
          const j = ldi(list, k)
          if (ldi(y, j) < 0) {
            end = j
            break
          }
        }
        if (end >= 0) break
      }
      const j1 = ldi(list, low)
      low++
      const i = ldi(y, j1)
      const row = C + ((<usize>i * <usize>m) << 3)
      const h = ldf(row, j1) - ldf(v, j1) - minimum
      for (let k = up; k < m; k++) {
        const j = ldi(list, k)
        const reduced = ldf(row, j) - ldf(v, j) - h
        if (reduced < ldf(d, j)) {
          sti(pred, j, i)
          if (reduced == minimum) {
            if (ldi(y, j) < 0) {
              end = j
              break
            }
            sti(list, k, ldi(list, up))
            sti(list, up, j)
            up++
          }
          stf(d, j, reduced)
        }
      }
      if (end >= 0) break
    }
    if (end < 0) continue
    for (let k = 0; k < last; k++) {
      const j = ldi(list, k)
      stf(v, j, ldf(v, j) + ldf(d, j) - minimum)
    }
    let j = end
    while (true) {
      const i = ldi(pred, j)
      sti(y, j, i)
      const next = ldi(x, i)
      sti(x, i, j)
      if (i == start) break
      j = next
    }
    matched++
  }
  return matched
}

// Indexed binary min-heap of columns keyed by d, for the sparse solver. argPtr holds each column's heap position.
let heapSize: i32 = 0

function heapUp(position: i32, j: i32): void {
  const heap = listPtr
  const where = argPtr
  const key = ldf(dPtr, j)
  while (position > 0) {
    const parent = (position - 1) >> 1
    const pj = ldi(heap, parent)
    if (ldf(dPtr, pj) <= key) break
    sti(heap, position, pj)
    sti(where, pj, position)
    position = parent
  }
  sti(heap, position, j)
  sti(where, j, position)
}

function heapPop(): i32 {
  const heap = listPtr
  const where = argPtr
  const top = ldi(heap, 0)
  sti(where, top, -2)
  heapSize--
  if (heapSize > 0) {
    const j = ldi(heap, heapSize)
    const key = ldf(dPtr, j)
    let position = 0
    while (true) {
      let child = 2 * position + 1
      if (child >= heapSize) break
      let cj = ldi(heap, child)
      let ck = ldf(dPtr, cj)
      if (child + 1 < heapSize) {
        const rj = ldi(heap, child + 1)
        const rk = ldf(dPtr, rj)
        if (rk < ck) {
          child++
          cj = rj
          ck = rk
        }
      }
      if (ck >= key) break
      sti(heap, position, cj)
      sti(where, cj, position)
      position = child
    }
    sti(heap, position, j)
    sti(where, j, position)
  }
  return top
}

/**
 * Solve the sparse rows x cols problem (rows <= cols) held as CSR (rowStart, columns, costs); absent pairs are
 * forbidden. Dijkstra with a binary heap touches only the columns it reaches, so a path costs O(reached log reached).
 */
export function assignmentSolveSparse(n: i32, m: i32): i32 {
  if (n == 0) return 0
  const v = vPtr
  const d = dPtr
  const x = xPtr
  const y = yPtr
  const pred = predPtr
  const where = argPtr
  const touched = touchedPtr
  const scanned = scannedPtr
  const numFree = initialise(n, m, true)
  for (let j = 0; j < m; j++) {
    stf(d, j, Infinity)
    sti(where, j, -1)
  }
  let matched = n - numFree
  for (let f = 0; f < numFree; f++) {
    const start = ldi(freePtr, f)
    let numTouched = 0
    let numScanned = 0
    heapSize = 0
    let i = start
    let h: f64 = 0
    let end = -1
    let minimum: f64 = 0
    while (true) {
      const stop = ldi(rowStartPtr, i + 1)
      for (let e = ldi(rowStartPtr, i); e < stop; e++) {
        const j = ldi(columnsPtr, e)
        const position = ldi(where, j)
        if (position == -2) continue
        const c = ldf(costsPtr, e)
        const reduced = c - ldf(v, j) - h
        if (reduced < ldf(d, j)) {
          if (position == -1) {
            sti(touched, numTouched++, j)
            stf(d, j, reduced)
            heapUp(heapSize++, j)
          } else {
            stf(d, j, reduced)
            heapUp(position, j)
          }
          sti(pred, j, i)
          stf(pathCostPtr, j, c)
        }
      }
      if (heapSize == 0) break
      const j1 = heapPop()
      minimum = ldf(d, j1)
      if (ldi(y, j1) < 0) {
        end = j1
        break
      }
      sti(scanned, numScanned++, j1)
      i = ldi(y, j1)
      h = ldf(rowCostPtr, i) - ldf(v, j1) - minimum
    }
    if (end >= 0) {
      for (let k = 0; k < numScanned; k++) {
        const j = ldi(scanned, k)
        stf(v, j, ldf(v, j) + ldf(d, j) - minimum)
      }
      let j = end
      while (true) {
        const r = ldi(pred, j)
        sti(y, j, r)
        stf(rowCostPtr, r, ldf(pathCostPtr, j))
        const next = ldi(x, r)
        sti(x, r, j)
        if (r == start) break
        j = next
      }
      matched++
    }
    for (let k = 0; k < numTouched; k++) {
      const j = ldi(touched, k)
      stf(d, j, Infinity)
      sti(where, j, -1)
    }
  }
  return matched
}
