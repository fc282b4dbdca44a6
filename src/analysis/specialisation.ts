import type { Finding } from '../model/finding.js'
import type { AgentKindStats, AgentSnapshot } from '../model/snapshot.js'
import { type Analyser, insight, liveAgents, ms, num, type PartCache, partCacheFor } from './analyser.js'
import type { AnalysisConfig } from './config.js'

/**
 * Whether an agent's `byKind` has a kind with enough completed tasks and a mean to compare (most small fleets'
 * agents have none). A flag rather than the list: on a large fleet every agent has new figures every tick, and a
 * list per agent would be built and collected each time.
 */
function hasCandidate(byKind: AgentSnapshot['byKind'], config: AnalysisConfig): boolean {
  for (const kind in byKind) if (isCandidate(byKind[kind], config)) return true
  return false
}

const isCandidate = (stats: AgentKindStats, config: AnalysisConfig): boolean =>
  stats.completed >= config.specialisation.minCompleted && stats.meanServiceMs !== null && stats.meanServiceMs > 0

const caches = new WeakMap<AnalysisConfig, PartCache<AgentSnapshot['byKind'], boolean>>()

/**
 * `specialisation`: an agent at least `speedupAtLeast` times faster than the fleet at a task kind (mean service
 * time of the agent's `minCompleted` or more tasks of that kind against the fleet mean for the kind).
 */
export const specialisation: Analyser = (snapshot, _history, config) => {
  const c = config.specialisation
  const fleet = new Map(snapshot.kinds.map((k) => [k.kind, k]))
  const findings: Finding[] = []
  const cache = partCacheFor(caches, config, hasCandidate)
  const live = liveAgents(snapshot)
  for (let i = 0; i < live.length; i++) {
    const agent = live[i]
    if (!cache.get(i, agent.byKind)) continue
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
