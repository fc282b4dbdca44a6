/**
 * The optimal assignment solver: rows (tasks) to columns (agents) at least total cost, exactly.
 *
 * A Jonker-Volgenant shortest augmenting path solver in WASM (assembly/assignment.ts). Dense problems run LAPJV
 * (column reduction, augmenting row reduction, then Dijkstra augmentations over the full cost rows); problems that are
 * mostly forbidden pairs run the same algorithm over a CSR copy of the finite costs with a heap-based Dijkstra, which
 * only touches the pairs that exist. The choice is automatic (see {@link sparseDensity}).
 */
import { solveAssignmentKernel } from '../wasm/kernel.js'

export interface AssignmentResult {
  /** False when no assignment covers every row (rows <= columns) or fills every column (rows > columns). */
  feasible: boolean
  /** Total cost of the assignment; Infinity when infeasible. */
  cost: number
  /**
   * Column of each row, -1 for a row left unassigned. When infeasible it holds a maximum partial assignment: as many
   * rows as the forbidden pairs and capacities allow (not necessarily the cheapest such one).
   */
  rowToCol: Int32Array
  /** Why the problem is infeasible. */
  reason?: string
}

export interface AssignmentOptions {
  /** capacities[c]: how many rows column c may take (default 1 each; 0 excludes the column). */
  capacities?: Uint32Array
  /**
   * 'auto' (default) picks the sparse path for matrices that are mostly forbidden pairs (see {@link sparseDensity});
   * 'dense' and 'sparse' force one. Both give the same optimum.
   */
  method?: 'auto' | 'dense' | 'sparse'
}

/**
 * The sparse path runs when the matrix has at least {@link sparseMinimumPairs} pairs and at most this fraction of
 * them is allowed (finite), as measured on up to 32 evenly spaced whole rows (a full count would cost a pass over the
 * matrix). Measured on this solver (CPU ms, dense/sparse): random n = 1000 at 1% 2.9x faster sparse, 10% 1.1x, 20%
 * 0.7x; n = 2000 at 1% 5.6x, 10% 1.4x, 20% 0.8x; OR-Library assignp800 (15.6%) 0.9x, assignp1500 (4.4%) 2.3x.
 * Under 250,000 pairs (500 x 500) either path takes a few milliseconds at most, so small problems stay dense.
 */
export const sparseDensity = 0.1
export const sparseMinimumPairs = 250_000

/**
 * Solve the linear assignment problem over a row-major `rows x cols` cost matrix.
 *
 * - rows <= cols (counting capacity): every row is assigned, each column to at most its capacity of rows.
 * - rows > cols: every column (every unit of capacity) is used, and the rows left over get -1.
 * - `Infinity` marks a forbidden pair. A problem without a complete assignment returns `feasible: false` and a reason.
 *
 * @example
 * const { cost, rowToCol } = solveAssignment(Float64Array.of(4, 1, 3, 2, 0, 5, 3, 2, 2), 3, 3)
 * // cost 5, rowToCol [1, 0, 2]
 * @throws TypeError on a cost that is NaN or -Infinity, a length that is not rows * cols, or bad capacities.
 */
export function solveAssignment(
  costs: Float64Array,
  rows: number,
  cols: number,
  options: AssignmentOptions = {},
): AssignmentResult {
  if (!(costs instanceof Float64Array)) throw new TypeError('solveAssignment: costs must be a Float64Array (row-major)')
  for (const [name, value] of [
    ['rows', rows],
    ['cols', cols],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new TypeError(`solveAssignment: ${name} must be a non-negative integer, got ${String(value)}`)
    }
  }
  if (costs.length !== rows * cols) {
    throw new TypeError(
      `solveAssignment: costs has ${costs.length} entries but rows * cols = ${rows} * ${cols} = ${rows * cols}`,
    )
  }
  const { capacities, method = 'auto' } = options
  if (method !== 'auto' && method !== 'dense' && method !== 'sparse') {
    throw new TypeError(`solveAssignment: method must be 'auto', 'dense' or 'sparse', got ${String(method)}`)
  }
  if (capacities !== undefined) {
    if (!(capacities instanceof Uint32Array)) throw new TypeError('solveAssignment: capacities must be a Uint32Array')
    if (capacities.length !== cols) {
      throw new TypeError(
        `solveAssignment: capacities has ${capacities.length} entries, expected one per column (${cols})`,
      )
    }
  }

  let slots: Int32Array | null = null
  if (capacities) {
    // A column can never take more rows than there are, so capacity beyond that need not be replicated.
    let total = 0
    for (let c = 0; c < cols; c++) total += Math.min(capacities[c], rows)
    slots = new Int32Array(total)
    let s = 0
    for (let c = 0; c < cols; c++) for (let k = Math.min(capacities[c], rows); k > 0; k--) slots[s++] = c
  }
  const pairs = rows * cols
  const sparse =
    method === 'auto'
      ? pairs >= sparseMinimumPairs && sampledDensity(costs, rows, cols) <= sparseDensity
      : method === 'sparse'
  // Without capacities the kernel checks every cost as it loads them (dense: one comparison each inside WASM;
  // sparse: in its one pass over the matrix), so the matrix is read once; otherwise check here.
  const kernelChecks = slots === null && rows > 0 && cols > 0 && (!sparse || rows <= cols)
  if (!kernelChecks) checkCosts(costs, cols)
  const { rowToCol, matched, needed, invalid } = solveAssignmentKernel({ costs, rows, cols, slots, sparse })
  if (invalid) checkCosts(costs, cols) // throws, naming the first bad cost

  if (matched === needed) {
    let cost = 0
    for (let i = 0; i < rows; i++) if (rowToCol[i] >= 0) cost += costs[i * cols + rowToCol[i]]
    return { feasible: true, cost, rowToCol }
  }
  return {
    feasible: false,
    cost: Number.POSITIVE_INFINITY,
    rowToCol,
    reason: infeasibleReason(rows, cols, rowToCol, slots),
  }
}

/** Throw a TypeError at the first NaN or -Infinity. */
function checkCosts(costs: Float64Array, cols: number): void {
  for (let e = 0; e < costs.length; e++) {
    const c = costs[e]
    if (c > Number.NEGATIVE_INFINITY) continue
    throw badCost(cols, e, Number.isNaN(c) ? 'NaN' : '-Infinity (use Infinity for a forbidden pair)')
  }
}

/** Fraction of allowed (finite) pairs over up to 32 evenly spaced whole rows: cheap, and blind to column patterns. */
function sampledDensity(costs: Float64Array, rows: number, cols: number): number {
  const sampled = Math.min(rows, 32)
  let finite = 0
  for (let s = 0; s < sampled; s++) {
    const from = Math.floor((s * rows) / sampled) * cols
    for (let c = from; c < from + cols; c++) if (costs[c] < Number.POSITIVE_INFINITY) finite++
  }
  return finite / (sampled * cols)
}

function badCost(cols: number, e: number, what: string): TypeError {
  const row = Math.floor(e / cols)
  return new TypeError(`solveAssignment: costs[${e}] (row ${row}, column ${e - row * cols}) is ${what}`)
}

const listed = (items: number[]) => items.slice(0, 5).join(', ') + (items.length > 5 ? `, ... (${items.length})` : '')

function infeasibleReason(rows: number, cols: number, rowToCol: Int32Array, slots: Int32Array | null): string {
  const capacity = new Int32Array(cols).fill(1)
  if (slots) {
    capacity.fill(0)
    for (const c of slots) capacity[c]++
  }
  const slotCount = slots ? slots.length : cols
  const limits = slots ? 'forbidden pairs (Infinity) and column capacities' : 'forbidden pairs (Infinity)'
  if (rows <= slotCount) {
    const unassigned: number[] = []
    for (let i = 0; i < rows; i++) if (rowToCol[i] < 0) unassigned.push(i)
    return `no assignment covers every row: ${limits} leave at most ${rows - unassigned.length} of ${rows} rows assignable; unassigned rows: ${listed(unassigned)}`
  }
  const used = new Int32Array(cols)
  for (let i = 0; i < rows; i++) if (rowToCol[i] >= 0) used[rowToCol[i]]++
  const short: number[] = []
  for (let c = 0; c < cols; c++) if (used[c] < capacity[c]) short.push(c)
  const filled = used.reduce((a, b) => a + b, 0)
  return `no assignment uses every column${slots ? ' to capacity' : ''}: ${limits} allow at most ${filled} of ${slotCount} column slots to be filled; columns left short: ${listed(short)}`
}
