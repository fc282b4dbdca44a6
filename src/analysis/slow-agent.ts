import type { Finding } from '../model/finding.js'
import type { AgentSnapshot } from '../model/snapshot.js'
import {
  type Analyser,
  bottleneck,
  liveAgents,
  ms,
  num,
  type PartCache,
  partCacheFor,
  severityAbove,
} from './analyser.js'
import type { AnalysisConfig } from './config.js'

/**
 * What an agent's entry alone says, kept by place and entry (the monitor hands on the same entry while nothing of
 * the agent changed, so most agents cost a pointer comparison): +Infinity when the mean is over the limit (a finding
 * whatever the fleet does), -Infinity when there is no p50 or too few completed tasks (no finding), else the p50 to
 * hold against this tick's fleet reference.
 */
function screen(agent: AgentSnapshot, config: AnalysisConfig): number {
  if (agent.tasksCompleted < config.slowAgent.minCompleted) return Number.NEGATIVE_INFINITY
  const serviceMs = agent.serviceMs
  if (serviceMs.mean !== null && serviceMs.mean > config.slowAgent.meanServiceMs) return Number.POSITIVE_INFINITY
  return serviceMs.p50 ?? Number.NEGATIVE_INFINITY
}

const caches = new WeakMap<AnalysisConfig, PartCache<AgentSnapshot, number>>()

/**
 * `slow-agent`: an agent whose mean service time (window) is above `meanServiceMs`, or whose p50 is above
 * `fleetP50Ratio` times the fleet's p50 for the same task kinds. An agent runs a mix of kinds, so the fleet
 * reference is the fleet p50 of each kind the agent ran, weighted by how many of that kind it completed (for an
 * agent running one kind, exactly that kind's fleet p50).
 */
export const slowAgent: Analyser = (snapshot, _history, config) => {
  const c = config.slowAgent
  const fleetP50 = new Map(snapshot.kinds.map((k) => [k.kind, k.p50ServiceMs]))
  // The reference is a completion-weighted mean of fleet p50s, so it is at least the smallest of them: when that
  // is positive, an agent whose p50 is below fleetP50Ratio times it (less a margin far above the rounding of the
  // mean) cannot be slow, and its kinds need not be walked. Most agents are not slow.
  let smallest = Number.POSITIVE_INFINITY
  for (const k of snapshot.kinds) if (k.p50ServiceMs !== null && k.p50ServiceMs < smallest) smallest = k.p50ServiceMs
  const surelyFast =
    smallest > 0 && Number.isFinite(smallest) ? smallest * c.fleetP50Ratio * (1 - 1e-9) : Number.NEGATIVE_INFINITY
  const findings: Finding[] = []
  const live = liveAgents(snapshot)
  const cache = partCacheFor(caches, config, screen).fit(live.length)
  for (let i = 0; i < live.length; i++) {
    const agent = live[i]
    const screened = cache.get(i, agent)
    if (screened === Number.NEGATIVE_INFINITY || screened < surelyFast) continue
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
    for (const kind in agent.byKind) {
      const stats = agent.byKind[kind]
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
