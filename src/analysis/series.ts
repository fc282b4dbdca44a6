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

/**
 * Totals by `byKind` object: the monitor hands on the same object while an agent has no new samples, so an idle
 * agent costs a lookup per tick, not a walk over its kinds.
 */
const totalsByKinds = new WeakMap<object, { completed: number; failed: number; serviceMs: number }>()

function totals(agent: AgentSnapshot): { completed: number; failed: number; serviceMs: number } {
  const known = totalsByKinds.get(agent.byKind)
  if (known) return known
  const computed = sumKinds(agent)
  totalsByKinds.set(agent.byKind, computed)
  return computed
}

function sumKinds(agent: AgentSnapshot): { completed: number; failed: number; serviceMs: number } {
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

type Totals = ReturnType<typeof totals>

/** Per-agent lifetime totals of a snapshot, computed once per snapshot (snapshots are immutable once emitted). */
const totalsCache = new WeakMap<SwarmSnapshot, Map<string, Totals>>()

function agentTotals(snapshot: SwarmSnapshot): Map<string, Totals> {
  let cached = totalsCache.get(snapshot)
  if (!cached) {
    cached = new Map(snapshot.agents.map((a) => [a.agentId, totals(a)]))
    totalsCache.set(snapshot, cached)
  }
  return cached
}

type Accumulator = { completed: number; serviceMs: number; finished: number; failed: number }

/** The per-agent series after some snapshot; advanced one snapshot at a time. */
class AgentSeriesState {
  readonly series = new Map<string, AgentSeries>()
  private readonly acc = new Map<string, Accumulator>()
  private previous = new Map<string, Totals>()

  constructor(
    readonly tasksPerPoint: number,
    /** Points kept per series: older ones can no longer be in any window. */
    readonly keepPoints: number,
  ) {}

  advance(snapshot: SwarmSnapshot): void {
    const current = agentTotals(snapshot)
    for (const [agentId, now] of current) {
      const before = this.previous.get(agentId)
      // The same totals object means the same figures: nothing to add.
      if (!before || before === now) continue
      let series = this.series.get(agentId)
      if (!series) this.series.set(agentId, (series = { serviceMs: [], errorRate: [] }))
      let a = this.acc.get(agentId)
      if (!a) this.acc.set(agentId, (a = { completed: 0, serviceMs: 0, finished: 0, failed: 0 }))
      const dCompleted = now.completed - before.completed
      const dFailed = now.failed - before.failed
      if (dCompleted < 0 || dFailed < 0) {
        // Counters went back: a new agent reused the id. Start its series afresh.
        this.series.set(agentId, { serviceMs: [], errorRate: [] })
        this.acc.set(agentId, { completed: 0, serviceMs: 0, finished: 0, failed: 0 })
        continue
      }
      a.completed += dCompleted
      a.serviceMs += now.serviceMs - before.serviceMs
      a.finished += dCompleted + dFailed
      a.failed += dFailed
      if (a.completed >= this.tasksPerPoint) {
        push(
          series.serviceMs,
          { at: snapshot.at, value: a.serviceMs / a.completed, tasks: a.completed },
          this.keepPoints,
        )
        a.completed = 0
        a.serviceMs = 0
      }
      if (a.finished >= this.tasksPerPoint) {
        push(series.errorRate, { at: snapshot.at, value: a.failed / a.finished, tasks: a.finished }, this.keepPoints)
        a.finished = 0
        a.failed = 0
      }
    }
    this.previous = current
  }
}

function push(points: Point[], point: Point, keep: number): void {
  points.push(point)
  if (points.length > keep * 2) points.splice(0, points.length - keep)
}

/**
 * The state after a snapshot, so the next tick advances it by one snapshot instead of replaying the history (a
 * state is handed on, not shared: asking again from the same snapshot replays).
 */
const stateAfter = new WeakMap<SwarmSnapshot, AgentSeriesState>()

/**
 * Per-agent service-time and error-rate points over `snapshots` (oldest first), at least the last `keepPoints` of
 * each. Replays the snapshots unless the state after the second-to-last one is at hand.
 */
export function agentSeries(
  snapshots: readonly SwarmSnapshot[],
  tasksPerPoint: number,
  keepPoints = Number.POSITIVE_INFINITY,
): Map<string, AgentSeries> {
  const last = snapshots[snapshots.length - 1]
  const before = snapshots[snapshots.length - 2]
  let state = before ? stateAfter.get(before) : undefined
  if (state && state.tasksPerPoint === tasksPerPoint && state.keepPoints === keepPoints) {
    stateAfter.delete(before)
    state.advance(last)
  } else {
    state = new AgentSeriesState(tasksPerPoint, keepPoints)
    for (const snapshot of snapshots) state.advance(snapshot)
  }
  if (last) stateAfter.set(last, state)
  return state.series
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
