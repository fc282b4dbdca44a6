import type { Finding } from '../model/finding.js'
import { type Analyser, bottleneck, liveAgents, ms, num, severityAbove } from './analyser.js'

/**
 * `slow-agent`: an agent whose mean service time (window) is above `meanServiceMs`, or whose p50 is above
 * `fleetP50Ratio` times the fleet's p50 for the same task kinds. An agent runs a mix of kinds, so the fleet
 * reference is the fleet p50 of each kind the agent ran, weighted by how many of that kind it completed (for an
 * agent running one kind, exactly that kind's fleet p50).
 */
export const slowAgent: Analyser = (snapshot, _history, config) => {
  const c = config.slowAgent
  const fleetP50 = new Map(snapshot.kinds.map((k) => [k.kind, k.p50ServiceMs]))
  const findings: Finding[] = []
  for (const agent of liveAgents(snapshot)) {
    if (agent.tasksCompleted < c.minCompleted) continue
    const mean = agent.serviceMs.mean
    if (mean !== null && mean > c.meanServiceMs) {
      findings.push(
        bottleneck({
          kind: 'slow-agent',
          severity: severityAbove(mean, c.meanServiceMs * c.criticalFactor),
          agentId: agent.agentId,
          value: mean,
          threshold: c.meanServiceMs,
          since: snapshot.at,
          evidence: `${agent.agentId}: mean service time ${ms(mean)} over the window is above ${ms(c.meanServiceMs)} (${num(agent.tasksCompleted)} tasks completed)`,
        }),
      )
      continue
    }
    const p50 = agent.serviceMs.p50
    if (p50 === null) continue
    let weighted = 0
    let weight = 0
    for (const [kind, stats] of Object.entries(agent.byKind)) {
      const reference = fleetP50.get(kind)
      if (reference === null || reference === undefined || stats.completed === 0) continue
      weighted += reference * stats.completed
      weight += stats.completed
    }
    if (weight === 0) continue
    const reference = weighted / weight
    const threshold = reference * c.fleetP50Ratio
    if (p50 > threshold) {
      findings.push(
        bottleneck({
          kind: 'slow-agent',
          severity: severityAbove(p50, threshold * c.criticalFactor),
          agentId: agent.agentId,
          value: p50,
          threshold,
          since: snapshot.at,
          evidence: `${agent.agentId}: p50 service time ${ms(p50)} is ${num(p50 / reference)}x the fleet's p50 of ${ms(reference)} for the same task kinds (limit ${num(c.fleetP50Ratio)}x)`,
        }),
      )
    }
  }
  return findings
}
