// The scoring kernel records a flushed batch of completions in one call into WASM: it must hold exactly what
// recording them one by one holds. Its cells are kind-major; each (slot, kind) must stay apart from the others.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createScoringKernel } from '../src/wasm/kernel.js'

const capacity = 6
const kinds = 3
const weights = { speed: 0.5, consistency: 0.2, success: 0.3 }

describe('scoring kernel batches', () => {
  it('recordCompletions equals recordCompletion one by one, over batches larger than the staging area (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            slot: fc.nat({ max: capacity - 1 }),
            kind: fc.nat({ max: kinds - 1 }),
            ms: fc.double({ min: 0, max: 1e5, noNaN: true }),
          }),
          { maxLength: 300 },
        ),
        fc.integer({ min: 1, max: 20 }),
        (completions, copies) => {
          // Repeat the list so some runs exceed the kernel's staging capacity (4096) in one call.
          const all = Array.from({ length: copies > 15 ? 15 : 1 }, () => completions).flat()
          const one = createScoringKernel(capacity, kinds)
          const batched = createScoringKernel(capacity, kinds)
          for (const c of all) one.recordCompletion(c.slot, c.kind, c.ms)
          batched.recordCompletions(
            Uint32Array.from(all, (c) => c.slot),
            Uint32Array.from(all, (c) => c.kind),
            Float64Array.from(all, (c) => c.ms),
            all.length,
          )
          for (let s = 0; s < capacity; s++) {
            one.setLive(s, true)
            batched.setLive(s, true)
            for (let k = 0; k < kinds; k++) {
              expect(batched.kindCompleted(s, k)).toBe(one.kindCompleted(s, k))
              expect(batched.kindMeanMs(s, k)).toBe(one.kindMeanMs(s, k))
            }
          }
          // Consistency reads the sums of squares, which no view exposes: the scores compare them.
          expect(batched.score(capacity, kinds, 5, weights)).toBe(one.score(capacity, kinds, 5, weights))
          for (let s = 0; s < capacity; s++) expect(batched.consistency(s)).toBe(one.consistency(s))
          one.dispose()
          batched.dispose()
        },
      ),
      { numRuns: 60 },
    )
  })

  it('keeps each (slot, kind) apart, and a reset forgets one slot only, against a plain model (property)', () => {
    const opArb = fc.oneof(
      fc.record({
        complete: fc.nat({ max: capacity - 1 }),
        kind: fc.nat({ max: kinds - 1 }),
        ms: fc.integer({ min: 0, max: 999 }),
      }),
      fc.record({ fail: fc.nat({ max: capacity - 1 }), kind: fc.nat({ max: kinds - 1 }) }),
      fc.record({ reset: fc.nat({ max: capacity - 1 }) }),
    )
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const kernel = createScoringKernel(capacity, kinds)
        const model = Array.from({ length: capacity * kinds }, () => ({ completed: 0, failed: 0, sumMs: 0 }))
        for (const op of ops) {
          if ('complete' in op) {
            kernel.recordCompletion(op.complete, op.kind, op.ms)
            const cell = model[op.complete * kinds + op.kind]
            cell.completed++
            cell.sumMs += op.ms
          } else if ('fail' in op) {
            kernel.recordFailure(op.fail, op.kind)
            model[op.fail * kinds + op.kind].failed++
          } else {
            kernel.resetSlot(op.reset)
            for (let k = 0; k < kinds; k++) model[op.reset * kinds + k] = { completed: 0, failed: 0, sumMs: 0 }
          }
        }
        for (let s = 0; s < capacity; s++) {
          for (let k = 0; k < kinds; k++) {
            const cell = model[s * kinds + k]
            expect(kernel.kindCompleted(s, k)).toBe(cell.completed)
            expect(kernel.kindFailed(s, k)).toBe(cell.failed)
            if (cell.completed > 0) expect(kernel.kindMeanMs(s, k)).toBeCloseTo(cell.sumMs / cell.completed, 9)
            else expect(kernel.kindMeanMs(s, k)).toBeNaN()
          }
        }
        kernel.dispose()
      }),
      { numRuns: 200 },
    )
  })

  it('records only the first `count` entries of the arrays', () => {
    const k = createScoringKernel(2, 1)
    k.recordCompletions(Uint32Array.of(0, 1), Uint32Array.of(0, 0), Float64Array.of(10, 20), 1)
    expect(k.kindCompleted(0, 0)).toBe(1)
    expect(k.kindCompleted(1, 0)).toBe(0)
    k.dispose()
  })
})
