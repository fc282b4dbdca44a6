import { describe, expect, it } from 'vitest'
import { parseAnalysisConfig } from '../src/analysis/config.js'
import { createAnalysis } from '../src/analysis/index.js'
import { predictions } from '../src/analysis/predictions.js'
import { agentsForTarget } from '../src/analysis/queue-model.js'
import { fitLognormal, normalQuantile } from '../src/analysis/service-time-model.js'
import type { Prediction } from '../src/model/finding.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import { mulberry32 as rng } from '../src/sim/mulberry32.js'
import { agent, snapshot } from './fixtures/analysis-snapshot.js'

const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())
const exponential = (r: () => number, mean: number) => -Math.log(1 - r()) * mean
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? null : s[Math.floor((s.length - 1) / 2)]
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length === 0 ? null : s[Math.min(s.length - 1, Math.floor(q * s.length))]
}

const WINDOW_MS = 60_000
const TICK_MS = 5_000

/**
 * A seeded M/G/k queue with lognormal service times and one task kind: Poisson arrivals at `overload` times the
 * service capacity until `switchAt` (the queue builds), then at `rho` times capacity. Snapshots every tick carry
 * what the monitor would: queue depth, in flight, lifetime counters and mean, window p50/p90.
 */
function simulate(p: { k: number; sigma: number; rho: number; queuedAtPredict: number; seed: number }) {
  const r = rng(p.seed)
  const medianMs = 1000
  const meanMs = medianMs * Math.exp((p.sigma * p.sigma) / 2)
  const capacityPerMs = p.k / meanMs
  const lambda2 = p.rho * capacityPerMs
  const lambda1 = 1.5 * capacityPerMs
  // Build the queue long enough that `queuedAtPredict` tasks are left one window after the switch.
  const switchAt = (p.queuedAtPredict + (capacityPerMs - lambda2) * WINDOW_MS) / (lambda1 - capacityPerMs)
  const predictAt = Math.ceil((switchAt + WINDOW_MS) / TICK_MS) * TICK_MS
  const service = () => medianMs * Math.exp(p.sigma * normal(r))

  const queue: number[] = []
  const busyUntil: number[] = Array(p.k).fill(Number.POSITIVE_INFINITY)
  const done: Array<{ at: number; ms: number }> = []
  let totalMs = 0
  let nextArrival = exponential(r, 1 / lambda1)
  let nextTick = TICK_MS
  const snapshots: SwarmSnapshot[] = []
  let drainedAt: number | null = null
  const startFree = (now: number) => {
    for (let i = 0; i < p.k && queue.length > 0; i++) {
      if (busyUntil[i] !== Number.POSITIVE_INFINITY) continue
      queue.shift()
      const ms = service()
      busyUntil[i] = now + ms
      done.push({ at: now + ms, ms })
    }
  }
  const completedBy = (t: number) => done.filter((d) => d.at <= t)
  for (;;) {
    const nextDone = Math.min(...busyUntil)
    const now = Math.min(nextArrival, nextDone, nextTick)
    if (now === nextTick) {
      if (now <= predictAt) {
        const finished = completedBy(now)
        totalMs = finished.reduce((s, d) => s + d.ms, 0)
        const inWindow = finished.filter((d) => d.at > now - WINDOW_MS).map((d) => d.ms)
        const inFlight = busyUntil.filter((b) => b !== Number.POSITIVE_INFINITY).length
        snapshots.push(
          snapshot({
            at: now,
            window: { durationMs: WINDOW_MS },
            agents: Array.from({ length: p.k }, (_, i) => agent(`a${i}`, { state: 'busy', inFlight: 1 })),
            kinds: [
              {
                kind: 'work',
                completed: finished.length,
                failed: 0,
                meanServiceMs: finished.length > 0 ? totalMs / finished.length : null,
                p50ServiceMs: median(inWindow),
              },
            ],
            swarm: {
              tasksQueued: queue.length,
              tasksInFlight: inFlight,
              tasksCompleted: finished.length,
              serviceMs: { p50: median(inWindow), p90: quantile(inWindow, 0.9) },
            },
          }),
        )
      }
      nextTick += TICK_MS
    } else if (now === nextArrival) {
      queue.push(now)
      nextArrival = now + exponential(r, 1 / (now < switchAt ? lambda1 : lambda2 || 1e-12))
      if (lambda2 === 0 && now >= switchAt) nextArrival = Number.POSITIVE_INFINITY
    } else {
      const i = busyUntil.indexOf(nextDone)
      busyUntil[i] = Number.POSITIVE_INFINITY
    }
    startFree(now)
    if (now > predictAt && queue.length === 0 && drainedAt === null) {
      drainedAt = now
      break
    }
    if (now > predictAt + 1e9) break
  }
  const atPredict = snapshots[snapshots.length - 1]
  return { snapshots, drainMs: (drainedAt ?? Number.NaN) - predictAt, queuedAtPredict: atPredict.swarm.tasksQueued }
}

describe('predictions', () => {
  it('predicts no drain time for an empty queue and needs a learned distribution', () => {
    const empty = predictions(snapshot({ agents: [agent('a1')] }), [], parseAnalysisConfig({}))
    expect(empty).toEqual([
      expect.objectContaining({ category: 'prediction', kind: null, queuedTasks: 0, drainMs: null }),
    ])
  })

  it('learns host CPU and memory per task of each kind when the monitor reports in-flight counts per kind', () => {
    const r = rng(5)
    const snaps = Array.from({ length: 30 }, (_, i) => {
      const plan = Math.floor(r() * 6)
      const code = Math.floor(r() * 6)
      return snapshot({
        at: i * 1000,
        agents: [agent('a1', { state: 'busy' })],
        kinds: [
          { kind: 'plan', completed: 50, failed: 0, meanServiceMs: 1100, p50ServiceMs: 1000, inFlight: plan },
          { kind: 'code', completed: 50, failed: 0, meanServiceMs: 2200, p50ServiceMs: 2000, inFlight: code },
        ],
        swarm: {
          tasksInFlight: plan + code,
          resources: {
            cpu: 0.05 + 0.1 * plan + 0.02 * code,
            memoryUsedBytes: 1e9 + 2e8 * plan + 5e7 * code,
            memoryTotalBytes: 8e9,
          },
        },
      })
    })
    const found = predictions(snaps[29], snaps.slice(0, 29), parseAnalysisConfig({})) as Prediction[]
    const plan = found.find((p) => p.kind === 'plan')?.resourcesPerTask
    const code = found.find((p) => p.kind === 'code')?.resourcesPerTask
    expect(plan?.cpu).toBeCloseTo(0.1, 9)
    expect(plan?.memoryBytes).toBeCloseTo(2e8, 0)
    expect(code?.cpu).toBeCloseTo(0.02, 9)
    expect(code?.memoryBytes).toBeCloseTo(5e7, 0)
    // Without the per-kind counts: no per-kind figure, only the swarm's per in-flight task.
    const plain = snaps.map((s) => ({ ...s, kinds: s.kinds.map(({ inFlight: _, ...k }) => k) }))
    const without = predictions(plain[29], plain.slice(0, 29), parseAnalysisConfig({})) as Prediction[]
    expect(without.find((p) => p.kind === 'plan')?.resourcesPerTask).toBeNull()
    expect(without.find((p) => p.kind === null)?.resourcesPerTask?.cpu).toBeGreaterThan(0)
  })

  it('fits a lognormal from mean and median', () => {
    const d = fitLognormal(1000 * Math.exp(0.5), 1000, 100, 0)
    expect(d.mu).toBeCloseTo(Math.log(1000), 9)
    expect(d.sigma).toBeCloseTo(1, 9)
    expect(d.p90Ms).toBeCloseTo(1000 * Math.exp(1.2815515655446004), 6)
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536, 6)
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263479, 6)
  })

  it('90% drain-time interval covers at least 85% of simulated M/G/k outcomes (seeded)', () => {
    const r = rng(2026)
    const config = parseAnalysisConfig({})
    let covered = 0
    let runs = 0
    const misses: string[] = []
    for (let run = 0; run < 120; run++) {
      const params = {
        k: [2, 4, 8, 16][Math.floor(r() * 4)],
        sigma: [0.3, 0.6, 1.0][Math.floor(r() * 3)],
        rho: [0, 0.3, 0.6][Math.floor(r() * 3)],
        queuedAtPredict: 30 + Math.floor(r() * 300),
        seed: 1000 + run,
      }
      const sim = simulate(params)
      if (sim.queuedAtPredict === 0 || !Number.isFinite(sim.drainMs)) continue
      const snaps = sim.snapshots
      const overall = predictions(snaps[snaps.length - 1], snaps.slice(0, -1), config).find(
        (f) => f.category === 'prediction' && f.kind === null,
      ) as Prediction | undefined
      const drain = overall?.drainMs
      expect(drain).toBeTruthy()
      if (!drain) continue
      runs++
      if (sim.drainMs >= drain.low && sim.drainMs <= drain.high) covered++
      else
        misses.push(
          `${JSON.stringify(params)} actual ${Math.round(sim.drainMs)} predicted ${Math.round(drain.low)}-${Math.round(drain.high)}`,
        )
    }
    if (process.env.SHOW_COVERAGE) console.log('drain interval coverage', covered, runs)
    expect(runs).toBeGreaterThanOrEqual(100)
    expect(covered / runs, misses.join('\n')).toBeGreaterThanOrEqual(0.85)
  })

  it('90% interval of the agents needed for the response target covers at least 85% of simulated outcomes (seeded)', () => {
    const r = rng(77)
    let covered = 0
    const runs = 150
    const misses: string[] = []
    for (let run = 0; run < runs; run++) {
      const sigma = [0.3, 0.6, 1.0][Math.floor(r() * 3)]
      const queued = 20 + Math.floor(r() * 300)
      const medianMs = 1000
      const meanMs = medianMs * Math.exp((sigma * sigma) / 2)
      const targetMs = meanMs * (4 + r() * 30)
      // What the agent learned: 2,000 tasks of history.
      const learned = Array.from({ length: 2000 }, () => medianMs * Math.exp(sigma * normal(r)))
      const s = snapshot({
        agents: [agent('a1', { state: 'busy', inFlight: 1 })],
        kinds: [
          {
            kind: 'work',
            completed: 2000,
            failed: 0,
            meanServiceMs: learned.reduce((a, b) => a + b, 0) / 2000,
            p50ServiceMs: median(learned),
          },
        ],
        swarm: { tasksQueued: queued, tasksInFlight: 1, tasksCompleted: 2000 },
      })
      const predicted = createAnalysis({ prediction: { responseTargetMs: targetMs } })
        .evaluate(s, [])
        .predictions.find((p) => p.kind === null)?.agentsForSla
      expect(predicted).toBeTruthy()
      if (!predicted) continue
      // Outcome with common random numbers: the queued tasks' service times and each slot's residual work (the
      // length-biased lognormal, uniformly far through), the same for every fleet size.
      const services = Array.from({ length: queued }, () => medianMs * Math.exp(sigma * normal(r)))
      const residuals = Array.from({ length: 400 }, () => r() * medianMs * Math.exp(sigma * sigma + sigma * normal(r)))
      const lastCompletion = (k: number) => {
        const free = residuals.slice(0, k)
        let last = 0
        for (const ms of services) {
          let i = 0
          for (let j = 1; j < k; j++) if (free[j] < free[i]) i = j
          free[i] += ms
          last = free[i]
        }
        return last
      }
      let needed = 1
      while (needed < 400 && lastCompletion(needed) > targetMs) needed++
      if (needed >= predicted.low && needed <= predicted.high) covered++
      else
        misses.push(
          `sigma ${sigma} queued ${queued} target ${Math.round(targetMs)}: needed ${needed}, predicted ${predicted.low}-${predicted.high}`,
        )
    }
    if (process.env.SHOW_COVERAGE) console.log('agents interval coverage', covered, runs)
    expect(covered / runs, misses.join('\n')).toBeGreaterThanOrEqual(0.85)
  })
})

describe('agentsForTarget', () => {
  it('finds the fewest agents with maxAgents past 2^31 (the midpoint wrapped negative and the search never ended)', () => {
    const base = {
      queued: 1_000_000,
      slotsPerAgent: 1,
      service: { meanMs: 100, varianceMs2: 100, samples: 1000 },
      arrivalsPerMs: 0,
      targetMs: 1000,
      confidence: 0.9,
    }
    const small = agentsForTarget({ ...base, maxAgents: 1_000_000 })
    const large = agentsForTarget({ ...base, maxAgents: 2 ** 40 })
    expect(small).not.toBeNull()
    expect(large).toEqual(small)
  })
})
