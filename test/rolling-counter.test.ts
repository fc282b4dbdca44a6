// The rolling counter's sums, and the slots it reports as having lost samples when the window moves, against a
// list of every add kept with its sub-window.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { RollingCounter } from '../src/monitor/rolling-counter.js'

const capacity = 4
const subWindows = 3
const subWindowMs = 100

describe('RollingCounter', () => {
  it('sums the window and names exactly the slots whose adds (zeros included) fell out of it (property)', () => {
    const stepArb = fc.oneof(
      fc.record({ add: fc.nat({ max: capacity - 1 }), value: fc.constantFrom(0, 1, 2.5) }),
      fc.record({ advanceMs: fc.oneof(fc.integer({ min: 0, max: 150 }), fc.integer({ min: 250, max: 700 })) }),
    )
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const counter = new RollingCounter(capacity, subWindows, subWindowMs)
        let now = 1000
        counter.advanceTo(now)
        const adds: Array<{ slot: number; value: number; window: number }> = []
        const windowOf = (ms: number) => Math.floor(ms / subWindowMs)
        for (const step of steps) {
          if ('add' in step) {
            counter.add(step.add, step.value)
            adds.push({ slot: step.add, value: step.value, window: windowOf(now) })
            continue
          }
          const before = windowOf(now)
          now += step.advanceMs
          const expired = new Uint8Array(capacity)
          counter.advanceTo(now, expired)
          const oldest = windowOf(now) - subWindows + 1
          const lost = new Set(
            adds.filter((a) => a.window < oldest && a.window >= before - subWindows + 1).map((a) => a.slot),
          )
          for (let slot = 0; slot < capacity; slot++) expect(expired[slot], `slot ${slot}`).toBe(lost.has(slot) ? 1 : 0)
        }
        const oldest = windowOf(now) - subWindows + 1
        for (let slot = 0; slot < capacity; slot++) {
          const sum = adds.filter((a) => a.slot === slot && a.window >= oldest).reduce((s, a) => s + a.value, 0)
          expect(counter.get(slot)).toBeCloseTo(sum, 9)
        }
      }),
      { numRuns: 300 },
    )
  })
})
