import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type AnalysisConfigInput, createAnalysis } from '../src/analysis/index.js'
import type { Alert } from '../src/model/finding.js'
import { agent, snapshot } from './fixtures/analysis-snapshot.js'

/** Drives one analysis through ticks of virtual (event) time: [at, p95] pairs. */
function run(config: AnalysisConfigInput, ticks: Array<[number, number | null]>) {
  const analysis = createAnalysis(config)
  const transitions: Alert[] = []
  const firing: Alert[][] = []
  for (const [at, p95] of ticks) {
    const r = analysis.evaluate(snapshot({ at, swarm: { responseMs: { p95 } } }), [])
    transitions.push(...r.alertTransitions)
    firing.push(r.alerts)
  }
  return { transitions, firing }
}

const rule = {
  id: 'p95',
  metric: 'swarm.responseMs.p95',
  op: '>' as const,
  threshold: 1000,
  forMs: 30_000,
  cooldownMs: 60_000,
  severity: 'critical' as const,
}

describe('alerts with hysteresis on event time', () => {
  it('fires only after the condition held forMs, with the value that crossed and when it began', () => {
    const { transitions, firing } = run({ alerts: [rule] }, [
      [0, 500],
      [10_000, 1500],
      [20_000, 1600],
      [39_999, 1700],
      [40_000, 1800],
      [50_000, 1900],
    ])
    expect(transitions).toEqual([
      {
        ruleId: 'p95',
        state: 'firing',
        severity: 'critical',
        metric: 'swarm.responseMs.p95',
        value: 1800,
        threshold: 1000,
        since: 10_000,
        at: 40_000,
      },
    ])
    expect(firing.map((f) => f.length)).toEqual([0, 0, 0, 0, 1, 1])
    expect(firing[5][0]).toMatchObject({ state: 'firing', value: 1900, since: 10_000, at: 50_000 })
  })

  it('does not fire when the condition breaks before forMs', () => {
    const { transitions } = run({ alerts: [rule] }, [
      [0, 1500],
      [20_000, 1500],
      [25_000, 900],
      [30_000, 1500],
      [50_000, 1500],
    ])
    expect(transitions).toEqual([])
  })

  it('resolves on the first tick the condition stops holding, with that value', () => {
    const { transitions } = run({ alerts: [rule] }, [
      [0, 1500],
      [30_000, 1500],
      [40_000, 800],
    ])
    expect(transitions.map((t) => [t.state, t.value, t.since, t.at])).toEqual([
      ['firing', 1500, 0, 30_000],
      ['resolved', 800, 40_000, 40_000],
    ])
  })

  it('does not fire again within cooldownMs of resolving, then fires once it has passed', () => {
    const { transitions } = run({ alerts: [rule] }, [
      [0, 1500],
      [30_000, 1500], // fires
      [40_000, 800], // resolves
      [50_000, 1500],
      [80_000, 1500], // held 30 s but only 40 s since resolving: cooldown
      [99_999, 1500],
      [100_000, 1500], // 60 s after resolving: fires
    ])
    expect(transitions.map((t) => [t.state, t.at])).toEqual([
      ['firing', 30_000],
      ['resolved', 40_000],
      ['firing', 100_000],
    ])
  })

  it('a tick without the metric changes nothing', () => {
    const { transitions } = run({ alerts: [rule] }, [
      [0, 1500],
      [20_000, null],
      [30_000, 1500],
    ])
    expect(transitions.map((t) => [t.state, t.since])).toEqual([['firing', 0]])
  })

  it('supports <, <= and >= and forMs 0', () => {
    const low = { ...rule, id: 'low', op: '<' as const, threshold: 100, forMs: 0, cooldownMs: 0 }
    const { transitions } = run({ alerts: [low] }, [
      [0, 100],
      [1, 99],
      [2, 100],
    ])
    expect(transitions.map((t) => t.state)).toEqual(['firing', 'resolved'])
  })

  it('per-agent rules keep one alert per live agent and resolve when the agent leaves', () => {
    const analysis = createAnalysis({
      alerts: [{ id: 'agent-p95', metric: 'agents.*.serviceMs.p95', op: '>', threshold: 5000, forMs: 0 }],
    })
    const slow = (state: 'busy' | 'left') => agent('a1', { state, serviceMs: { p95: 9000 } })
    const fast = agent('a2', { serviceMs: { p95: 100 } })
    const first = analysis.evaluate(snapshot({ at: 0, agents: [slow('busy'), fast] }), [])
    expect(first.alertTransitions).toEqual([
      expect.objectContaining({
        ruleId: 'agent-p95',
        agentId: 'a1',
        metric: 'agents.a1.serviceMs.p95',
        state: 'firing',
        value: 9000,
      }),
    ])
    const left = analysis.evaluate(snapshot({ at: 1000, agents: [slow('left'), fast] }), [])
    expect(left.alerts).toEqual([])
    expect(left.alertTransitions).toEqual([expect.objectContaining({ agentId: 'a1', state: 'resolved', value: null })])
  })

  it('keeps the cooldown of an agent that leaves and comes back', () => {
    const analysis = createAnalysis({
      alerts: [
        { id: 'agent-p95', metric: 'agents.*.serviceMs.p95', op: '>', threshold: 5000, forMs: 0, cooldownMs: 5000 },
      ],
    })
    const slow = (state: 'busy' | 'left') => agent('a1', { state, serviceMs: { p95: 9000 } })
    const states = (at: number, state: 'busy' | 'left') =>
      analysis.evaluate(snapshot({ at, agents: [slow(state)] }), []).alertTransitions.map((a) => a.state)
    expect(states(2000, 'busy')).toEqual(['firing'])
    expect(states(5000, 'left')).toEqual(['resolved'])
    expect(states(6000, 'left')).toEqual([])
    // Back at 8000, still slow: within 5 s of resolving, so it does not fire again until 10000.
    expect(states(8000, 'busy')).toEqual([])
    expect(states(10_000, 'busy')).toEqual(['firing'])
  })
})

describe('alert hysteresis properties', () => {
  it('alternates firing/resolved, fires only after forMs held and outside the cooldown, and never misses a due firing', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ dt: fc.integer({ min: 1, max: 20_000 }), value: fc.option(fc.integer({ min: 0, max: 2000 })) }),
          {
            minLength: 1,
            maxLength: 80,
          },
        ),
        fc.integer({ min: 0, max: 40_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (steps, forMs, cooldownMs) => {
          let at = 0
          const ticks = steps.map((s) => [(at += s.dt), s.value] as [number, number | null])
          const { transitions, firing } = run({ alerts: [{ ...rule, forMs, cooldownMs }] }, ticks)
          let state: 'firing' | 'resolved' = 'resolved'
          let resolvedAt: number | null = null
          let holdingSince: number | null = null
          for (const [i, [t, value]] of ticks.entries()) {
            const here = transitions.filter((x) => x.at === t)
            if (value !== null) holdingSince = value > rule.threshold ? (holdingSince ?? t) : null
            for (const x of here) {
              expect(x.state).not.toBe(state)
              state = x.state
              if (x.state === 'firing') {
                expect(value).toBeGreaterThan(rule.threshold)
                expect(x.at - x.since).toBeGreaterThanOrEqual(forMs)
                if (resolvedAt !== null) expect(x.at - resolvedAt).toBeGreaterThanOrEqual(cooldownMs)
              } else {
                expect(value).not.toBeNull()
                expect(value!).toBeLessThanOrEqual(rule.threshold)
                resolvedAt = x.at
              }
            }
            // Due on a tick with a value (a tick without one changes nothing).
            const due =
              value !== null &&
              holdingSince !== null &&
              t - holdingSince >= forMs &&
              (resolvedAt === null || t - resolvedAt >= cooldownMs)
            if (due) expect(state).toBe('firing')
            expect(firing[i].length).toBe(state === 'firing' ? 1 : 0)
          }
        },
      ),
    )
  })
})

describe('SLAs', () => {
  it('reports compliance as the share of evaluated ticks over the window', () => {
    const analysis = createAnalysis({
      slas: [
        { id: 'resp', metric: 'swarm.responseMs.p95', op: '<', threshold: 1000, windowMs: 40_000, objective: 0.75 },
      ],
    })
    const tick = (at: number, p95: number | null) =>
      analysis.evaluate(snapshot({ at, swarm: { responseMs: { p95 } } }), []).sla[0]
    expect(tick(0, 500)).toMatchObject({ compliance: 1, met: true, evaluated: 1 })
    expect(tick(10_000, 1500)).toMatchObject({ compliance: 0.5, met: false, evaluated: 2 })
    expect(tick(20_000, null)).toMatchObject({ compliance: 0.5, evaluated: 2 })
    expect(tick(30_000, 500)).toMatchObject({ compliance: 2 / 3, met: false })
    expect(tick(40_000, 500)).toMatchObject({ compliance: 2 / 3, evaluated: 3 }) // the tick at 0 left the window
    expect(tick(50_000, 500)).toMatchObject({ compliance: 1, met: true, evaluated: 3 })
    expect(tick(60_000, 500).objective).toBe('swarm.responseMs.p95 < 1,000 in 75% of ticks over 0.67 min')
    // A second snapshot at the same time (the final one when a stream ends on a tick) replaces the first.
    expect(tick(60_000, 1500)).toMatchObject({ compliance: 0.75, evaluated: 4 })
    expect(tick(60_000, null)).toMatchObject({ compliance: 1, evaluated: 3 })
  })
})
