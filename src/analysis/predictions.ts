import type { Finding, Prediction } from '../model/finding.js'
import type { SwarmSnapshot } from '../model/snapshot.js'
import { type Analyser, liveAgents, queueDepth } from './analyser.js'
import type { AnalysisConfig } from './config.js'
import { forecast, holt } from './holt.js'
import { agentsForTarget, predictDrain, type ServiceMoments } from './queue-model.js'
import { learnServiceTimes, lognormal, lognormalVariance } from './service-time-model.js'
import { snapshotBefore } from './throughput-degradation.js'

const finished = (s: SwarmSnapshot) => s.swarm.tasksCompleted + s.swarm.tasksFailed + s.swarm.tasksCancelled

/** The response-time target for the queued work: configured, or the first SLA rule on swarm.responseMs. */
export function responseTarget(config: AnalysisConfig): number | null {
  if (config.prediction.responseTargetMs !== undefined) return config.prediction.responseTargetMs
  const rule = config.slas.find((r) => r.metric.startsWith('swarm.responseMs.') && (r.op === '<' || r.op === '<='))
  return rule ? rule.threshold : null
}

/** Least-squares slope of y on x (resource per in-flight task); the ratio when x never varied. */
function perTask(points: Array<{ x: number; y: number }>): number | null {
  if (points.length === 0) return null
  const n = points.length
  const mx = points.reduce((s, p) => s + p.x, 0) / n
  const my = points.reduce((s, p) => s + p.y, 0) / n
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0)
  if (sxx > 0) return Math.max(0, points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0) / sxx)
  return mx > 0 ? my / mx : null
}

/**
 * Predictions for the queued work. Service times per task kind are learned as lognormals (service-time-model.ts);
 * the queue's mix of kinds is taken as the mix finished over the last window. Arrivals over that window are
 * queue growth plus tasks started. Overall (`kind: null`): time to drain the queue with the live agents' slots
 * and the agents needed for the last queued task to complete within the response target, each with a
 * `confidence` interval (queue-model.ts). Per kind: its estimated share of the queue and the time that share
 * takes when served first on every slot.
 */
export const predictions: Analyser = (snapshot, history, config) => {
  const c = config.prediction
  const snapshots = [...history, snapshot]
  const distributions = learnServiceTimes(snapshots, c.minCompleted)
  const queued = queueDepth(snapshot)
  const live = liveAgents(snapshot)
  const slots = live.reduce((s, a) => s + a.capacity, 0)

  const baseline = snapshotBefore(history, snapshot.at, snapshot.window.durationMs)
  const spanMs = baseline ? snapshot.at - baseline.at : 0
  const arrivalsSeen = baseline
    ? Math.max(
        0,
        queued -
          queueDepth(baseline) +
          finished(snapshot) -
          finished(baseline) +
          snapshot.swarm.tasksInFlight -
          baseline.swarm.tasksInFlight,
      )
    : 0
  const arrivalsPerMs = spanMs > 0 ? arrivalsSeen / spanMs : 0

  // Mix of kinds: finished over the last window, or over the lifetime when nothing finished in it.
  const recent = new Map<string, number>()
  for (const k of snapshot.kinds) {
    if (!distributions.has(k.kind)) continue
    const before = baseline?.kinds.find((b) => b.kind === k.kind)
    recent.set(k.kind, k.completed + k.failed - (before ? before.completed + before.failed : 0))
  }
  let total = [...recent.values()].reduce((s, v) => s + v, 0)
  if (!(total > 0)) {
    for (const k of snapshot.kinds) if (distributions.has(k.kind)) recent.set(k.kind, k.completed + k.failed)
    total = [...recent.values()].reduce((s, v) => s + v, 0)
  }

  const resources = resourcesPerTask(snapshots)
  const trends = trendsOf(snapshots, config)
  if (distributions.size === 0 || !(total > 0)) {
    return [
      prediction({
        kind: null,
        queuedTasks: queued,
        drainMs: null,
        agentsForSla: null,
        serviceMs: null,
        arrivalsPerMin: arrivalsPerMs * 60_000,
        resourcesPerTask: resources,
        trends,
      }),
    ]
  }

  let mean = 0
  let second = 0
  let samples = 0
  for (const [kind, share] of recent) {
    const d = distributions.get(kind)!
    const w = share / total
    mean += w * d.meanMs
    second += w * (lognormalVariance(d) + d.meanMs * d.meanMs)
    samples += d.samples
  }
  const mixture: ServiceMoments = { meanMs: mean, varianceMs2: Math.max(0, second - mean * mean), samples }
  const drainMs = predictDrain({
    queued,
    slots,
    service: mixture,
    arrivalsPerMs,
    arrivalsSeen,
    spanMs,
    confidence: c.confidence,
  })
  const target = responseTarget(config)
  const agentsForSla =
    target === null || live.length === 0
      ? null
      : agentsForTarget({
          queued,
          slotsPerAgent: slots / live.length,
          service: mixture,
          arrivalsPerMs,
          targetMs: target,
          confidence: c.confidence,
          maxAgents: c.maxAgents,
        })
  // With a target and a model (live slots, a mean service time), no answer means no fleet up to maxAgents meets it.
  const slaUnreachable =
    target !== null && live.length > 0 && slots > 0 && mean > 0 && agentsForSla === null ? true : undefined
  const s2 = Math.log(1 + mixture.varianceMs2 / (mean * mean))
  const findings: Finding[] = [
    prediction({
      kind: null,
      queuedTasks: queued,
      drainMs,
      agentsForSla,
      ...(slaUnreachable ? { slaUnreachable } : {}),
      serviceMs: lognormal(Math.log(mean) - s2 / 2, Math.sqrt(s2), samples),
      arrivalsPerMin: arrivalsPerMs * 60_000,
      resourcesPerTask: resources,
      trends,
    }),
  ]
  const perKind = resourcesPerKind(snapshots, [...recent.keys()])
  for (const [kind, share] of recent) {
    const d = distributions.get(kind)!
    const w = share / total
    const kindQueued = Math.round(queued * w)
    findings.push(
      prediction({
        kind,
        queuedTasks: kindQueued,
        drainMs: predictDrain({
          queued: kindQueued,
          slots,
          service: { meanMs: d.meanMs, varianceMs2: lognormalVariance(d), samples: d.samples },
          arrivalsPerMs: arrivalsPerMs * w,
          arrivalsSeen: arrivalsSeen * w,
          spanMs,
          confidence: c.confidence,
        }),
        agentsForSla: null,
        serviceMs: d,
        resourcesPerTask: perKind?.get(kind) ?? null,
      }),
    )
  }
  return findings
}

function prediction(p: Prediction): Finding {
  return { category: 'prediction', ...p }
}

function resourcesPerTask(snapshots: readonly SwarmSnapshot[]): Prediction['resourcesPerTask'] {
  const cpu: Array<{ x: number; y: number }> = []
  const memory: Array<{ x: number; y: number }> = []
  for (const s of snapshots) {
    const r = s.swarm.resources
    if (r.cpu !== null) cpu.push({ x: s.swarm.tasksInFlight, y: r.cpu })
    if (r.memoryUsedBytes !== null) memory.push({ x: s.swarm.tasksInFlight, y: r.memoryUsedBytes })
  }
  if (cpu.length === 0 && memory.length === 0) return null
  return { cpu: perTask(cpu), memoryBytes: perTask(memory) }
}

/** Holt's linear trends of throughput and queue depth over the snapshots, with the queue forecast 10 min ahead. */
function trendsOf(snapshots: readonly SwarmSnapshot[], config: AnalysisConfig): Prediction['trends'] {
  const { alpha, beta } = config.forecast
  const throughput = holt(
    snapshots.map((s) => ({ at: s.at, value: s.swarm.throughputPerMin })),
    alpha,
    beta,
  )
  const queue = holt(
    snapshots.map((s) => ({ at: s.at, value: queueDepth(s) })),
    alpha,
    beta,
  )
  return {
    throughputPerMin: throughput ? { level: throughput.level, perMin: throughput.trend * 60_000 } : null,
    queueDepth: queue
      ? { level: queue.level, perMin: queue.trend * 60_000, in10Min: Math.max(0, forecast(queue, 600_000)) }
      : null,
  }
}

/**
 * Host CPU and memory per in-flight task of each kind: least squares of the host's readings on the in-flight
 * counts per kind (`kinds[].inFlight`, when the monitor reports it) plus an intercept for the baseline, over the
 * snapshots with readings. Null without the counts or with fewer snapshots than unknowns + 2.
 */
export function resourcesPerKind(
  snapshots: readonly SwarmSnapshot[],
  kinds: readonly string[],
): Map<string, { cpu: number | null; memoryBytes: number | null }> | null {
  const rows: number[][] = []
  const cpu: number[] = []
  const memory: number[] = []
  for (const s of snapshots) {
    const r = s.swarm.resources
    if (r.cpu === null || r.memoryUsedBytes === null) continue
    const counts = kinds.map((k) => s.kinds.find((x) => x.kind === k)?.inFlight)
    if (counts.some((c) => c === undefined)) continue
    rows.push([1, ...(counts as number[])])
    cpu.push(r.cpu)
    memory.push(r.memoryUsedBytes)
  }
  if (kinds.length === 0 || rows.length < kinds.length + 3) return null
  const cpuFit = leastSquares(rows, cpu)
  const memoryFit = leastSquares(rows, memory)
  if (!cpuFit || !memoryFit) return null
  return new Map(
    kinds.map((k, i) => [k, { cpu: Math.max(0, cpuFit[i + 1]), memoryBytes: Math.max(0, memoryFit[i + 1]) }]),
  )
}

/** Ordinary least squares by the normal equations (Gaussian elimination with partial pivoting); null if singular. */
function leastSquares(x: readonly number[][], y: readonly number[]): number[] | null {
  const n = x[0].length
  const a = Array.from({ length: n }, (_, i) => {
    const row = Array.from({ length: n + 1 }, () => 0)
    for (let r = 0; r < x.length; r++) {
      for (let j = 0; j < n; j++) row[j] += x[r][i] * x[r][j]
      row[n] += x[r][i] * y[r]
    }
    return row
  })
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r
    if (Math.abs(a[pivot][col]) < 1e-9) return null
    ;[a[col], a[pivot]] = [a[pivot], a[col]]
    for (let r = 0; r < n; r++) {
      if (r === col) continue
      const f = a[r][col] / a[col][col]
      for (let j = col; j <= n; j++) a[r][j] -= f * a[col][j]
    }
  }
  return a.map((row, i) => row[n] / row[i])
}
