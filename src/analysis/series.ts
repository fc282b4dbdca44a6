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

/** An agent's lifetime totals over its kinds, written into `into` at `i`. */
function writeTotals(agent: AgentSnapshot, into: Columns, i: number): void {
  let completed = 0
  let failed = 0
  let serviceMs = 0
  for (const kind in agent.byKind) {
    const stats = agent.byKind[kind]
    completed += stats.completed
    failed += stats.failed
    serviceMs += (stats.meanServiceMs ?? 0) * stats.completed
  }
  into.completed[i] = completed
  into.failed[i] = failed
  into.serviceMs[i] = serviceMs
}

export interface AgentSeries {
  serviceMs: Point[]
  errorRate: Point[]
}

/** A series and what has accumulated toward its next points (one record, so an agent costs one lookup). */
interface Tracked extends AgentSeries {
  completed: number
  serviceSumMs: number
  finished: number
  failed: number
}

const fresh = (): Tracked => ({ serviceMs: [], errorRate: [], completed: 0, serviceSumMs: 0, finished: 0, failed: 0 })

/** The last snapshot's agents by place: entries, ids, `byKind` objects and lifetime totals, as plain columns. */
interface Columns {
  entries: AgentSnapshot[]
  ids: string[]
  byKind: object[]
  completed: number[]
  failed: number[]
  serviceMs: number[]
}

const columns = (): Columns => ({ entries: [], ids: [], byKind: [], completed: [], failed: [], serviceMs: [] })

/**
 * The per-agent series after some snapshot; advanced one snapshot at a time. The previous snapshot's agents are
 * kept by position (agents keep their place in the list from tick to tick): an agent whose entry is the very object
 * at its place last tick costs one comparison and no read of the entry, and one whose `byKind` is the object it had
 * last tick has the same totals and costs two, so a tick where few agents have new samples walks the list without a
 * lookup. Agents whose place changed are found by id. Totals are kept in columns, not an object per agent, since on
 * a large fleet every agent can have new figures every tick.
 */
export class AgentSeriesState {
  readonly series = new Map<string, AgentSeries>()
  /** Advances so far; `changed` lists the agents whose series changed in the last one. */
  advances = 0
  /** Agents whose points changed (a point added, or the series started afresh) in the last advance. */
  readonly changed = new Set<string>()
  private readonly tracked = this.series as Map<string, Tracked>
  private previous = columns()
  private spare = columns()

  constructor(
    readonly tasksPerPoint: number,
    /** Points kept per series: older ones can no longer be in any window. */
    readonly keepPoints: number,
  ) {}

  advance(snapshot: SwarmSnapshot): void {
    this.advances++
    this.changed.clear()
    const agents = snapshot.agents
    const before = this.previous
    const next = this.spare
    next.entries.length = agents.length
    next.ids.length = agents.length
    next.byKind.length = agents.length
    next.completed.length = agents.length
    next.failed.length = agents.length
    next.serviceMs.length = agents.length
    let byId: Map<string, number> | null = null
    for (let i = 0; i < agents.length; i++) {
      const agent = agents[i]
      next.entries[i] = agent
      // The very entry at this place last tick: same agent, same totals, and nothing of it to read.
      if (before.entries[i] === agent) {
        next.ids[i] = before.ids[i]
        next.byKind[i] = before.byKind[i]
        next.completed[i] = before.completed[i]
        next.failed[i] = before.failed[i]
        next.serviceMs[i] = before.serviceMs[i]
        continue
      }
      const agentId = agent.agentId
      next.ids[i] = agentId
      next.byKind[i] = agent.byKind
      let at = i
      if (before.ids[i] !== agentId) {
        if (!byId) {
          byId = new Map()
          for (let j = 0; j < before.ids.length; j++) byId.set(before.ids[j], j)
        }
        at = byId.get(agentId) ?? -1
      }
      // The same byKind object means the same figures: nothing to add.
      if (at >= 0 && before.byKind[at] === agent.byKind) {
        next.completed[i] = before.completed[at]
        next.failed[i] = before.failed[at]
        next.serviceMs[i] = before.serviceMs[at]
        continue
      }
      writeTotals(agent, next, i)
      if (at >= 0) this.add(agentId, before, at, next, i, snapshot.at)
    }
    this.previous = next
    this.spare = before
  }

  /** Accumulates the agent's change from `before[at]` to `now[i]`, adding a point once enough tasks finished. */
  private add(agentId: string, before: Columns, at: number, now: Columns, i: number, atMs: number): void {
    let a = this.tracked.get(agentId)
    if (!a) this.tracked.set(agentId, (a = fresh()))
    const dCompleted = now.completed[i] - before.completed[at]
    const dFailed = now.failed[i] - before.failed[at]
    if (dCompleted < 0 || dFailed < 0) {
      // Counters went back: a new agent reused the id. Start its series afresh.
      this.tracked.set(agentId, fresh())
      this.changed.add(agentId)
      return
    }
    a.completed += dCompleted
    a.serviceSumMs += now.serviceMs[i] - before.serviceMs[at]
    a.finished += dCompleted + dFailed
    a.failed += dFailed
    if (a.completed >= this.tasksPerPoint) {
      push(a.serviceMs, { at: atMs, value: a.serviceSumMs / a.completed, tasks: a.completed }, this.keepPoints)
      a.completed = 0
      a.serviceSumMs = 0
      this.changed.add(agentId)
    }
    if (a.finished >= this.tasksPerPoint) {
      push(a.errorRate, { at: atMs, value: a.failed / a.finished, tasks: a.finished }, this.keepPoints)
      a.finished = 0
      a.failed = 0
      this.changed.add(agentId)
    }
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
 * each (`state.series`). Replays the snapshots unless the state after the second-to-last one is at hand; after a
 * replay `state.changed` lists only the last snapshot's changes, so a reader that keeps figures per series checks
 * `state.advances` to know whether it saw every advance.
 */
export function agentSeries(
  snapshots: readonly SwarmSnapshot[],
  tasksPerPoint: number,
  keepPoints = Number.POSITIVE_INFINITY,
): AgentSeriesState {
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
  return state
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
