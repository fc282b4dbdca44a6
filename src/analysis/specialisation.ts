import type { Finding } from '../model/finding.js'
import type { AgentKindStats, AgentSnapshot } from '../model/snapshot.js'
import { type Analyser, insight, liveAgents, ms, num, type PartCache, partCacheFor } from './analyser.js'
import type { AnalysisConfig } from './config.js'

/**
 * The smallest mean service time among an agent's kinds with enough completed tasks (+Infinity when none has),
 * kept by place and entry: an agent whose smallest mean is above the largest fleet mean divided by `speedupAtLeast`
 * is faster than the fleet at no kind, so most agents of a large fleet cost one comparison a tick. A figure rather
 * than the list: on a large fleet every agent can have new figures every tick, and a list per agent would be built
 * and collected each time.
 */
function fastestCandidateMs(agent: AgentSnapshot, config: AnalysisConfig): number {
  const byKind = agent.byKind
  let fastest = Number.POSITIVE_INFINITY
  for (const kind in byKind) {
    const stats = byKind[kind]
    if (isCandidate(stats, config) && (stats.meanServiceMs as number) < fastest) fastest = stats.meanServiceMs as number
  }
  return fastest
}

const isCandidate = (stats: AgentKindStats, config: AnalysisConfig): boolean =>
  stats.completed >= config.specialisation.minCompleted && stats.meanServiceMs !== null && stats.meanServiceMs > 0

const caches = new WeakMap<AnalysisConfig, PartCache<AgentSnapshot, number>>()

/**
 * `specialisation`: an agent at least `speedupAtLeast` times faster than the fleet at a task kind (mean service
 * time of the agent's `minCompleted` or more tasks of that kind against the fleet mean for the kind).
 */
export const specialisation: Analyser = (snapshot, _history, config) => {
  const c = config.specialisation
  const fleet = new Map(snapshot.kinds.map((k) => [k.kind, k]))
  let slowestFleetMs = 0
  for (const k of snapshot.kinds)
    if (k.meanServiceMs !== null && k.meanServiceMs > slowestFleetMs) slowestFleetMs = k.meanServiceMs
  // An agent must beat some kind's fleet mean by speedupAtLeast; the margin keeps the screen clear of rounding.
  const slowestCandidateMs = (slowestFleetMs / c.speedupAtLeast) * (1 + 1e-9)
  const findings: Finding[] = []
  const live = liveAgents(snapshot)
  const cache = partCacheFor(caches, config, fastestCandidateMs).fit(live.length)
  for (let i = 0; i < live.length; i++) {
    const agent = live[i]
    if (cache.get(i, agent) > slowestCandidateMs) continue
    for (const kind in agent.byKind) {
      const stats = agent.byKind[kind]
      if (!isCandidate(stats, config)) continue
      const f = fleet.get(kind)
      const mean = stats.meanServiceMs as number
      if (!f || f.meanServiceMs === null) continue
      // Nothing to compare with when the agent did all of the kind's tasks.
      if (f.completed <= stats.completed) continue
      const speedup = f.meanServiceMs / mean
      if (speedup < c.speedupAtLeast) continue
      findings.push(
        insight({
          kind: 'specialisation',
          severity: 'info',
          agentId: agent.agentId,
          message: `${agent.agentId} runs '${kind}' tasks ${num(speedup)}x faster than the fleet: mean ${ms(mean)} vs ${ms(f.meanServiceMs)} over ${num(stats.completed)} tasks`,
          recommendation: `route '${kind}' tasks to ${agent.agentId} first (saves about ${ms(f.meanServiceMs - mean)} per task)`,
          value: speedup,
          threshold: c.speedupAtLeast,
          at: snapshot.at,
          key: `specialisation|${agent.agentId}|${kind}`,
        }),
      )
    }
  }
  return findings
}
