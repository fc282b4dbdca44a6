import type { SwarmSnapshot } from '../model/snapshot.js'
import { liveAgents } from './analyser.js'

const PER_AGENT = 'agents.*.'

/** The number at a dotted path into `root`, or null when the path is missing or not a finite number. */
export function readPath(root: unknown, path: string): number | null {
  let value: unknown = root
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return null
    value = (value as Record<string, unknown>)[part]
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

export function isPerAgent(metric: string): boolean {
  return metric.startsWith(PER_AGENT)
}

/**
 * The values a metric names in a snapshot: one for a swarm path (`swarm.responseMs.p95`), one per live agent for
 * the per-agent form (`agents.*.serviceMs.p95` reads `serviceMs.p95` of each agent that has not left).
 */
export function readMetric(snapshot: SwarmSnapshot, metric: string): Array<{ agentId?: string; value: number | null }> {
  if (!isPerAgent(metric)) return [{ value: readPath(snapshot, metric) }]
  const rest = metric.slice(PER_AGENT.length)
  return liveAgents(snapshot).map((a) => ({ agentId: a.agentId, value: readPath(a, rest) }))
}

export function compare(value: number, op: '>' | '>=' | '<' | '<=', threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold
    case '>=':
      return value >= threshold
    case '<':
      return value < threshold
    case '<=':
      return value <= threshold
  }
}
