import type { AgentSnapshot } from '../model/snapshot.js'
import { type Analyser, insight, liveAgents, num } from './analyser.js'

/** How many queued tasks to move from `from` to `to` so their loads come closest to equal. */
export function tasksToEqualise(from: AgentSnapshot, to: AgentSnapshot): number {
  const workFrom = from.inFlight + from.queued
  const workTo = to.inFlight + to.queued
  // (workFrom - n) / capFrom = (workTo + n) / capTo
  const n = Math.floor((workFrom * to.capacity - workTo * from.capacity) / (from.capacity + to.capacity))
  return Math.max(0, Math.min(from.queued, n))
}

/**
 * `imbalance`: population variance of efficiency across live agents with finished tasks above
 * `efficiencyVarianceAbove`, or load imbalance (coefficient of variation of load, `swarm.imbalance`) above
 * `loadImbalanceAbove`. The recommendation moves queued tasks from the most to the least loaded agent.
 */
export const imbalance: Analyser = (snapshot, _history, config) => {
  const c = config.imbalance
  const live = liveAgents(snapshot)
  if (live.length < 2) return []
  const scored = live.filter((a) => a.tasksCompleted + a.tasksFailed > 0)
  let variance = 0
  if (scored.length >= 2) {
    const mean = scored.reduce((s, a) => s + a.efficiency, 0) / scored.length
    variance = scored.reduce((s, a) => s + (a.efficiency - mean) ** 2, 0) / scored.length
  }
  const load = snapshot.swarm.imbalance
  const byLoad = load > c.loadImbalanceAbove
  const byEfficiency = variance > c.efficiencyVarianceAbove
  if (!byLoad && !byEfficiency) return []

  const busiest = live.filter((a) => a.queued > 0).sort((a, b) => b.load - a.load)[0]
  const idlest = [...live].sort((a, b) => a.load - b.load)[0]
  const moves = busiest && busiest !== idlest ? tasksToEqualise(busiest, idlest) : 0
  let recommendation: string
  if (moves > 0) {
    recommendation = `move ${num(moves)} queued task${moves === 1 ? '' : 's'} from ${busiest.agentId} (load ${num(busiest.load)}) to ${idlest.agentId} (load ${num(idlest.load)})`
  } else {
    const ranked = [...scored].sort((a, b) => a.efficiency - b.efficiency)
    const worst = ranked[0]
    const best = ranked[ranked.length - 1]
    recommendation =
      worst && best && worst !== best
        ? `send fewer tasks to ${worst.agentId} (efficiency ${num(worst.efficiency)}) and more to ${best.agentId} (efficiency ${num(best.efficiency)})`
        : `spread new tasks by load: most loaded ${live.reduce((a, b) => (b.load > a.load ? b : a)).agentId}, least loaded ${idlest.agentId}`
  }
  const parts: string[] = []
  if (byLoad) parts.push(`load imbalance ${num(load)} (above ${num(c.loadImbalanceAbove)})`)
  if (byEfficiency)
    parts.push(
      `efficiency variance ${num(variance)} across ${num(scored.length)} agents (above ${num(c.efficiencyVarianceAbove)})`,
    )
  return [
    insight({
      kind: 'imbalance',
      severity: 'warning',
      message: parts.join('; '),
      recommendation,
      value: byLoad ? load : variance,
      threshold: byLoad ? c.loadImbalanceAbove : c.efficiencyVarianceAbove,
      at: snapshot.at,
      key: 'imbalance',
    }),
  ]
}
