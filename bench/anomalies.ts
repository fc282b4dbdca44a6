/**
 * `npm run bench -- anomalies [--json] [--points N] [--trials N] [--seed N]`: false positives per 10,000 points on
 * stationary synthetic data and detection delay after an injected shift, for our robust detector (median/MAD,
 * src/analysis/robust-anomaly.ts, at the default sensitivity of src/analysis/config.ts) and two textbook peers on the
 * same seeded data: a rolling mean/standard-deviation 3-sigma rule and an EWMA control chart (lambda 0.2, L 3).
 */
import { parseAnalysisConfig } from '../src/analysis/config.js'
import { RobustAnomalyDetector, type RobustAnomalyOptions } from '../src/analysis/robust-anomaly.js'
import { mulberry32 as rng } from '../src/sim/mulberry32.js'
import type { Benchmark } from './index.js'
import { machine, table, versions } from './report.js'

function normal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
}

function poisson(random: () => number, mean: number): number {
  if (mean > 50) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal(random)))
  const limit = Math.exp(-mean)
  let k = 0
  let p = random()
  while (p > limit) {
    k++
    p *= random()
  }
  return k
}

type Direction = RobustAnomalyOptions['direction']

/** A point generator at a level; `shifted` is the level after the injected shift. */
interface Scenario {
  name: string
  /** Service times are tested on a log scale, as the analyser does (a multiplicative, right-skewed quantity). */
  log?: boolean
  direction: Direction
  absoluteScaleFloor: number
  shift: string
  point(random: () => number, shifted: boolean): number
}

const TASKS = 20
const scenarios: Scenario[] = [
  {
    name: 'service time, mean of 20 lognormal(σ 0.5) tasks',
    log: true,
    direction: 'up',
    absoluteScaleFloor: 0,
    shift: 'median 1,000 -> 1,500 ms',
    point: (random, shifted) => {
      let sum = 0
      for (let i = 0; i < TASKS; i++) sum += (shifted ? 1500 : 1000) * Math.exp(0.5 * normal(random))
      return sum / TASKS
    },
  },
  {
    name: 'service time, mean of 20 lognormal(σ 1.0) tasks',
    log: true,
    direction: 'up',
    absoluteScaleFloor: 0,
    shift: 'median 1,000 -> 3,000 ms',
    point: (random, shifted) => {
      let sum = 0
      for (let i = 0; i < TASKS; i++) sum += (shifted ? 3000 : 1000) * Math.exp(normal(random))
      return sum / TASKS
    },
  },
  {
    name: 'error rate of 20 tasks, binomial',
    direction: 'up',
    absoluteScaleFloor: -1, // the config's errorRateScaleFloor
    shift: 'p 0.05 -> 0.30',
    point: (random, shifted) => {
      let failed = 0
      for (let i = 0; i < TASKS; i++) if (random() < (shifted ? 0.3 : 0.05)) failed++
      return failed / TASKS
    },
  },
  {
    name: 'throughput per minute, Poisson',
    direction: 'down',
    absoluteScaleFloor: 0,
    shift: '60/min -> 30/min',
    point: (random, shifted) => poisson(random, shifted ? 30 : 60),
  },
  {
    name: 'Gaussian N(100, 10²)',
    direction: 'both',
    absoluteScaleFloor: 0,
    shift: 'mean +5σ',
    point: (random, shifted) => 100 + 10 * normal(random) + (shifted ? 50 : 0),
  },
]

interface Detector {
  push(x: number): boolean
}

/** Rolling mean / sd over the same window, flag |x - mean| > 3 sd on the watched side. */
function meanSd(window: number, minPoints: number, direction: Direction): Detector {
  const values: number[] = []
  return {
    push(x) {
      let flagged = false
      if (values.length >= minPoints) {
        const mean = values.reduce((s, v) => s + v, 0) / values.length
        const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1))
        const z = sd > 0 ? (x - mean) / sd : 0
        flagged = direction === 'up' ? z > 3 : direction === 'down' ? -z > 3 : Math.abs(z) > 3
      }
      values.push(x)
      if (values.length > window) values.shift()
      return flagged
    },
  }
}

/** EWMA control chart: mean and variance from the first `minPoints` points, then the EWMA with L-sigma limits. */
function ewmaChart(minPoints: number, direction: Direction, lambda = 0.2, L = 3): Detector {
  const warm: number[] = []
  let mean = 0
  let sd = 0
  let ewma = 0
  return {
    push(x) {
      if (warm.length < minPoints) {
        warm.push(x)
        if (warm.length === minPoints) {
          mean = warm.reduce((s, v) => s + v, 0) / minPoints
          sd = Math.sqrt(warm.reduce((s, v) => s + (v - mean) ** 2, 0) / (minPoints - 1))
          ewma = mean
        }
        return false
      }
      ewma = lambda * x + (1 - lambda) * ewma
      const limit = L * sd * Math.sqrt(lambda / (2 - lambda))
      const d = ewma - mean
      return direction === 'up' ? d > limit : direction === 'down' ? -d > limit : Math.abs(d) > limit
    },
  }
}

export const anomaliesBenchmark: Benchmark = {
  name: 'anomalies',
  summary: 'false positives per 10,000 stationary points and detection delay after a shift (ours vs mean/sd, EWMA)',
  async run({ json, args }) {
    const arg = (name: string, fallback: number) => {
      const i = args.indexOf(`--${name}`)
      return i >= 0 ? Number(args[i + 1]) : fallback
    }
    const points = arg('points', 200_000)
    const trials = arg('trials', 300)
    const seed = arg('seed', 42)
    const config = parseAnalysisConfig({})
    const a = config.anomaly
    const ours = (s: Scenario) => {
      const detector = new RobustAnomalyDetector({
        threshold: a.threshold,
        consecutive: a.consecutive,
        windowPoints: a.windowPoints,
        minPoints: a.minPoints,
        relativeScaleFloor: s.log ? 0 : a.relativeScaleFloor,
        absoluteScaleFloor: s.log
          ? a.relativeScaleFloor
          : s.absoluteScaleFloor < 0
            ? a.errorRateScaleFloor
            : s.absoluteScaleFloor,
        direction: s.direction,
      })
      return { push: (x: number) => detector.push(s.log ? Math.log(x) : x).anomalous }
    }
    const detectors: Array<{ name: string; make: (s: Scenario) => Detector }> = [
      { name: `median/MAD z>${a.threshold} x${a.consecutive} (ours)`, make: ours },
      { name: 'rolling mean/sd 3σ', make: (s) => meanSd(a.windowPoints, a.minPoints, s.direction) },
      { name: 'EWMA chart λ0.2 L3', make: (s) => ewmaChart(a.minPoints, s.direction) },
    ]
    const maxDelay = 100
    const rows: Record<string, unknown>[] = []
    for (const [si, scenario] of scenarios.entries()) {
      // The shift in standard deviations of a point (on the scale the detector sees), from 20,000 samples each.
      const sample = (shifted: boolean) => {
        const r = rng(seed + si + (shifted ? 1 : 0) * 100)
        const xs = Array.from({ length: 20_000 }, () => {
          const x = scenario.point(r, shifted)
          return scenario.log ? Math.log(x) : x
        })
        const mean = xs.reduce((t, x) => t + x, 0) / xs.length
        return { mean, sd: Math.sqrt(xs.reduce((t, x) => t + (x - mean) ** 2, 0) / (xs.length - 1)) }
      }
      const base = sample(false)
      const shiftSd = Math.abs(sample(true).mean - base.mean) / base.sd
      for (const [di, d] of detectors.entries()) {
        // Stationary: count flagged points after warm-up.
        const random = rng(seed * 1000 + si * 10 + di)
        const detector = d.make(scenario)
        let flagged = 0
        for (let i = 0; i < points; i++)
          if (detector.push(scenario.point(random, false)) && i >= a.windowPoints) flagged++
        const tested = points - a.windowPoints
        // Shift: warm up on 2 windows of stationary points, shift, count points to the first flag.
        const delays: number[] = []
        let missed = 0
        const shiftRandom = rng(seed * 7919 + si * 10 + di)
        for (let t = 0; t < trials; t++) {
          const det = d.make(scenario)
          for (let i = 0; i < 2 * a.windowPoints; i++) det.push(scenario.point(shiftRandom, false))
          let delay = -1
          for (let i = 1; i <= maxDelay; i++)
            if (det.push(scenario.point(shiftRandom, true))) {
              delay = i
              break
            }
          if (delay < 0) missed++
          else delays.push(delay)
        }
        delays.sort((x, y) => x - y)
        rows.push({
          series: scenario.name,
          detector: d.name,
          'false positives /10k': (flagged / tested) * 10_000,
          shift: scenario.shift,
          'shift (σ)': shiftSd,
          'delay p50 (points)': delays.length ? delays[Math.floor(delays.length / 2)] : null,
          'delay p90 (points)': delays.length ? delays[Math.floor(delays.length * 0.9)] : null,
          'missed (%)': (missed / trials) * 100,
        })
      }
    }
    const result = {
      benchmark: 'anomalies',
      command: `npm run bench -- anomalies --points ${points} --trials ${trials} --seed ${seed}`,
      machine: machine(),
      versions: versions([]),
      config: a,
      pointsPerSeries: points,
      trials,
      seed,
      goal: 'at most 1 false positive per 10,000 points at the default sensitivity',
      rows,
    }
    if (!json) {
      process.stdout.write(`${result.command}\n${table(rows)}`)
      process.stdout.write(
        `A point is ${TASKS} tasks (service time, error rate) or one minute (throughput). Missed: no flag within ${maxDelay} points.\n`,
      )
    }
    return result
  },
}
