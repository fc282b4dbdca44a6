import type { Finding } from '../model/finding.js'
import { type Analyser, insight, liveAgents, ms, num } from './analyser.js'

/**
 * `specialisation`: an agent at least `speedupAtLeast` times faster than the fleet at a task kind (mean service
 * time of the agent's `minCompleted` or more tasks of that kind against the fleet mean for the kind).
 */
export const specialisation: Analyser = (snapshot, _history, config) => {
  const c = config.specialisation
  const fleet = new Map(snapshot.kinds.map((k) => [k.kind, k]))
  const findings: Finding[] = []
  for (const agent of liveAgents(snapshot)) {
    for (const [kind, stats] of Object.entries(agent.byKind)) {
      const f = fleet.get(kind)
      const mean = stats.meanServiceMs
      if (!f || f.meanServiceMs === null || mean === null || mean <= 0 || stats.completed < c.minCompleted) continue
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
