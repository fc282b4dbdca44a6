// The rebalancer compares each agent with the median of the rest of the fleet. The oracle sorts the list, leaves
// the agent's own value out and takes the median; the selection of three middle values must agree exactly.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { AgentSnapshot } from '../src/model/snapshot.js'
import { FleetServiceMeans, medianWithout, middleOf } from '../src/strategies/fleet-service-means.js'

function medianOfRest(values: number[], own: number): number | null {
  const rest = [...values].sort((a, b) => a - b)
  rest.splice(rest.indexOf(own), 1)
  if (rest.length === 0) return null
  const mid = rest.length >> 1
  return rest.length % 2 === 1 ? rest[mid] : (rest[mid - 1] + rest[mid]) / 2
}

/** The evacuation check's slowness as the rebalancer computed it before: sorted lists, read from every entry. */
function slownessFromScratch(agents: AgentSnapshot[], agent: AgentSnapshot, minSamples: number): number | null {
  const live = agents.filter((a) => a.state !== 'left')
  const listOf = (kind: string) =>
    live.flatMap((a) => {
      const stats = a.byKind[kind]
      return stats && stats.completed > 0 && stats.meanServiceMs !== null ? [stats.meanServiceMs] : []
    })
  if (agent.tasksCompleted < minSamples) return null
  let own = 0
  let reference = 0
  let samples = 0
  for (const kind in agent.byKind) {
    const stats = agent.byKind[kind]
    if (stats.completed === 0 || stats.meanServiceMs === null) continue
    const ref = medianOfRest(listOf(kind), stats.meanServiceMs)
    if (ref === null) continue
    own += stats.completed * stats.meanServiceMs
    reference += stats.completed * ref
    samples += stats.completed
  }
  if (samples >= minSamples && reference > 0) return own / reference
  const mean = agent.serviceMs.mean
  if (mean === null) return null
  const overall = live.flatMap((a) => (a.serviceMs.mean !== null && a.tasksCompleted > 0 ? [a.serviceMs.mean] : []))
  const ref = medianOfRest(overall, mean)
  return ref !== null && ref > 0 ? mean / ref : null
}

/** An agent entry with what the evacuation check reads; kinds named so some sort as integers ('7') first. */
const kindNames = ['plan', 'code', '7', 'test', 'review', 'x']
const entryArb = fc
  .record({
    left: fc.integer({ min: 0, max: 6 }).map((n) => n === 0),
    kinds: fc.array(
      fc.record({
        kind: fc.constantFrom(...kindNames),
        completed: fc.nat({ max: 6 }),
        mean: fc.option(fc.integer({ min: 1, max: 5 }), { nil: null }),
      }),
      { maxLength: 6 },
    ),
    failed: fc.nat({ max: 5 }),
  })
  .map(({ left, kinds, failed }): AgentSnapshot => {
    const byKind: AgentSnapshot['byKind'] = {}
    let completed = 0
    let sum = 0
    for (const k of kinds) {
      byKind[k.kind] = { completed: k.completed, failed: 0, meanServiceMs: k.completed > 0 ? k.mean : null }
      completed += k.completed
      sum += k.completed * (k.mean ?? 1)
    }
    const mean = completed > 0 ? sum / completed : null
    return {
      agentId: 'a',
      state: left ? 'left' : 'idle',
      tasksCompleted: completed,
      tasksFailed: failed,
      successRate: completed + failed > 0 ? completed / (completed + failed) : 1,
      serviceMs: { p50: null, p90: null, p95: null, p99: null, mean },
      byKind,
    } as unknown as AgentSnapshot
  })

describe('fleet service means', () => {
  it('reads each agent as a check from scratch would, across snapshots that hand entries on (property)', () => {
    // Each step keeps some entries (the same objects), replaces others, and grows or shrinks the fleet.
    const stepArb = fc.record({
      replace: fc.array(fc.tuple(fc.nat({ max: 11 }), entryArb), { maxLength: 6 }),
      added: fc.array(entryArb, { maxLength: 3 }),
      length: fc.integer({ min: 0, max: 12 }),
    })
    fc.assert(
      fc.property(
        fc.array(entryArb, { maxLength: 12 }),
        fc.array(stepArb, { maxLength: 6 }),
        fc.integer({ min: 1, max: 4 }),
        (first, steps, minSamples) => {
          const fleet = new FleetServiceMeans()
          let agents = first
          const check = () => {
            fleet.update(agents)
            agents.forEach((agent, i) => {
              expect(fleet.isLive(i)).toBe(agent.state !== 'left')
              expect(fleet.finishedAt(i)).toBe(agent.tasksCompleted + agent.tasksFailed)
              expect(fleet.successRateAt(i)).toBe(agent.successRate)
              if (agent.state !== 'left')
                expect(fleet.slownessAt(i, minSamples)).toBe(slownessFromScratch(agents, agent, minSamples))
            })
          }
          check()
          for (const step of steps) {
            const next = [...agents].slice(0, step.length)
            for (const [at, entry] of step.replace) if (next.length > 0) next[at % next.length] = entry
            agents = [...next, ...step.added]
            check()
          }
        },
      ),
      { numRuns: 500 },
    )
  })

  it('gives the median of the rest of the list for every member (property)', () => {
    // Few distinct values (ties around the middle) as well as spread ones.
    const valueArb = fc.oneof(fc.integer({ min: 1, max: 4 }), fc.double({ min: 1, max: 1e6, noNaN: true }))
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 1, maxLength: 60 }), (values) => {
        const middle = middleOf(Float64Array.from(values))
        expect(middle.n).toBe(values.length)
        for (const own of values) expect(medianWithout(middle, own)).toBe(medianOfRest(values, own))
      }),
      { numRuns: 2000 },
    )
  })

  it('finds the middle of sorted, reversed and constant lists', () => {
    const n = 100_001
    for (const values of [
      Float64Array.from({ length: n }, (_, i) => i),
      Float64Array.from({ length: n }, (_, i) => n - i),
      new Float64Array(n).fill(7),
    ]) {
      const sorted = Float64Array.from(values).sort()
      const m = (n - 1) >> 1
      expect(middleOf(values)).toEqual({ n, below: sorted[m - 1], at: sorted[m], above: sorted[m + 1] })
    }
    expect(medianWithout(middleOf(new Float64Array(0)), 1)).toBeNull()
    expect(medianWithout(middleOf(Float64Array.of(3)), 3)).toBeNull()
  })
})
