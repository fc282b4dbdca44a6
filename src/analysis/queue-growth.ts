import { type Analyser, insight, liveAgents, num, queueDepth } from './analyser.js'
import { holt } from './holt.js'

/**
 * `queue-growth`: the Holt trend of the queue depth over the kept history is above `slopePerMinAbove` tasks per
 * minute while at least `minQueued` tasks wait. The recommendation sizes the agents that would hold the queue
 * level at the current per-agent throughput.
 */
export const queueGrowth: Analyser = (snapshot, history, config) => {
  const c = config.queueGrowth
  if (history.length + 1 < c.minPoints) return []
  const depth = queueDepth(snapshot)
  if (depth < c.minQueued) return []
  const points = [...history, snapshot].map((s) => ({ at: s.at, value: queueDepth(s) }))
  const trend = holt(points, config.forecast.alpha, config.forecast.beta)
  if (!trend) return []
  const slopePerMin = trend.trend * 60_000
  if (slopePerMin <= c.slopePerMinAbove) return []
  const live = liveAgents(snapshot)
  const perAgent = live.length > 0 ? snapshot.swarm.throughputPerMin / live.length : 0
  const recommendation =
    perAgent > 0
      ? `add ${num(Math.ceil(slopePerMin / perAgent))} agents (each completes ${num(perAgent)}/min) to stop the queue of ${num(depth)} growing by ${num(slopePerMin)}/min`
      : `add agents: ${num(depth)} tasks queued and nothing completed in the window`
  return [
    insight({
      kind: 'queue-growth',
      severity: 'warning',
      message: `queue grows by ${num(slopePerMin)} tasks/min (Holt trend), now ${num(depth)} queued`,
      recommendation,
      value: slopePerMin,
      threshold: c.slopePerMinAbove,
      at: snapshot.at,
      key: 'queue-growth',
    }),
  ]
}
