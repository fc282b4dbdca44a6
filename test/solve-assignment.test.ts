import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { solveAssignment } from '../src/index.js'

type Method = 'dense' | 'sparse'

interface Oracle {
  feasible: boolean
  cost: number
  /** Most rows any valid partial assignment covers. */
  maxAssigned: number
}

/**
 * Brute force: every way to give each row a column with spare capacity (or nothing), keeping the best complete one.
 * Complete means every row assigned when rows <= total capacity, every unit of capacity used otherwise.
 */
function bruteForce(costs: Float64Array, rows: number, cols: number, capacities: Uint32Array): Oracle {
  const left = Array.from(capacities, (c) => Math.min(c, rows))
  const slots = left.reduce((a, b) => a + b, 0)
  const needed = Math.min(rows, slots)
  let best = Number.POSITIVE_INFINITY
  let maxAssigned = 0
  const visit = (i: number, assigned: number, sum: number) => {
    if (assigned + (rows - i) < needed && assigned + (rows - i) <= maxAssigned) return
    if (i === rows) {
      maxAssigned = Math.max(maxAssigned, assigned)
      if (assigned === needed) best = Math.min(best, sum)
      return
    }
    for (let c = 0; c < cols; c++) {
      const cost = costs[i * cols + c]
      if (left[c] === 0 || cost === Number.POSITIVE_INFINITY) continue
      left[c]--
      visit(i + 1, assigned + 1, sum + cost)
      left[c]++
    }
    visit(i + 1, assigned, sum)
  }
  visit(0, 0, 0)
  return { feasible: best < Number.POSITIVE_INFINITY, cost: best, maxAssigned }
}

/**
 * A second, independent oracle for sizes brute force cannot reach: the textbook O(n^2 m) Hungarian algorithm with
 * potentials (rows <= cols), forbidden pairs as a big M: an optimum that still uses one means infeasible.
 */
function hungarian(costs: Float64Array, rows: number, cols: number, capacities: Uint32Array) {
  const bigM = 1e9
  const slots = Array.from(capacities).flatMap((k, c) => new Array(Math.min(k, rows)).fill(c) as number[])
  const tall = rows > slots.length
  const n = tall ? slots.length : rows
  const m = tall ? rows : slots.length
  const at = (i: number, j: number) => {
    const cost = tall ? costs[j * cols + slots[i]] : costs[i * cols + slots[j]]
    return cost === Number.POSITIVE_INFINITY ? bigM : cost
  }
  const u = new Array(n + 1).fill(0)
  const v = new Array(m + 1).fill(0)
  const p = new Array(m + 1).fill(0)
  const way = new Array(m + 1).fill(0)
  for (let i = 1; i <= n; i++) {
    p[0] = i
    let j0 = 0
    const minv = new Array(m + 1).fill(Number.POSITIVE_INFINITY)
    const used = new Array(m + 1).fill(false)
    do {
      used[j0] = true
      const i0 = p[j0]
      let delta = Number.POSITIVE_INFINITY
      let j1 = 0
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue
        const cur = at(i0 - 1, j - 1) - u[i0] - v[j]
        if (cur < minv[j]) {
          minv[j] = cur
          way[j] = j0
        }
        if (minv[j] < delta) {
          delta = minv[j]
          j1 = j
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta
          v[j] -= delta
        } else {
          minv[j] -= delta
        }
      }
      j0 = j1
    } while (p[j0] !== 0)
    do {
      const j1 = way[j0]
      p[j0] = p[j1]
      j0 = j1
    } while (j0)
  }
  // Any forbidden pair in the optimum means no assignment avoids them (M outweighs every finite total).
  let cost = 0
  let forbiddenUsed = false
  for (let j = 1; j <= m; j++) {
    if (!p[j]) continue
    const c = at(p[j] - 1, j - 1)
    if (c === bigM) forbiddenUsed = true
    cost += c
  }
  return forbiddenUsed ? { feasible: false, cost: Number.POSITIVE_INFINITY } : { feasible: true, cost }
}

/** Checks that hold for every result: a valid (partial) assignment whose cost is what it says. */
function expectValid(
  result: ReturnType<typeof solveAssignment>,
  costs: Float64Array,
  rows: number,
  cols: number,
  capacities: Uint32Array,
) {
  expect(result.rowToCol).toBeInstanceOf(Int32Array)
  expect(result.rowToCol.length).toBe(rows)
  const used = new Array(cols).fill(0)
  let sum = 0
  let assigned = 0
  result.rowToCol.forEach((c, i) => {
    if (c < 0) {
      expect(c).toBe(-1)
      return
    }
    expect(c).toBeLessThan(cols)
    expect(costs[i * cols + c]).toBeLessThan(Number.POSITIVE_INFINITY)
    used[c]++
    sum += costs[i * cols + c]
    assigned++
  })
  for (let c = 0; c < cols; c++) expect(used[c]).toBeLessThanOrEqual(capacities[c])
  if (result.feasible) expect(result.cost).toBe(sum)
  return assigned
}

const problem = (options: { maxRows: number; maxCols: number; capacities: boolean; forbidden: boolean }) =>
  fc
    .record({
      rows: fc.integer({ min: 0, max: options.maxRows }),
      cols: fc.integer({ min: 0, max: options.maxCols }),
      seed: fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 64, maxLength: 64 }),
      // Small cost ranges make ties, the classic trap for JV's row reduction.
      range: fc.constantFrom(1, 3, 10, 1000),
      forbidden: options.forbidden ? fc.double({ min: 0, max: 0.7, noNaN: true }) : fc.constant(0),
      capacities: options.capacities
        ? fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 })
        : fc.constant(null),
    })
    .map(({ rows, cols, seed, range, forbidden, capacities }) => {
      const costs = new Float64Array(rows * cols)
      for (let e = 0; e < costs.length; e++) {
        const r = seed[e % 64] * 7919 + e * 104729
        costs[e] = (r % 997) / 997 < forbidden ? Number.POSITIVE_INFINITY : (r % range) + (seed[(e * 31) % 64] % 2)
      }
      const caps = capacities ? Uint32Array.from(capacities.slice(0, cols)) : new Uint32Array(cols).fill(1)
      return { rows, cols, costs, capacities: caps, withCapacities: capacities !== null }
    })

describe('solveAssignment against exact oracles (brute force, Hungarian)', () => {
  for (const method of ['dense', 'sparse'] as Method[]) {
    it(`${method}: exact optimum on square and rectangular matrices with forbidden pairs`, () => {
      fc.assert(
        fc.property(problem({ maxRows: 7, maxCols: 7, capacities: false, forbidden: true }), (p) => {
          const result = solveAssignment(p.costs, p.rows, p.cols, { method })
          const oracle = bruteForce(p.costs, p.rows, p.cols, p.capacities)
          expect(result.feasible).toBe(oracle.feasible)
          expect(expectValid(result, p.costs, p.rows, p.cols, p.capacities)).toBe(oracle.maxAssigned)
          if (oracle.feasible) {
            expect(result.cost).toBe(oracle.cost)
            expect(result.reason).toBeUndefined()
          } else {
            expect(result.cost).toBe(Number.POSITIVE_INFINITY)
            expect(result.reason).toMatch(/no assignment/)
          }
        }),
        { numRuns: 400 },
      )
    })

    it(`${method}: exact optimum with column capacities`, () => {
      fc.assert(
        fc.property(problem({ maxRows: 7, maxCols: 5, capacities: true, forbidden: true }), (p) => {
          const result = solveAssignment(p.costs, p.rows, p.cols, { capacities: p.capacities, method })
          const oracle = bruteForce(p.costs, p.rows, p.cols, p.capacities)
          expect(result.feasible).toBe(oracle.feasible)
          expect(expectValid(result, p.costs, p.rows, p.cols, p.capacities)).toBe(oracle.maxAssigned)
          if (oracle.feasible) expect(result.cost).toBe(oracle.cost)
        }),
        { numRuns: 300 },
      )
    })
  }

  for (const method of ['dense', 'sparse'] as Method[]) {
    it(`${method}: exact optimum against the Hungarian algorithm on medium matrices (many augmentations, negative costs)`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 20, max: 160 }),
          fc.integer({ min: 20, max: 160 }),
          fc.integer({ min: 1, max: 2 ** 30 }),
          fc.constantFrom(0, 0, 0.3, 0.8),
          fc.constantFrom(5, 100, 1000),
          fc.boolean(),
          fc.constantFrom(0, -500),
          (rows, cols, seed, forbidden, range, withCapacities, offset) => {
            let state = seed
            const next = () => {
              state = (Math.imul(state, 1103515245) + 12345) >>> 0
              return state / 2 ** 32
            }
            const costs = new Float64Array(rows * cols).map(() =>
              next() < forbidden ? Number.POSITIVE_INFINITY : offset + Math.floor(next() * range),
            )
            const capacities = new Uint32Array(cols).map(() => (withCapacities ? Math.floor(next() * 3) : 1))
            const options = withCapacities ? { capacities, method } : { method }
            const result = solveAssignment(costs, rows, cols, options)
            const oracle = hungarian(costs, rows, cols, capacities)
            expect(result.feasible).toBe(oracle.feasible)
            expect(result.cost).toBe(oracle.cost)
            expectValid(result, costs, rows, cols, capacities)
          },
        ),
        { numRuns: 100 },
      )
    })
  }

  it('picks the same optimum on either path for larger sparse matrices, and auto agrees', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 40, max: 90 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 1, max: 2 ** 30 }),
        (rows, extra, seed) => {
          const cols = rows + extra
          let state = seed
          const next = () => {
            state = (Math.imul(state, 1103515245) + 12345) >>> 0
            return state / 2 ** 32
          }
          const costs = new Float64Array(rows * cols).map(() =>
            next() < 0.85 ? Number.POSITIVE_INFINITY : 1 + Math.floor(next() * 100),
          )
          const dense = solveAssignment(costs, rows, cols, { method: 'dense' })
          const sparse = solveAssignment(costs, rows, cols, { method: 'sparse' })
          const auto = solveAssignment(costs, rows, cols)
          expect(sparse.feasible).toBe(dense.feasible)
          expect(auto.feasible).toBe(dense.feasible)
          if (dense.feasible) {
            expect(sparse.cost).toBe(dense.cost)
            expect(auto.cost).toBe(dense.cost)
          }
        },
      ),
      { numRuns: 40 },
    )
  })

  it('solves real-valued costs to the optimum the integer-scaled problem has', () => {
    // Costs k/8 are exact in binary, so the float solve must equal the integer one scaled back.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 2 ** 30 }), (n, seed) => {
        const ints = new Float64Array(n * n).map((_, e) => ((seed ^ (e * 2654435761)) >>> 0) % 4000)
        const scaled = ints.map((c) => c / 8)
        expect(solveAssignment(scaled, n, n).cost).toBe(solveAssignment(ints, n, n).cost / 8)
      }),
      { numRuns: 50 },
    )
  })
})

describe('solveAssignment shapes and infeasibility', () => {
  it('solves the documented example', () => {
    const result = solveAssignment(Float64Array.of(4, 1, 3, 2, 0, 5, 3, 2, 2), 3, 3)
    expect(result).toEqual({ feasible: true, cost: 5, rowToCol: Int32Array.of(1, 0, 2) })
  })

  it('uses every column when there are more rows than columns', () => {
    // Row 1 is the cheapest for both columns but can take only one.
    const result = solveAssignment(Float64Array.of(5, 9, 1, 1, 7, 4), 3, 2)
    expect(result.feasible).toBe(true)
    expect(result.cost).toBe(5)
    expect(Array.from(result.rowToCol)).toEqual([-1, 0, 1])
  })

  it('solves a tall matrix as its transpose (tiled transposition across tile edges)', () => {
    const [rows, cols] = [150, 70]
    const costs = new Float64Array(rows * cols).map((_, e) => ((e * 2654435761) >>> 0) % 1000)
    const transposed = new Float64Array(rows * cols)
    for (let i = 0; i < rows; i++) for (let c = 0; c < cols; c++) transposed[c * rows + i] = costs[i * cols + c]
    const tall = solveAssignment(costs, rows, cols)
    const wide = solveAssignment(transposed, cols, rows)
    expect(tall.cost).toBe(wide.cost)
    let sum = 0
    tall.rowToCol.forEach((c, i) => {
      if (c >= 0) sum += costs[i * cols + c]
    })
    expect(sum).toBe(tall.cost)
    expect(tall.rowToCol.filter((c) => c >= 0)).toHaveLength(cols)
  })

  it('gives a column several rows up to its capacity', () => {
    const result = solveAssignment(Float64Array.of(1, 5, 1, 5, 1, 5), 3, 2, { capacities: Uint32Array.of(2, 5) })
    expect(result.cost).toBe(7)
    expect(Array.from(result.rowToCol).filter((c) => c === 0)).toHaveLength(2)
  })

  it('treats empty problems as trivially feasible', () => {
    expect(solveAssignment(new Float64Array(0), 0, 0)).toEqual({ feasible: true, cost: 0, rowToCol: new Int32Array(0) })
    expect(solveAssignment(new Float64Array(0), 3, 0).rowToCol).toEqual(Int32Array.of(-1, -1, -1))
  })

  it('reports a row with no allowed column', () => {
    const inf = Number.POSITIVE_INFINITY
    const result = solveAssignment(Float64Array.of(1, 2, inf, inf, 3, 4), 3, 2)
    // 3 rows, 2 columns: every column can still be used, so this is feasible.
    expect(result.feasible).toBe(true)
    const square = solveAssignment(Float64Array.of(1, 2, inf, inf), 2, 2)
    expect(square.feasible).toBe(false)
    expect(square.cost).toBe(Number.POSITIVE_INFINITY)
    expect(square.reason).toBe(
      'no assignment covers every row: forbidden pairs (Infinity) leave at most 1 of 2 rows assignable; unassigned rows: 1',
    )
    expect(Array.from(square.rowToCol)).toEqual([0, -1])
  })

  it('reports rows competing for one column (Hall violation) and unusable columns', () => {
    const inf = Number.POSITIVE_INFINITY
    const hall = solveAssignment(Float64Array.of(1, inf, inf, 2, inf, inf, 3, 4, 5), 3, 3)
    expect(hall.feasible).toBe(false)
    expect(hall.rowToCol.filter((c) => c >= 0)).toHaveLength(2)
    const unusable = solveAssignment(Float64Array.of(1, inf, 2, inf, 3, inf), 3, 2)
    expect(unusable.feasible).toBe(false)
    expect(unusable.reason).toBe(
      'no assignment uses every column: forbidden pairs (Infinity) allow at most 1 of 2 column slots to be filled; columns left short: 1',
    )
  })

  it('reports exhausted capacity', () => {
    const result = solveAssignment(Float64Array.of(1, 2, 3, 4, 5, 6), 3, 2, { capacities: Uint32Array.of(1, 0) })
    expect(result.feasible).toBe(true) // 3 rows > 1 slot: the slot is filled
    const short = solveAssignment(Float64Array.of(1, 9, 2, 9), 2, 2, { capacities: Uint32Array.of(2, 0) })
    expect(short).toMatchObject({ feasible: true, cost: 3 })
    const none = solveAssignment(Float64Array.of(1, Number.POSITIVE_INFINITY), 1, 2, {
      capacities: Uint32Array.of(0, 1),
    })
    expect(none.feasible).toBe(false)
    expect(none.reason).toMatch(/forbidden pairs \(Infinity\) and column capacities/)
  })

  it('returns quickly on a large infeasible problem instead of searching forever', () => {
    const n = 300
    const costs = new Float64Array(n * n).fill(Number.POSITIVE_INFINITY)
    for (let i = 0; i < n; i++) costs[i * n] = i // everyone can only take column 0
    for (const method of ['dense', 'sparse'] as Method[]) {
      const result = solveAssignment(costs, n, n, { method })
      expect(result.feasible).toBe(false)
      expect(result.rowToCol.filter((c) => c >= 0)).toHaveLength(1)
    }
  })

  it('reuses one instance across growing and shrinking problems', () => {
    for (const n of [3, 200, 5, 400, 2]) {
      const costs = new Float64Array(n * n).map((_, e) => (e % (n + 1) === 0 ? 0 : 1 + (e % 7)))
      expect(solveAssignment(costs, n, n).cost).toBe(0)
    }
  })
})

describe('solveAssignment input errors', () => {
  it('rejects NaN and -Infinity with the position', () => {
    expect(() => solveAssignment(Float64Array.of(1, 2, Number.NaN, 4), 2, 2)).toThrow(
      new TypeError('solveAssignment: costs[2] (row 1, column 0) is NaN'),
    )
    expect(() => solveAssignment(Float64Array.of(1, Number.NEGATIVE_INFINITY), 1, 2)).toThrow(TypeError)
  })

  it('finds a bad cost in a large matrix on every path and shape', () => {
    for (const [rows, cols] of [
      [100, 100],
      [120, 80],
    ]) {
      const costs = new Float64Array(rows * cols).fill(Number.POSITIVE_INFINITY)
      for (let i = 0; i < rows; i++) costs[i * cols + (i % cols)] = 1
      costs[77 * cols + 5] = Number.NaN
      for (const method of ['auto', 'dense', 'sparse'] as const) {
        expect(() => solveAssignment(costs, rows, cols, { method })).toThrow(
          new TypeError(`solveAssignment: costs[${77 * cols + 5}] (row 77, column 5) is NaN`),
        )
      }
      costs[77 * cols + 5] = Number.NEGATIVE_INFINITY
      expect(() => solveAssignment(costs, rows, cols, { method: 'dense' })).toThrow(/is -Infinity/)
    }
  })

  it('rejects a wrong length or shape', () => {
    expect(() => solveAssignment(new Float64Array(5), 2, 3)).toThrow(
      new TypeError('solveAssignment: costs has 5 entries but rows * cols = 2 * 3 = 6'),
    )
    expect(() => solveAssignment(new Float64Array(4), -2, -2)).toThrow(/rows must be a non-negative integer/)
    expect(() => solveAssignment(new Float64Array(4), 2, 2.5)).toThrow(/cols must be a non-negative integer/)
    expect(() => solveAssignment([1, 2, 3, 4] as unknown as Float64Array, 2, 2)).toThrow(/must be a Float64Array/)
  })

  it('rejects bad capacities and methods', () => {
    expect(() => solveAssignment(new Float64Array(4), 2, 2, { capacities: Uint32Array.of(1) })).toThrow(
      /capacities has 1 entries, expected one per column \(2\)/,
    )
    expect(() => solveAssignment(new Float64Array(4), 2, 2, { capacities: [1, 1] as unknown as Uint32Array })).toThrow(
      /capacities must be a Uint32Array/,
    )
    expect(() => solveAssignment(new Float64Array(4), 2, 2, { method: 'fast' as unknown as 'auto' })).toThrow(
      /method must be/,
    )
  })
})
