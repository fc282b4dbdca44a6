import type { AgentSnapshot, SwarmSnapshot } from '../model/snapshot.js'

/**
 * Non-overlapping points derived from consecutive snapshots. A snapshot's per-agent figures are rolling windows
 * (neighbouring ticks share most of their tasks, so they are strongly correlated); the lifetime counters in
 * `byKind` are not, and their differences give the exact mean service time and error rate of the tasks that
 * finished between two ticks. Points aggregate ticks until enough tasks finished, so each point has comparable noise.
 */
export interface Point {
  at: number
  value: number
  /** Tasks (or completions) behind the point. */
  tasks: number
}

function totals(agent: AgentSnapshot): { completed: number; failed: number; serviceMs: number } {
  let completed = 0
  let failed = 0
  let serviceMs = 0
  for (const stats of Object.values(agent.byKind)) {
    completed += stats.completed
    failed += stats.failed
    serviceMs += (stats.meanServiceMs ?? 0) * stats.completed
  }
  return { completed, failed, serviceMs }
}

export interface AgentSeries {
  serviceMs: Point[]
  errorRate: Point[]
}

/** Per-agent service-time and error-rate points over `snapshots` (oldest first). */
export function agentSeries(snapshots: readonly SwarmSnapshot[], tasksPerPoint: number): Map<string, AgentSeries> {
  const out = new Map<string, AgentSeries>()
  const acc = new Map<string, { completed: number; serviceMs: number; finished: number; failed: number }>()
  let previous = new Map<string, ReturnType<typeof totals>>()
  for (const snapshot of snapshots) {
    const current = new Map<string, ReturnType<typeof totals>>()
    for (const agent of snapshot.agents) {
      const now = totals(agent)
      current.set(agent.agentId, now)
      const before = previous.get(agent.agentId)
      if (!before) continue
      let series = out.get(agent.agentId)
      if (!series) out.set(agent.agentId, (series = { serviceMs: [], errorRate: [] }))
      let a = acc.get(agent.agentId)
      if (!a) acc.set(agent.agentId, (a = { completed: 0, serviceMs: 0, finished: 0, failed: 0 }))
      const dCompleted = now.completed - before.completed
      const dFailed = now.failed - before.failed
      if (dCompleted < 0 || dFailed < 0) {
        // Counters went back: a new agent reused the id. Start its series afresh.
        out.set(agent.agentId, { serviceMs: [], errorRate: [] })
        acc.set(agent.agentId, { completed: 0, serviceMs: 0, finished: 0, failed: 0 })
        continue
      }
      a.completed += dCompleted
      a.serviceMs += now.serviceMs - before.serviceMs
      a.finished += dCompleted + dFailed
      a.failed += dFailed
      if (a.completed >= tasksPerPoint) {
        series.serviceMs.push({ at: snapshot.at, value: a.serviceMs / a.completed, tasks: a.completed })
        a.completed = 0
        a.serviceMs = 0
      }
      if (a.finished >= tasksPerPoint) {
        series.errorRate.push({ at: snapshot.at, value: a.failed / a.finished, tasks: a.finished })
        a.finished = 0
        a.failed = 0
      }
    }
    previous = current
  }
  return out
}

/** Swarm throughput (completions per minute) in points of at least `pointMs` of event time. */
export function throughputSeries(snapshots: readonly SwarmSnapshot[], pointMs: number): Point[] {
  const points: Point[] = []
  if (snapshots.length === 0) return points
  let start = snapshots[0]
  for (let i = 1; i < snapshots.length; i++) {
    const s = snapshots[i]
    const elapsed = s.at - start.at
    if (elapsed < pointMs) continue
    const completed = s.swarm.tasksCompleted - start.swarm.tasksCompleted
    if (completed >= 0) points.push({ at: s.at, value: (completed / elapsed) * 60_000, tasks: completed })
    start = s
  }
  return points
}
