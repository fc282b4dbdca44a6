import type { AgentKindStats, AgentSnapshot, BucketCounts, ServicePercentiles } from '../model/snapshot.js'
import { TaskList } from './task-list.js'
import { type TaskEnd, TaskTable } from './task-table.js'

/**
 * Who is doing what: the bookkeeping of agents and tasks that events change. No measurement lives here (that is
 * the kernels'), only the state needed to turn events into measurements and to hand strategies their pending work.
 */
export type TaskState = 'unassigned' | 'placing' | 'assigned' | 'running'

export interface AgentRecord {
  id: string
  /** Dense slot in the kernels' arenas. */
  slot: number
  live: boolean
  role: string | null
  capabilities: string[]
  capabilitySet: Set<string>
  capacity: number
  /** Started, not finished. */
  inFlight: number
  /** Assigned or being placed here, not started. */
  queued: number
  completed: number
  failed: number
  /** Start of the current run of failures without a success in between (null when the last outcome was a success). */
  failingSince: number | null
  recoverySumMs: number
  recoveries: number
  serviceSumMs: number
  /** Lifetime service-time bucket counts (bounds from config; last = +Inf). */
  serviceBuckets: Float64Array
  joinedAt: number
  lastEventAt: number
  leftAt: number | null
  /** Tasks started here and not finished, in no particular order (strategies read when each began). */
  running: TaskRecord[]
  /**
   * Per kind index: the sum and count of serviceMs / estimatedMs over completed tasks that carried an estimate.
   * Allocated on the first such completion.
   */
  estimateRatioSum: Float64Array | null
  estimateRatioCount: Uint32Array | null
  /** Bumped on every completion or failure: parts of the agent's snapshot built from samples are cached on it. */
  samples: number
  /**
   * The parts of the agent's snapshot built from its samples and the windows (see build-snapshot), kept on the
   * record itself so a tick reads them without following a pointer per agent. Valid while `samples` is still
   * `viewSamples` and the windows have not rotated since `viewRotations` (-1: never built).
   */
  viewSamples: number
  viewRotations: number
  windowCompleted: number
  windowFailed: number
  windowServiceSumMs: number
  serviceMsView: ServicePercentiles | null
  byKindView: Record<string, AgentKindStats> | null
  serviceHistogramView: BucketCounts | null
  /** The efficiency parts of the agent's last snapshot: handed on while the rounded figures stay the same. */
  efficiencyParts: EfficiencyParts | null
  /** The agent's entry in the last snapshot: handed on while nothing it is built from changed (null: none yet). */
  snapshotView: AgentSnapshot | null
  /**
   * Bumped by every change to a field the agent's snapshot entry is built from (state, counts, identity, the views
   * above). While it is still `entryRevision` and the kernels' figures are as they were, build-snapshot hands the
   * last entry on without reading it. test/analysis-incremental.test.ts holds every snapshot to a build from
   * scratch, so a change that forgets to bump it shows there.
   */
  revision: number
  entryRevision: number
}

export interface EfficiencyParts {
  speed: number
  consistency: number
  success: number
}

export interface TaskRecord {
  id: string
  /** Order of arrival among the tasks the monitor tracked (a retry arrives anew). */
  seq: number
  kind: string | null
  kindIndex: number
  requiredCapabilities: readonly string[]
  priority: number
  estimatedMs: number | null
  queuedAt: number
  state: TaskState
  /** The agent holding the task (assigned or running), or the target of a placement in flight. */
  agentId: string | null
  /** That agent's record while it is tracked (so an event naming the task's agent needs no lookup by id). */
  holder: AgentRecord | null
  assignedAt: number | null
  startedAt: number | null
  placedAt: number | null
  /** A move the monitor asked for and the host has not answered yet (the task stays with its agent meanwhile). */
  moveTo: string | null
  moveAt: number | null
  /** The agent that last held the task before it returned to the pool (an agent that left). */
  lastAgentId: string | null
  /** Position in its agent's `running` list while running. */
  runningIndex: number
  /** Neighbours in the list of its state (unassigned, placing or assigned), see task-list.ts. */
  listPrev: TaskRecord | null
  listNext: TaskRecord | null
}

const otherKind = '(other)'
const maxPooledTasks = 65_536
/** Shared by every task that requires nothing (never mutated). */
export const noCapabilities: readonly string[] = Object.freeze([])
const noKind = '(none)'

export class SwarmState {
  readonly agents = new Map<string, AgentRecord>()
  /**
   * Every task by id: its record while it lives, then how it ended (a tombstone, so a second completion is told
   * from an unknown task) until `endedMemory` later endings forget it. One table, so the hot path pays one
   * look-up per event.
   */
  private readonly entries: TaskTable<TaskRecord>
  private readonly taskPool: TaskRecord[] = []
  /** Tasks by state, in the order they entered it (oldest first): strategies read these, never the whole map. */
  readonly unassigned = new TaskList<TaskRecord>()
  readonly placing = new TaskList<TaskRecord>()
  readonly assigned = new TaskList<TaskRecord>()
  readonly kindNames: string[] = []
  /** Running tasks per kind index, and outcomes per kind index since the start. */
  readonly kindInFlight: number[] = []
  readonly kindCompleted: number[] = []
  readonly kindFailed: number[] = []
  private readonly kindIndexByName = new Map<string, number>()
  private readonly freeSlots: number[] = []
  private nextSlot = 0
  private nextTaskSeq = 0
  /** Slots of departed agents, released once their windows have expired: [releaseAt, agentId]. */
  readonly pendingReleases: Array<{ at: number; agentId: string }> = []
  liveAgents = 0

  constructor(
    readonly capacity: number,
    private readonly kindCapacity: number,
    private readonly bucketCount: number,
    endedMemory = 200_000,
  ) {
    this.entries = new TaskTable(endedMemory)
  }

  /** Dense index of a task kind for the per-kind kernels; kinds past the capacity share one, "(other)". */
  kindIndex(kind: string | null): number {
    const name = kind ?? noKind
    const known = this.kindIndexByName.get(name)
    if (known !== undefined) return known
    if (this.kindNames.length < this.kindCapacity - 1) {
      const index = this.kindNames.length
      this.kindNames.push(name)
      this.kindIndexByName.set(name, index)
      return index
    }
    // Past the named slots, every further kind shares one "(other)": the host's own kind of that name if it has
    // one (a second entry named "(other)" would collide with it in byKind), else the last slot.
    const other = this.kindIndexByName.get(otherKind) ?? this.kindCapacity - 1
    if (other === this.kindNames.length) {
      this.kindNames.push(otherKind)
      this.kindIndexByName.set(otherKind, other)
    }
    this.kindIndexByName.set(name, other)
    return other
  }

  /** A free slot, or -1 when every slot is taken. */
  takeSlot(): number {
    if (this.freeSlots.length > 0) return this.freeSlots.pop()!
    if (this.nextSlot < this.capacity) return this.nextSlot++
    return -1
  }

  /** Whether `takeSlot` would find one. */
  hasFreeSlot(): boolean {
    return this.freeSlots.length > 0 || this.nextSlot < this.capacity
  }

  /** Slots handed out so far: kernels' passes over all agents stop here. */
  slotsInUse(): number {
    return this.nextSlot
  }

  freeSlot(slot: number): void {
    this.freeSlots.push(slot)
  }

  newAgent(id: string, slot: number, ts: number): AgentRecord {
    return {
      id,
      slot,
      live: true,
      role: null,
      capabilities: [],
      capabilitySet: new Set(),
      capacity: 1,
      inFlight: 0,
      queued: 0,
      completed: 0,
      failed: 0,
      failingSince: null,
      recoverySumMs: 0,
      recoveries: 0,
      serviceSumMs: 0,
      serviceBuckets: new Float64Array(this.bucketCount),
      joinedAt: ts,
      lastEventAt: ts,
      leftAt: null,
      running: [],
      estimateRatioSum: null,
      estimateRatioCount: null,
      samples: 0,
      viewSamples: -1,
      viewRotations: -1,
      windowCompleted: 0,
      windowFailed: 0,
      windowServiceSumMs: 0,
      serviceMsView: null,
      byKindView: null,
      serviceHistogramView: null,
      efficiencyParts: null,
      snapshotView: null,
      revision: 0,
      entryRevision: -1,
    }
  }

  /** The task's record or how it ended, in one look-up. */
  entry(taskId: string): TaskRecord | TaskEnd | undefined {
    return this.entries.get(taskId)
  }

  /** The live task of that id, if any. */
  task(taskId: string): TaskRecord | undefined {
    const entry = this.entries.get(taskId)
    return typeof entry === 'object' ? entry : undefined
  }

  /** Live tasks, in no particular order. */
  liveTasks(): IterableIterator<TaskRecord> {
    return this.entries.values()
  }

  addTask(task: TaskRecord): void {
    task.seq = this.nextTaskSeq++
    this.entries.set(task.id, task)
  }

  /** A task record, from the pool of ended ones when there is one (tasks are the one thing ingest allocates). */
  acquireTask(): TaskRecord {
    return (
      this.taskPool.pop() ?? {
        id: '',
        seq: 0,
        kind: null,
        kindIndex: 0,
        requiredCapabilities: noCapabilities,
        priority: 0,
        estimatedMs: null,
        queuedAt: 0,
        state: 'unassigned',
        agentId: null,
        holder: null,
        assignedAt: null,
        startedAt: null,
        placedAt: null,
        moveTo: null,
        moveAt: null,
        lastAgentId: null,
        runningIndex: -1,
        listPrev: null,
        listNext: null,
      }
    )
  }

  /**
   * Move a task to a new state and agent, keeping the per-agent counts and the per-state sets in step. `agent` is
   * the record of `agentId` when the caller has it at hand (saves the lookup).
   */
  transition(
    task: TaskRecord,
    state: TaskState | null,
    agentId: string | null,
    agent: AgentRecord | undefined = agentId === null ? undefined : this.agents.get(agentId),
  ): void {
    this.leaveState(task)
    task.agentId = agentId
    task.holder = agent ?? null
    if (state === null) return
    task.state = state
    if (state === 'unassigned') this.unassigned.add(task)
    else if (state === 'placing') this.placing.add(task)
    else if (state === 'assigned') this.assigned.add(task)
    if (agent) {
      agent.revision++
      if (state === 'running') {
        agent.inFlight++
        task.runningIndex = agent.running.length
        agent.running.push(task)
      } else agent.queued++
    }
    if (state === 'running') this.kindInFlight[task.kindIndex] = (this.kindInFlight[task.kindIndex] ?? 0) + 1
  }

  private leaveState(task: TaskRecord): void {
    if (task.state === 'running' && task.agentId !== null) this.kindInFlight[task.kindIndex]--
    if (task.state === 'unassigned') this.unassigned.delete(task)
    else if (task.state === 'placing') this.placing.delete(task)
    else if (task.state === 'assigned') this.assigned.delete(task)
    const agent = task.holder
    if (agent !== null) {
      agent.revision++
      if (task.state === 'running') {
        agent.inFlight--
        removeRunning(agent, task)
      } else agent.queued--
    }
    if (task.moveTo !== null) {
      const target = this.agents.get(task.moveTo)
      if (target) {
        target.queued--
        target.revision++
      }
      task.moveTo = null
      task.moveAt = null
    }
  }

  /** A task ends (completed, failed, cancelled): it leaves every set and count. */
  end(task: TaskRecord, how: TaskEnd): void {
    this.transition(task, null, null)
    this.entries.end(task.id, how)
    if (this.taskPool.length < maxPooledTasks) this.taskPool.push(task)
  }

  /** Count a completed task's service time against its estimate, for the strategies' speed model. */
  recordEstimateRatio(agent: AgentRecord, kindIndex: number, ratio: number): void {
    if (agent.estimateRatioSum === null) {
      agent.estimateRatioSum = new Float64Array(this.kindCapacity)
      agent.estimateRatioCount = new Uint32Array(this.kindCapacity)
    }
    agent.estimateRatioSum[kindIndex] += ratio
    ;(agent.estimateRatioCount as Uint32Array)[kindIndex]++
  }

  hasCapabilities(agent: AgentRecord, required: readonly string[]): boolean {
    for (const capability of required) if (!agent.capabilitySet.has(capability)) return false
    return true
  }
}

/** Swap-remove from the agent's running list (checked: a record of an agent that re-joined under the same id). */
function removeRunning(agent: AgentRecord, task: TaskRecord): void {
  const list = agent.running
  let i = task.runningIndex
  if (list[i] !== task) i = list.indexOf(task)
  task.runningIndex = -1
  if (i < 0) return
  const last = list.pop() as TaskRecord
  if (last !== task) {
    list[i] = last
    last.runningIndex = i
  }
}
