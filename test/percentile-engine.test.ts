import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { createPercentileEngine, type PercentileEngine } from '../src/engine/percentile-engine.js'
import { ConfigError } from '../src/model/errors.js'
import { mulberry32 as prng } from '../src/sim/mulberry32.js'

const qs = [0, 0.5, 0.9, 0.95, 0.99, 0.999, 1]

/** The issue's definition: the smallest value v with at least ceil(q n) values <= v; q = 0 is the minimum. */
function nearestRank(sorted: Float64Array, q: number): number {
  return sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]
}

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

const datasets: Record<string, (random: () => number) => number[]> = {
  lognormal: (r) => Array.from({ length: 100_000 }, () => 100 * Math.exp(1.5 * normal(r))),
  pareto: (r) => Array.from({ length: 100_000 }, () => 1 / (1 - r()) ** (1 / 1.5)),
  bimodal: (r) =>
    Array.from({ length: 100_000 }, () =>
      r() < 0.7 ? Math.max(0.01, 5 + normal(r)) : Math.max(0.01, 500 + 80 * normal(r)),
    ),
  constant: () => Array.from({ length: 1000 }, () => 42.5),
  'one sample': () => [7.25],
  'two samples': () => [3, 3000],
}

const engines: PercentileEngine[] = []
function engine(options?: Parameters<typeof createPercentileEngine>[0]): PercentileEngine {
  const e = createPercentileEngine(options)
  engines.push(e)
  return e
}
afterEach(() => {
  for (const e of engines.splice(0)) e.dispose()
})

function expectWithin(estimate: number, exact: number, bound: number) {
  // The bound is relative to the exact value; 1e-12 absorbs the last bit of a float product.
  expect(Math.abs(estimate - exact)).toBeLessThanOrEqual(bound * exact * (1 + 1e-12))
}

describe('percentile engine accuracy', () => {
  it('documents a worst-case bound of 2^-8 for the default relativeError 0.004', () => {
    expect(engine().relativeErrorBound).toBe(2 ** -8)
    expect(engine({ relativeError: 0.01 }).relativeErrorBound).toBe(2 ** -7)
    expect(engine({ relativeError: 2 ** -11 }).relativeErrorBound).toBe(2 ** -11)
  })

  for (const [name, make] of Object.entries(datasets)) {
    it(`stays within the bound of exact nearest rank on ${name} data, for ${qs.join(', ')}`, () => {
      const values = make(prng(name.length * 7919))
      const e = engine()
      const agents = new Uint32Array(values.length).fill(5)
      e.recordBatch(agents, Float64Array.from(values))
      const sorted = Float64Array.from(values).sort()
      expect(e.count(5)).toBe(values.length)
      const answers = e.quantiles(5, qs)
      qs.forEach((q, i) => {
        expectWithin(answers[i], nearestRank(sorted, q), e.relativeErrorBound)
        expect(e.quantile(5, q)).toBe(answers[i])
      })
      // q = 0 and q = 1 are the exact minimum and maximum.
      expect(answers[0]).toBe(sorted[0])
      expect(answers[qs.length - 1]).toBe(sorted[sorted.length - 1])
    })
  }

  it('holds a finer bound when asked (relativeError 0.001 -> 2^-10)', () => {
    const values = datasets.lognormal(prng(3))
    const e = engine({ relativeError: 0.001 })
    for (const v of values) e.record(0, v)
    const sorted = Float64Array.from(values).sort()
    for (const q of qs) expectWithin(e.quantile(0, q), nearestRank(sorted, q), 2 ** -10)
  })

  it('answers many quantiles in one call exactly as one at a time (more than one staging buffer of qs)', () => {
    const e = engine()
    const random = prng(9)
    for (let i = 0; i < 5000; i++) e.record(2, 100 * Math.exp(1.5 * normal(random)))
    const probes = Array.from({ length: 600 }, () => random())
    const answers = e.quantiles(2, probes)
    probes.forEach((q, i) => {
      expect(answers[i]).toBe(e.quantile(2, q))
    })
  })

  it('returns NaN for an agent with no sample in the window', () => {
    const e = engine()
    expect(e.quantile(0, 0.5)).toBeNaN()
    expect(e.fleetQuantile(0.5)).toBeNaN()
    expect([...e.quantiles(1, [0.5, 0.99])]).toEqual([Number.NaN, Number.NaN])
    expect(e.count(0)).toBe(0)
  })

  it('promotes a saturated 16-bit counter exactly (70,000 values in one bin, then rotated into the aggregate)', () => {
    const e = engine({ windowMs: 6000, slots: 6 })
    const agents = new Uint32Array(70_000)
    const values = new Float64Array(70_000).fill(5)
    e.recordBatch(agents, values, undefined, 0)
    e.record(0, 10)
    expect(e.count(0)).toBe(70_001)
    expectWithin(e.quantile(0, 70_000 / 70_001), 5, e.relativeErrorBound)
    expect(e.quantile(0, 1)).toBe(10)
    e.advanceTo(1000)
    e.recordBatch(agents, values, undefined, 1000)
    expect(e.count(0)).toBe(140_001)
    expectWithin(e.quantile(0, 140_000 / 140_001), 5, e.relativeErrorBound)
    expect(e.quantile(0, 1)).toBe(10)
    e.advanceTo(6000) // the first slot expires
    expect(e.count(0)).toBe(70_000)
    expect(e.quantile(0, 1)).toBe(5)
  })
})

describe('percentile engine properties', () => {
  it('keeps exact counts when narrow counters overflow in slots and in the aggregate (duplicates across rotations)', () => {
    const random = prng(5)
    const distinct = [0.5, 2, 2.001, 80, 1500]
    const windowed = engine({ windowMs: 6000, slots: 6, capacity: 2 })
    const events = Array.from({ length: 40_000 }, (_, i) => ({
      at: Math.floor(i / 2000) * 1000,
      value: distinct[Math.floor(random() ** 3 * distinct.length)],
    }))
    for (const { at, value } of events) windowed.record(1, value, at)
    const end = events[events.length - 1].at
    const kept = events.filter((e) => e.at > end - 6000).map((e) => e.value)
    const sorted = Float64Array.from(kept).sort()
    const fresh = engine({ capacity: 1 })
    for (const v of kept) fresh.record(0, v)
    expect(windowed.count(1)).toBe(kept.length)
    for (const q of [0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1]) {
      expect(windowed.quantile(1, q)).toBe(fresh.quantile(0, q))
      expectWithin(windowed.quantile(1, q), nearestRank(sorted, q), windowed.relativeErrorBound)
    }
  })

  const value = fc.double({ min: 0.001, max: 3_600_000, noNaN: true })

  it('any data and any q stay within the bound of exact nearest rank', () => {
    const e = engine({ capacity: 2 })
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 300 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (data, q) => {
          e.release(1)
          for (const v of data) e.record(1, v)
          const sorted = Float64Array.from(data).sort()
          expectWithin(e.quantile(1, q), nearestRank(sorted, q), e.relativeErrorBound)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('fleetQuantile equals recording everything into one agent', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), value), { minLength: 1, maxLength: 400 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 8 }),
        (pairs, probes) => {
          const fleet = createPercentileEngine({ capacity: 16 })
          const single = createPercentileEngine({ capacity: 1 })
          try {
            for (const [agent, v] of pairs) {
              fleet.record(agent, v)
              single.record(0, v)
            }
            for (const q of probes) expect(fleet.fleetQuantile(q)).toBe(single.quantile(0, q))
          } finally {
            fleet.dispose()
            single.dispose()
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it('window expiry forgets exactly the samples of expired slots', () => {
    const slotMs = 1000
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20 * slotMs }), value), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 10 * slotMs }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (events, extraMs, probes) => {
          events.sort((a, b) => a[0] - b[0])
          const windowed = createPercentileEngine({ windowMs: 6 * slotMs, slots: 6, capacity: 1 })
          const survivors = createPercentileEngine({ windowMs: 6 * slotMs, slots: 6, capacity: 1 })
          try {
            for (const [at, v] of events) windowed.record(0, v, at)
            const endMs = events[events.length - 1][0] + extraMs
            windowed.advanceTo(endMs)
            const firstLiveSlot = Math.floor(endMs / slotMs) - 5
            const kept = events.filter(([at]) => Math.floor(at / slotMs) >= firstLiveSlot).map(([, v]) => v)
            for (const v of kept) survivors.record(0, v)
            expect(windowed.count(0)).toBe(kept.length)
            const sorted = Float64Array.from(kept).sort()
            for (const q of probes) {
              const answer = windowed.quantile(0, q)
              expect(answer).toBe(survivors.quantile(0, q))
              if (kept.length === 0) expect(answer).toBeNaN()
              else expectWithin(answer, nearestRank(sorted, q), windowed.relativeErrorBound)
            }
          } finally {
            windowed.dispose()
            survivors.dispose()
          }
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('percentile engine memory', () => {
  it('1,000,000 record/release cycles over many slots leave memoryBytes unchanged', () => {
    const e = engine({ capacity: 4096 })
    const random = prng(11)
    const cycle = (i: number) => {
      const agent = (i * 7) % 4096
      e.record(agent, 0.001 * 10 ** (random() * 9))
      e.record(agent, 1 + random() * 1000)
      e.release((agent + 2048) % 4096)
    }
    for (let i = 0; i < 20_000; i++) cycle(i)
    const settled = e.memoryBytes()
    for (let i = 20_000; i < 1_020_000; i++) cycle(i)
    expect(e.memoryBytes()).toBe(settled)
  })

  it('takes memory per agent on first use, not for the whole capacity up front', () => {
    const e = engine({ capacity: 4096 })
    const empty = e.memoryBytes()
    expect(empty).toBeLessThan(512 * 1024)
    for (let agent = 0; agent < 100; agent++) e.record(agent, 50)
    expect(e.memoryBytes()).toBeGreaterThan(empty)
    expect(e.memoryBytes()).toBeLessThan(empty + 100 * 8 * 1024)
  })

  it('a released slot starts empty and is reusable', () => {
    const e = engine({ capacity: 3 })
    e.record(2, 10)
    e.release(2)
    expect(e.count(2)).toBe(0)
    expect(e.quantile(2, 0.5)).toBeNaN()
    e.record(2, 20)
    expect(e.quantile(2, 0.5)).toBe(20)
  })
})

describe('percentile engine bad input', () => {
  it('rejects options with one ConfigError naming every wrong field', () => {
    let error: unknown
    try {
      createPercentileEngine({ relativeError: 0, slots: 0, capacity: 1.5, windowMs: -1 })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    const config = error as ConfigError
    expect(config.code).toBe('CONFIG_INVALID')
    expect(config.issues.map((i) => i.path).sort()).toEqual(['capacity', 'relativeError', 'slots', 'windowMs'])
    expect(() => createPercentileEngine({ minValueMs: 10, maxValueMs: 5 })).toThrow(/maxValueMs/)
    expect(() => createPercentileEngine({ bogus: 1 } as never)).toThrow(ConfigError)
  })

  it('throws a RangeError naming the slot and the capacity for a slot out of range', () => {
    const e = engine({ capacity: 8 })
    for (const agent of [8, -1, 2.5, Number.NaN, 2 ** 32]) {
      expect(() => e.record(agent, 1)).toThrow(RangeError)
      expect(() => e.record(agent, 1)).toThrow(`agent slot ${agent} is out of range: capacity is 8`)
      expect(() => e.quantile(agent, 0.5)).toThrow(RangeError)
      expect(() => e.quantiles(agent, [0.5])).toThrow(RangeError)
      expect(() => e.count(agent)).toThrow(RangeError)
      expect(() => e.release(agent)).toThrow(RangeError)
    }
  })

  it('recordBatch throws at the first bad slot, naming it, keeps what came before and touches no other agent', () => {
    const e = engine({ capacity: 8 })
    e.record(3, 100)
    const agents = Uint32Array.from([1, 1, 9, 1, 3])
    const values = Float64Array.from([5, 6, 7, 8, 1])
    expect(() => e.recordBatch(agents, values)).toThrow('agent slot 9 (at index 2) is out of range: capacity is 8')
    expect(e.count(1)).toBe(2)
    expect(e.count(3)).toBe(1)
    expect(e.quantile(3, 0)).toBe(100)
    expect(() => e.recordBatch(agents, values, 6)).toThrow(RangeError)
  })

  it('rejects NaN, negative and infinite values, counts them, and never corrupts another agent', () => {
    const e = engine({ capacity: 4 })
    e.record(0, 12)
    e.record(1, 30)
    for (const bad of [Number.NaN, -1, -0.001, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) e.record(1, bad)
    e.recordBatch(Uint32Array.from([0, 1, 2]), Float64Array.from([Number.NaN, -5, Number.POSITIVE_INFINITY]))
    expect(e.rejected()).toBe(8)
    expect(e.count(0)).toBe(1)
    expect(e.count(1)).toBe(1)
    expect(e.count(2)).toBe(0)
    expect(e.quantile(0, 0.5)).toBe(12)
    expect(e.quantile(1, 0.5)).toBe(30)
    expect(e.fleetQuantile(1)).toBe(30)
  })

  it('clamps values outside [minValueMs, maxValueMs] to the bound and counts them', () => {
    const e = engine({ minValueMs: 1, maxValueMs: 1000 })
    e.record(0, 0)
    e.record(0, 0.5)
    e.record(0, 5000)
    e.record(0, 10)
    expect(e.clamped()).toBe(3)
    expect(e.count(0)).toBe(4)
    expect(e.quantile(0, 0)).toBe(1)
    expect(e.quantile(0, 1)).toBe(1000)
  })

  it('refuses a quantile outside [0, 1], a non-finite event time, and any use after dispose', () => {
    const e = createPercentileEngine()
    expect(() => e.quantile(0, 1.5)).toThrow(RangeError)
    expect(() => e.fleetQuantile(Number.NaN)).toThrow(RangeError)
    expect(() => e.quantiles(0, [0.5, -0.1])).toThrow(RangeError)
    expect(() => e.advanceTo(Number.NaN)).toThrow(RangeError)
    e.dispose()
    expect(() => e.record(0, 1)).toThrow(/after dispose/)
    expect(e.memoryBytes()).toBe(0)
  })

  it('never moves event time backwards', () => {
    const e = engine({ windowMs: 6000, slots: 6 })
    e.record(0, 1, 10_000)
    e.record(0, 2, 3_000) // late: counted in the current slot
    e.advanceTo(15_999)
    expect(e.count(0)).toBe(2)
    e.advanceTo(16_000)
    expect(e.count(0)).toBe(0)
  })
})
