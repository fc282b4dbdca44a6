import type { AgentSnapshot } from '../model/snapshot.js'
import { type Analyser, insight, liveAgents, num, type PartCache, partCacheFor } from './analyser.js'
import type { AnalysisConfig } from './config.js'

/** How many queued tasks to move from `from` to `to` so their loads come closest to equal. */
export function tasksToEqualise(from: AgentSnapshot, to: AgentSnapshot): number {
  const workFrom = from.inFlight + from.queued
  const workTo = to.inFlight + to.queued
  // (workFrom - n) / capFrom = (workTo + n) / capTo
  const n = Math.floor((workFrom * to.capacity - workTo * from.capacity) / (from.capacity + to.capacity))
  return Math.max(0, Math.min(from.queued, n))
}

/** The agent with queued tasks and the highest load (the first of equals), as a stable sort by load would rank it. */
export function busiestWithQueue(agents: readonly AgentSnapshot[]): AgentSnapshot | undefined {
  let busiest: AgentSnapshot | undefined
  for (const a of agents) if (a.queued > 0 && (busiest === undefined || a.load > busiest.load)) busiest = a
  return busiest
}

/**
 * The least loaded other agent (the first of equals) able to run whatever `from` can: its capabilities include all
 * of `from`'s. The snapshot does not say what each queued task needs, so this is the receiver a move is sure to
 * suit; one that lacks a capability could be handed tasks it cannot run.
 */
export function idlestReceiver(from: AgentSnapshot, agents: readonly AgentSnapshot[]): AgentSnapshot | undefined {
  let found: AgentSnapshot | undefined
  for (const a of agents) {
    if (a === from || (found !== undefined && a.load >= found.load)) continue
    if (from.capabilities.every((c) => a.capabilities.includes(c))) found = a
  }
  return found
}

/** The agent with the lowest load (the first of equals). */
export function idlest(agents: readonly AgentSnapshot[]): AgentSnapshot | undefined {
  let found: AgentSnapshot | undefined
  for (const a of agents) if (found === undefined || a.load < found.load) found = a
  return found
}

/**
 * Among agents with finished tasks, the first of the lowest efficiency and the last of the highest: the ends of a
 * stable sort by efficiency, in one pass (this branch can run every tick on a large fleet).
 */
export function efficiencyEnds(agents: readonly AgentSnapshot[]): {
  worst: AgentSnapshot | undefined
  best: AgentSnapshot | undefined
} {
  let worst: AgentSnapshot | undefined
  let best: AgentSnapshot | undefined
  for (const a of agents) {
    if (a.tasksCompleted + a.tasksFailed === 0) continue
    if (worst === undefined || a.efficiency < worst.efficiency) worst = a
    if (best === undefined || a.efficiency >= best.efficiency) best = a
  }
  return { worst, best }
}

/** An agent's efficiency when it has finished tasks (null when it has none), kept by place and entry. */
const scored = (a: AgentSnapshot): number | null => (a.tasksCompleted + a.tasksFailed > 0 ? a.efficiency : null)

const caches = new WeakMap<AnalysisConfig, PartCache<AgentSnapshot, number | null>>()

/**
 * `imbalance`: population variance of efficiency across live agents with finished tasks above
 * `efficiencyVarianceAbove`, or load imbalance (coefficient of variation of load, `swarm.imbalance`) above
 * `loadImbalanceAbove`. The recommendation moves queued tasks from the most to the least loaded agent.
 */
export const imbalance: Analyser = (snapshot, _history, config) => {
  const c = config.imbalance
  const live = liveAgents(snapshot)
  if (live.length < 2) return []
  // Two passes over the agents with finished tasks, without a filtered copy: this runs every tick. Their
  // efficiencies are kept by place and entry, so a handed-on entry is not read.
  const scoredEfficiency = partCacheFor(caches, config, scored).fit(live.length)
  let scoredCount = 0
  let sum = 0
  for (let i = 0; i < live.length; i++) {
    const efficiency = scoredEfficiency.get(i, live[i])
    if (efficiency === null) continue
    scoredCount++
    sum += efficiency
  }
  let variance = 0
  if (scoredCount >= 2) {
    const mean = sum / scoredCount
    let squares = 0
    for (let i = 0; i < live.length; i++) {
      const efficiency = scoredEfficiency.get(i, live[i])
      if (efficiency !== null) squares += (efficiency - mean) ** 2
    }
    variance = squares / scoredCount
  }
  const load = snapshot.swarm.imbalance
  const byLoad = load > c.loadImbalanceAbove
  const byEfficiency = variance > c.efficiencyVarianceAbove
  if (!byLoad && !byEfficiency) return []

  const busiest = busiestWithQueue(live)
  const receiver = busiest && idlestReceiver(busiest, live)
  const moves = busiest && receiver ? tasksToEqualise(busiest, receiver) : 0
  const least = idlest(live) as AgentSnapshot
  let recommendation: string
  if (busiest && receiver && moves > 0) {
    recommendation = `move ${num(moves)} queued task${moves === 1 ? '' : 's'} from ${busiest.agentId} (load ${num(busiest.load)}) to ${receiver.agentId} (load ${num(receiver.load)})`
  } else {
    const { worst, best } = efficiencyEnds(live)
    recommendation =
      worst && best && worst !== best
        ? `send fewer tasks to ${worst.agentId} (efficiency ${num(worst.efficiency)}) and more to ${best.agentId} (efficiency ${num(best.efficiency)})`
        : `spread new tasks by load: most loaded ${live.reduce((a, b) => (b.load > a.load ? b : a)).agentId}, least loaded ${least.agentId}`
  }
  const parts: string[] = []
  if (byLoad) parts.push(`load imbalance ${num(load)} (above ${num(c.loadImbalanceAbove)})`)
  if (byEfficiency)
    parts.push(
      `efficiency variance ${num(variance)} across ${num(scoredCount)} agents (above ${num(c.efficiencyVarianceAbove)})`,
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
