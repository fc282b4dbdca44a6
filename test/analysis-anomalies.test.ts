import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { holt } from '../src/analysis/holt.js'
import { createAnalysis } from '../src/analysis/index.js'
import { RobustAnomalyDetector, type RobustAnomalyOptions } from '../src/analysis/robust-anomaly.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import { mulberry32 as rng } from '../src/sim/mulberry32.js'
import { agent, snapshot } from './fixtures/analysis-snapshot.js'

const options: RobustAnomalyOptions = {
  threshold: 3,
  consecutive: 3,
  windowPoints: 60,
  minPoints: 20,
  relativeScaleFloor: 0.05,
  absoluteScaleFloor: 0,
  direction: 'up',
}

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())

describe('robust anomaly detector', () => {
  it('never flags a series within the scale floor of its level', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.97, max: 1.03, noNaN: true }), { minLength: 30, maxLength: 200 }),
        (xs) => {
          const d = new RobustAnomalyDetector(options)
          return xs.every((x) => !d.push(x * 1000).anomalous)
        },
      ),
    )
  })

  it('one spike alone never raises an anomaly, two of the last three points do', () => {
    const d = new RobustAnomalyDetector(options)
    const r = rng(1)
    for (let i = 0; i < 60; i++) d.push(100 + 5 * normal(r))
    expect(d.push(10_000).anomalous).toBe(false)
    expect(d.push(100).anomalous).toBe(false)
    expect(d.push(100).anomalous).toBe(false)
    const verdicts = [d.push(10_000), d.push(10_000), d.push(10_000)]
    expect(verdicts.map((v) => v.anomalous)).toEqual([false, true, true])
  })

  it('watches one direction: a drop in service time is not an anomaly', () => {
    const d = new RobustAnomalyDetector(options)
    const r = rng(2)
    for (let i = 0; i < 60; i++) d.push(100 + 5 * normal(r))
    expect([d.push(10), d.push(10), d.push(10)].some((v) => v.anomalous)).toBe(false)
  })

  it('has fewer than 1 false positive per 10,000 stationary Gaussian points (seeded)', () => {
    const d = new RobustAnomalyDetector({ ...options, direction: 'both' })
    const r = rng(3)
    let flagged = 0
    for (let i = 0; i < 30_000; i++) if (d.push(100 + 10 * normal(r)).anomalous) flagged++
    expect(flagged).toBeLessThanOrEqual(3)
  })
})

describe('Holt trend', () => {
  it('recovers the slope of a linear series with irregular spacing', () => {
    const points = [0, 1000, 3000, 3500, 7000, 9000].map((at) => ({ at, value: 5 + 0.002 * at }))
    const state = holt(points, 0.3, 0.1)!
    expect(state.trend).toBeCloseTo(0.002, 9)
    expect(state.level).toBeCloseTo(5 + 0.002 * 9000, 6)
  })
})

/**
 * Snapshots of one agent finishing `perTick` tasks per 10 s tick; `meanAt(i)` is the mean service time of the
 * tasks of tick i and `failAt(i)` how many of them failed. The lifetime counters accumulate as the monitor's do.
 */
function agentRun(
  ticks: number,
  meanAt: (i: number) => number,
  failAt: (i: number) => number = () => 0,
  state: 'busy' | 'left' = 'busy',
) {
  const snaps: SwarmSnapshot[] = []
  let completed = 0
  let failed = 0
  let totalMs = 0
  const r = rng(7)
  for (let i = 0; i < ticks; i++) {
    const f = failAt(i)
    const done = 20 - f
    for (let k = 0; k < done; k++) totalMs += meanAt(i) * Math.exp(0.3 * normal(r) - 0.045)
    completed += done
    failed += f
    const a = agent('a1', {
      state: i === ticks - 1 ? state : 'busy',
      tasksCompleted: completed,
      tasksFailed: failed,
      byKind: { work: { completed, failed, meanServiceMs: totalMs / completed } },
    })
    snaps.push(snapshot({ at: i * 10_000, agents: [a], swarm: { tasksCompleted: completed, tasksFailed: failed } }))
  }
  return { last: snaps[snaps.length - 1], history: snaps.slice(0, -1) }
}

const anomaliesOf = (run: { last: SwarmSnapshot; history: SwarmSnapshot[] }) =>
  createAnalysis({ errorSpike: { errorsAbove: 1e9 } })
    .evaluate(run.last, run.history)
    .insights.filter((i) => i.kind === 'anomaly')

describe('anomaly insights from snapshots', () => {
  it('flags an agent whose service time doubled, and recommends investigating it', () => {
    const run = agentRun(50, (i) => (i < 46 ? 1000 : 2000))
    const found = anomaliesOf(run)
    expect(found).toEqual([expect.objectContaining({ kind: 'anomaly', agentId: 'a1', key: 'anomaly|a1|serviceMs' })])
    expect(found[0].recommendation).toMatch(/^investigate a1: its tasks take 2.0x as long as before$/)
    const actions = createAnalysis({}).evaluate(run.last, run.history).actions
    expect(actions).toContainEqual(expect.objectContaining({ type: 'investigate', agentId: 'a1' }))
  })

  it('ticking one snapshot at a time (bounded history) finds what a replay of the whole history finds', () => {
    const run = agentRun(
      60,
      (i) => (i < 50 ? 1000 : 2000),
      (i) => (i >= 55 ? 9 : 0),
    )
    const all = [...run.history, run.last]
    const ticking = createAnalysis({})
    let last: ReturnType<typeof ticking.evaluate> | undefined
    for (let i = 0; i < all.length; i++) last = ticking.evaluate(all[i], all.slice(Math.max(0, i - 40), i))
    const replayed = createAnalysis({}).evaluate(run.last, run.history)
    expect(last?.insights.map((x) => x.key)).toEqual(replayed.insights.map((x) => x.key))
    expect(last?.insights.map((x) => x.message)).toEqual(replayed.insights.map((x) => x.message))
  })

  it('flags an agent whose error rate jumped', () => {
    const found = anomaliesOf(
      agentRun(
        50,
        () => 1000,
        (i) => (i < 46 ? (i % 10 === 0 ? 1 : 0) : 8),
      ),
    )
    expect(found.map((f) => f.key)).toEqual(['anomaly|a1|errorRate'])
  })

  it('flags nothing on a stationary agent', () => {
    expect(
      anomaliesOf(
        agentRun(
          50,
          () => 1000,
          (i) => (i % 10 === 0 ? 1 : 0),
        ),
      ),
    ).toEqual([])
  })

  it('flags nothing for an agent that has left', () => {
    expect(
      anomaliesOf(
        agentRun(
          50,
          (i) => (i < 46 ? 1000 : 2000),
          () => 0,
          'left',
        ),
      ),
    ).toEqual([])
  })

  it('flags a drop in swarm throughput', () => {
    const snaps: SwarmSnapshot[] = []
    let completed = 0
    const r = rng(9)
    for (let i = 0; i < 40; i++) {
      completed += Math.max(0, Math.round((i < 36 ? 60 : 10) + 3 * normal(r)))
      snaps.push(snapshot({ at: i * 60_000, agents: [agent('a1')], swarm: { tasksCompleted: completed } }))
    }
    const r1 = createAnalysis({}).evaluate(snaps[39], snaps.slice(0, 39))
    expect(r1.insights.filter((i) => i.kind === 'anomaly').map((i) => i.key)).toEqual(['anomaly|swarm|throughput'])
  })
})
