import type { SwarmSnapshot } from '../model/snapshot.js'
import { type Analyser, insight, liveAgents, num, pct, queueDepth } from './analyser.js'

/**
 * The latest snapshot at least `ageMs` older than `at`, or the oldest one kept; with `withAgents`, among the
 * snapshots that kept their agents only (a long history keeps its oldest without them, `agentsOmitted`).
 */
export function snapshotBefore(
  history: readonly SwarmSnapshot[],
  at: number,
  ageMs: number,
  withAgents = false,
): SwarmSnapshot | undefined {
  let oldest: SwarmSnapshot | undefined
  for (let i = history.length - 1; i >= 0; i--) {
    if (withAgents && history[i].agentsOmitted) continue
    if (history[i].at <= at - ageMs) return history[i]
    oldest = history[i]
  }
  return oldest
}

/**
 * `throughput-degradation`: rolling throughput below `belowRatio` of its historical average, once the history
 * spans `minHistoryMs`. With `onlyWithPendingWork` (default) it needs tasks waiting: fewer completions with an
 * empty queue is lack of demand. The recommendation names the agents whose throughput fell most since one
 * window ago, or the agents needed to restore the average.
 */
export const throughputDegradation: Analyser = (snapshot, history, config) => {
  const c = config.throughputDegradation
  const { throughputPerMin: now, throughputHistoricalPerMin: average } = snapshot.swarm
  if (history.length === 0 || snapshot.at - history[0].at < c.minHistoryMs) return []
  if (!(average > 0) || now >= c.belowRatio * average) return []
  if (c.onlyWithPendingWork && queueDepth(snapshot) === 0) return []

  const earlier = snapshotBefore(history, snapshot.at, snapshot.window.durationMs, true)
  const before = new Map(earlier?.agents.map((a) => [a.agentId, a.throughputPerMin]) ?? [])
  const live = liveAgents(snapshot)
  const drops = live
    .map((a) => ({ agent: a, was: before.get(a.agentId) ?? 0 }))
    .filter((d) => d.was > 0 && d.agent.throughputPerMin < c.belowRatio * d.was)
    .sort((a, b) => b.was - b.agent.throughputPerMin - (a.was - a.agent.throughputPerMin))
  let recommendation: string
  if (drops.length > 0) {
    recommendation = `investigate ${drops
      .slice(0, 3)
      .map((d) => `${d.agent.agentId} (${num(d.was)}/min -> ${num(d.agent.throughputPerMin)}/min)`)
      .join(', ')}`
    // A long history keeps agents on its newest snapshots only: say when the comparison is shorter than a window.
    const sinceMs = earlier ? snapshot.at - earlier.at : 0
    if (sinceMs < snapshot.window.durationMs) recommendation += ` (since ${num(sinceMs / 1000)} s ago)`
  } else {
    const perAgent = live.length > 0 ? now / live.length : 0
    const more = perAgent > 0 ? Math.ceil((average - now) / perAgent) : 1
    recommendation = `add ${num(more)} agent${more === 1 ? '' : 's'} to restore ${num(average)}/min (now ${num(perAgent)}/min per agent)`
  }
  return [
    insight({
      kind: 'throughput-degradation',
      severity: now < 0.5 * c.belowRatio * average ? 'critical' : 'warning',
      message: `throughput ${num(now)}/min is ${pct(now / average)} of the historical average ${num(average)}/min (limit ${pct(c.belowRatio)})`,
      recommendation,
      value: now,
      threshold: c.belowRatio * average,
      at: snapshot.at,
      key: 'throughput-degradation',
    }),
  ]
}
