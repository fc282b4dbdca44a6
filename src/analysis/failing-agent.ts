import type { Finding } from '../model/finding.js'
import { type Analyser, bottleneck, liveAgents, num, pct } from './analyser.js'

/** `failing-agent`: success rate below `successRateBelow` over at least `minFinished` finished tasks. */
export const failingAgent: Analyser = (snapshot, _history, config) => {
  const c = config.failingAgent
  const findings: Finding[] = []
  for (const agent of liveAgents(snapshot)) {
    const finished = agent.tasksCompleted + agent.tasksFailed
    if (finished < c.minFinished || agent.successRate >= c.successRateBelow) continue
    findings.push(
      bottleneck({
        kind: 'failing-agent',
        severity: agent.successRate < c.criticalBelow ? 'critical' : 'warning',
        agentId: agent.agentId,
        value: agent.successRate,
        threshold: c.successRateBelow,
        since: snapshot.at,
        evidence: `${agent.agentId}: ${num(agent.tasksFailed)} of ${num(finished)} finished tasks failed (success rate ${pct(agent.successRate)}, below ${pct(c.successRateBelow)})`,
      }),
    )
  }
  return findings
}
