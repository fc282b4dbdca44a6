import type { Finding } from '../model/finding.js'
import type { AgentKindStats, AgentSnapshot } from '../model/snapshot.js'
import { type Analyser, insight, liveAgents, ms, num, type PartCache, partCacheFor } from './analyser.js'
import type { AnalysisConfig } from './config.js'

type Candidates = ReadonlyArray<readonly [kind: string, stats: AgentKindStats]>
const none: Candidates = []

/** The kinds of an agent's `byKind` with enough completed tasks and a mean to compare (most agents have none). */
function candidates(byKind: AgentSnapshot['byKind'], config: AnalysisConfig): Candidates {
  let found: Array<readonly [string, AgentKindStats]> | null = null
  for (const kind in byKind) {
    const stats = byKind[kind]
    const mean = stats.meanServiceMs
    if (stats.completed < config.specialisation.minCompleted || mean === null || mean <= 0) continue
    ;(found ??= []).push([kind, stats])
  }
  return found ?? none
}

const caches = new WeakMap<AnalysisConfig, PartCache<AgentSnapshot['byKind'], Candidates>>()

/**
 * `specialisation`: an agent at least `speedupAtLeast` times faster than the fleet at a task kind (mean service
 * time of the agent's `minCompleted` or more tasks of that kind against the fleet mean for the kind).
 */
export const specialisation: Analyser = (snapshot, _history, config) => {
  const c = config.specialisation
  const fleet = new Map(snapshot.kinds.map((k) => [k.kind, k]))
  const findings: Finding[] = []
  const cache = partCacheFor(caches, config, candidates)
  const live = liveAgents(snapshot)
  for (let i = 0; i < live.length; i++) {
    const agent = live[i]
    for (const [kind, stats] of cache.get(i, agent.byKind)) {
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
