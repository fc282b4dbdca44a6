import type { Finding } from '../model/finding.js'
import type { AgentSnapshot } from '../model/snapshot.js'
import { type Analyser, bottleneck, liveAgents, num, type PartCache, partCacheFor, pct } from './analyser.js'
import type { AnalysisConfig } from './config.js'

/** Whether the entry is failing by the thresholds, kept by place and entry (most entries are handed on unchanged). */
function failing(agent: AgentSnapshot, config: AnalysisConfig): boolean {
  const c = config.failingAgent
  return agent.tasksCompleted + agent.tasksFailed >= c.minFinished && agent.successRate < c.successRateBelow
}

const caches = new WeakMap<AnalysisConfig, PartCache<AgentSnapshot, boolean>>()

/** `failing-agent`: success rate below `successRateBelow` over at least `minFinished` finished tasks. */
export const failingAgent: Analyser = (snapshot, _history, config) => {
  const c = config.failingAgent
  const findings: Finding[] = []
  const live = liveAgents(snapshot)
  const cache = partCacheFor(caches, config, failing).fit(live.length)
  for (let i = 0; i < live.length; i++) {
    const agent = live[i]
    if (!cache.get(i, agent)) continue
    const finished = agent.tasksCompleted + agent.tasksFailed
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
