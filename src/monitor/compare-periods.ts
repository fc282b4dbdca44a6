import type { MetricDelta, SwarmSnapshot } from '../model/snapshot.js'

/** The swarm figures comparePeriods reports, by the dotted path a reader knows from the snapshot. */
const metrics: Array<[string, (s: SwarmSnapshot) => number | null]> = [
  ['swarm.agents', (s) => s.swarm.agents],
  ['swarm.throughputPerMin', (s) => s.swarm.throughputPerMin],
  ['swarm.errorRate', (s) => s.swarm.errorRate],
  ['swarm.responseMs.p50', (s) => s.swarm.responseMs.p50],
  ['swarm.responseMs.p95', (s) => s.swarm.responseMs.p95],
  ['swarm.responseMs.p99', (s) => s.swarm.responseMs.p99],
  ['swarm.serviceMs.p50', (s) => s.swarm.serviceMs.p50],
  ['swarm.serviceMs.p95', (s) => s.swarm.serviceMs.p95],
  ['swarm.serviceMs.p99', (s) => s.swarm.serviceMs.p99],
  ['swarm.imbalance', (s) => s.swarm.imbalance],
  ['swarm.efficiency', (s) => s.swarm.efficiency],
  ['swarm.tasksQueued', (s) => s.swarm.tasksQueued],
  ['swarm.tasksInFlight', (s) => s.swarm.tasksInFlight],
  ['swarm.messageLatencyMs.p95', (s) => s.swarm.messageLatencyMs.p95],
  ['swarm.resources.cpu', (s) => s.swarm.resources.cpu],
]

/**
 * Per-metric deltas between two time ranges of the history: each side is the mean of the metric over the
 * snapshots whose `at` falls in [from, to]; `delta` is b - a and `ratio` b / a.
 */
export function comparePeriods(
  history: readonly SwarmSnapshot[],
  a: { from: number; to: number },
  b: { from: number; to: number },
): MetricDelta[] {
  const inRange = (r: { from: number; to: number }) => history.filter((s) => s.at >= r.from && s.at <= r.to)
  const left = inRange(a)
  const right = inRange(b)
  return metrics.map(([metric, read]) => {
    const ma = mean(left.map(read))
    const mb = mean(right.map(read))
    return {
      metric,
      a: ma,
      b: mb,
      delta: ma !== null && mb !== null ? mb - ma : null,
      ratio: ma !== null && mb !== null && ma !== 0 ? mb / ma : null,
    }
  })
}

function mean(values: Array<number | null>): number | null {
  let sum = 0
  let n = 0
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue
    sum += v
    n++
  }
  return n > 0 ? sum / n : null
}
