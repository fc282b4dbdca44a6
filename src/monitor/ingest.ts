import type { ResourceReading } from '../hosts/resources.js'
import { errorCodes, type SwarmError } from '../model/errors.js'
import type { EventOf, SwarmEvent } from '../model/swarm-event.js'
import type { SwarmMonitorConfig } from './config.js'
import type { Measurements } from './measurements.js'
import { type AgentRecord, noCapabilities, SwarmState, type TaskRecord } from './swarm-state.js'
import type { TaskEnd } from './task-table.js'

/** Lifetime figures that are not per agent. */
export interface IngestTotals {
  eventsValid: number
  eventsInvalid: number
  tasksCompleted: number
  tasksFailed: number
  tasksCancelled: number
  responseBuckets: Float64Array
  responseSumMs: number
  serviceBuckets: Float64Array
  serviceSumMs: number
  consensusRounds: number
  consensusAgreed: number
  reassignmentsApplied: number
  reassignmentsRefused: number
  firstEventAt: number | null
  reportedQueueDepth: number | null
  resources: { cpu: number; memoryUsedBytes: number; memoryTotalBytes: number; loadAverage: number | null } | null
}

const messageMemory = 100_000

/**
 * Applies validated events to the state and records their measurements into the kernels. Returns null for an
 * applied event, or the reason it was not applied (the caller reports it); never throws for bad input.
 */
export class Ingest {
  readonly state: SwarmState
  readonly totals: IngestTotals
  /** Messages sent and not yet received, and received before their sending arrived; each bounded (`messageMemory`). */
  private readonly sentAt = new Map<string, number>()
  private readonly receivedAt = new Map<string, number>()
  private readonly bounds: Float64Array
  /**
   * The latest timestamp seen (-Infinity before the first event). A number field from the start: a field that
   * starts as null would box every timestamp stored in it, one allocation per event.
   */
  private latest = Number.NEGATIVE_INFINITY
  /** The agent `finishing` found for the task it returned. */
  private finishingAgent: AgentRecord | null = null
  /**
   * The wall clock when last read: an event stamped at or before it is not from the future. The clock is read
   * again only for an event past it, so a replay of the past never reads it and a live host's events, stamped
   * about now, are judged by a recent reading. (A clock stepped back is seen once events pass its last reading.)
   * +Infinity: no check.
   */
  private wallNow: number

  constructor(
    private readonly config: SwarmMonitorConfig,
    readonly measurements: Measurements,
    /** The wall clock (ms since the epoch) the future check reads; null: no check (a recorded log's replay). */
    private readonly wallClock: (() => number) | null = Date.now,
  ) {
    this.wallNow =
      config.futureToleranceMs === null || wallClock === null ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY
    this.bounds = Float64Array.from(config.bucketBoundsMs)
    const buckets = config.bucketBoundsMs.length + 1
    this.state = new SwarmState(config.capacity, config.kindCapacity, buckets)
    this.totals = {
      eventsValid: 0,
      eventsInvalid: 0,
      tasksCompleted: 0,
      tasksFailed: 0,
      tasksCancelled: 0,
      responseBuckets: new Float64Array(buckets),
      responseSumMs: 0,
      serviceBuckets: new Float64Array(buckets),
      serviceSumMs: 0,
      consensusRounds: 0,
      consensusAgreed: 0,
      reassignmentsApplied: 0,
      reassignmentsRefused: 0,
      firstEventAt: null,
      reportedQueueDepth: null,
      resources: null,
    }
  }

  /** The event time every window has reached: the latest timestamp seen. */
  now(): number {
    return this.latest === Number.NEGATIVE_INFINITY ? 0 : this.latest
  }

  /**
   * Whether the event can be applied to the state as it stands at its time: null, or the reason it cannot (then
   * counted invalid). Reads and never writes: a rejected event must leave no trace, not even in event time (the
   * session ticks between this and `apply`, and only for an event it will apply). Nothing that tick does changes
   * the verdict: what it places or takes back is a proposal the host has not answered, and holds no task.
   */
  admit(event: SwarmEvent): SwarmError | null {
    const last = this.latest
    if (event.ts > this.wallNow && this.pastWallClock(event.ts)) {
      return this.reject(
        errorCodes.inFuture,
        `event at ${event.ts} is ${event.ts - this.wallNow} ms later than the wall clock (${this.wallNow}); ts is milliseconds since the epoch (microseconds or nanoseconds land here), and the tolerance is futureToleranceMs = ${this.config.futureToleranceMs} (null turns the check off)`,
        event,
        'ts',
      )
    }
    if (event.ts < last - this.config.outOfOrderToleranceMs) {
      return this.reject(
        errorCodes.outOfOrder,
        `event at ${event.ts} is ${last - event.ts} ms older than the latest (${last}); the tolerance is outOfOrderToleranceMs = ${this.config.outOfOrderToleranceMs}`,
        event,
        'ts',
      )
    }
    switch (event.type) {
      case 'task:queued':
        return this.checkQueued(event)
      case 'task:assigned':
        return this.checkAssigned(event)
      case 'task:started':
        return this.checkStarted(event)
      case 'task:completed':
      case 'task:failed':
        return this.checkOutcome(event)
      case 'task:cancelled':
        return this.checkCancelled(event)
      case 'agent:joined':
        return this.checkJoined(event)
      case 'agent:left':
        return this.checkLeft(event)
      default:
        return null
    }
  }

  /** Whether `ts` is later than the wall clock, read now, by more than the tolerance (the check is on here). */
  private pastWallClock(ts: number): boolean {
    this.wallNow = (this.wallClock as () => number)()
    return ts > this.wallNow + (this.config.futureToleranceMs as number)
  }

  /** Apply an event `admit` accepted just before (with nothing but a tick between): event time moves on to it first. */
  apply(event: SwarmEvent): void {
    const totals = this.totals
    if (event.ts > this.latest) {
      this.latest = event.ts
      this.measurements.advanceTo(event.ts)
      this.releaseExpiredSlots(event.ts)
    }
    if (totals.firstEventAt === null) totals.firstEventAt = event.ts
    this.dispatch(event)
    totals.eventsValid++
  }

  /** `admit`, then `apply` when it is admitted, for callers that do not tick in between. */
  offer(event: SwarmEvent): SwarmError | null {
    const error = this.admit(event)
    if (error === null) this.apply(event)
    return error
  }

  /** The host's resources, from its own event or from a sampler reading (not an event: no time, not counted). */
  recordResources(reading: ResourceReading): void {
    this.totals.resources = {
      cpu: reading.cpu,
      memoryUsedBytes: reading.memoryUsedBytes,
      memoryTotalBytes: reading.memoryTotalBytes,
      loadAverage: reading.loadAverage ?? null,
    }
  }

  /** Count an event reported invalid outside `admit` (it failed validation, or could not be read or applied). */
  countInvalid(): void {
    this.totals.eventsInvalid++
  }

  private dispatch(event: SwarmEvent): void {
    switch (event.type) {
      case 'task:queued':
        this.taskQueued(event)
        return
      case 'task:assigned':
        this.taskAssigned(event)
        return
      case 'task:started':
        this.taskStarted(event)
        return
      case 'task:completed':
        this.taskCompleted(event)
        return
      case 'task:failed':
        this.taskFailed(event)
        return
      case 'task:cancelled':
        this.taskCancelled(event)
        return
      case 'agent:joined':
        this.agentJoined(event)
        return
      case 'agent:left':
        this.agentLeft(event)
        return
      case 'message:sent': {
        // Its receipt may have come first (out of order, within the tolerance): the pair is complete now.
        const received = this.receivedAt.get(event.messageId)
        if (received !== undefined) {
          this.receivedAt.delete(event.messageId)
          // Only a receipt after this sending is its own: an older one of the id (a receipt whose sending the
          // monitor never saw, a duplicate delivery) is dropped, not paired with a later use of the id.
          if (received >= event.ts) {
            this.measurements.messages.record(0, received - event.ts)
            return
          }
        }
        remember(this.sentAt, event.messageId, event.ts)
        return
      }
      case 'message:received': {
        const sent = this.sentAt.get(event.messageId)
        if (sent !== undefined) {
          this.sentAt.delete(event.messageId)
          this.measurements.messages.record(0, Math.max(0, event.ts - sent))
        } else remember(this.receivedAt, event.messageId, event.ts)
        return
      }
      case 'queue:depth':
        if (event.agentId === undefined) this.totals.reportedQueueDepth = event.depth
        return
      case 'consensus:round':
        this.totals.consensusRounds++
        if (event.agreed) this.totals.consensusAgreed++
        this.measurements.consensus.record(0, event.durationMs)
        return
      case 'host:resources':
        this.recordResources(event)
        return
      case 'reassignment:applied':
        this.totals.reassignmentsApplied++
        return
      case 'reassignment:refused':
        this.reassignmentRefused(event)
        return
    }
  }

  // --- agents ---------------------------------------------------------------------------------------------------

  private checkJoined(event: EventOf<'agent:joined'>): SwarmError | null {
    const agent = this.agentAt(event.agentId, event.ts)
    if (agent?.live) {
      return this.reject(
        errorCodes.duplicate,
        `agent '${event.agentId}' joined twice without leaving`,
        event,
        'agentId',
      )
    }
    if (!agent && !this.slotFreeAt(event.ts)) {
      return this.reject(
        errorCodes.agentCapacity,
        `agent '${event.agentId}' cannot be tracked: all ${this.state.capacity} agent slots are in use (live agents plus agents that left within the window); raise \`capacity\``,
        event,
        'agentId',
      )
    }
    return null
  }

  private agentJoined(event: EventOf<'agent:joined'>): void {
    const state = this.state
    let agent = state.agents.get(event.agentId)
    if (agent) {
      // Back within its window: same slot, same history.
      const pending = state.pendingReleases.findIndex((r) => r.agentId === event.agentId)
      if (pending >= 0) state.pendingReleases.splice(pending, 1)
      agent.live = true
      agent.leftAt = null
    } else {
      agent = state.newAgent(event.agentId, state.takeSlot(), event.ts)
      state.agents.set(agent.id, agent)
    }
    agent.capabilities = event.capabilities ? [...event.capabilities] : []
    agent.capabilitySet = new Set(agent.capabilities)
    agent.capacity = event.capacity ?? 1
    agent.role = event.role ?? null
    agent.lastEventAt = event.ts
    agent.revision++
    state.liveAgents++
    this.measurements.scoring.setLive(agent.slot, true)
  }

  private checkLeft(event: EventOf<'agent:left'>): SwarmError | null {
    if (this.state.agents.get(event.agentId)?.live) return null
    return this.reject(
      errorCodes.unknownAgent,
      `agent '${event.agentId}' left but is not live (never joined, or already left)`,
      event,
      'agentId',
    )
  }

  private agentLeft(event: EventOf<'agent:left'>): void {
    const state = this.state
    const agent = state.agents.get(event.agentId) as AgentRecord
    agent.live = false
    agent.leftAt = event.ts
    agent.lastEventAt = event.ts
    agent.revision++
    state.liveAgents--
    this.measurements.scoring.setLive(agent.slot, false)
    releaseLater(state.pendingReleases, { at: event.ts + this.config.windowMs, agentId: agent.id })
    // Its work goes back to the pool for the strategy to place again; a late outcome from this agent is still
    // accepted (lastAgentId).
    for (const set of [state.placing, state.assigned]) {
      for (const task of set) if (task.agentId === agent.id) this.returnToPool(task, agent.id)
    }
    // Running work in the order it arrived, as the pool lists it.
    const running = [...agent.running].sort((a, b) => a.seq - b.seq)
    for (const task of running) this.returnToPool(task, agent.id)
    for (const task of state.assigned) {
      if (task.moveTo === agent.id) this.state.transition(task, 'assigned', task.agentId)
    }
  }

  private returnToPool(task: TaskRecord, agentId: string): void {
    task.lastAgentId = agentId
    task.startedAt = task.state === 'running' ? task.startedAt : null
    this.state.transition(task, 'unassigned', null)
  }

  /** Departed agents' slots become reusable once nothing of theirs is left in any window. */
  private releaseExpiredSlots(now: number): void {
    const pending = this.state.pendingReleases
    while (pending.length > 0 && pending[0].at <= now) {
      const { agentId } = pending.shift()!
      const agent = this.state.agents.get(agentId)
      if (!agent || agent.live) continue
      this.measurements.releaseSlot(agent.slot)
      this.state.freeSlot(agent.slot)
      this.state.agents.delete(agentId)
    }
  }

  /**
   * The agent's record as `apply` will find it at `ts`: a departed agent whose slot moving event time on to `ts`
   * releases (releaseExpiredSlots) is gone by then.
   */
  private agentAt(agentId: string, ts: number): AgentRecord | undefined {
    const agent = this.state.agents.get(agentId)
    if (agent === undefined || agent.live) return agent
    for (const released of this.releasedBy(ts)) if (released === agent) return undefined
    return agent
  }

  /** Whether a new agent finds a slot at `ts`, counting the slots moving event time on to `ts` releases. */
  private slotFreeAt(ts: number): boolean {
    return this.state.hasFreeSlot() || !this.releasedBy(ts).next().done
  }

  /** The departed agents whose slots `releaseExpiredSlots(ts)` would release (none unless `ts` moves time on). */
  private *releasedBy(ts: number): Generator<AgentRecord> {
    if (ts <= this.latest) return
    for (const release of this.state.pendingReleases) {
      if (release.at > ts) break
      const agent = this.state.agents.get(release.agentId)
      if (agent && !agent.live) yield agent
    }
  }

  private checkLiveAgent(event: SwarmEvent & { agentId: string }): SwarmError | null {
    const agent = this.agentAt(event.agentId, event.ts)
    if (agent?.live) return null
    return this.reject(
      errorCodes.unknownAgent,
      agent
        ? `agent '${event.agentId}' has left; it cannot take ${event.type.slice(5)} tasks`
        : `agent '${event.agentId}' never joined; send agent:joined first`,
      event,
      'agentId',
    )
  }

  // --- tasks ----------------------------------------------------------------------------------------------------

  private newTask(id: string, ts: number, queued?: EventOf<'task:queued'>): TaskRecord {
    const task = this.state.acquireTask()
    task.id = id
    task.kind = queued?.kind ?? null
    task.kindIndex = this.state.kindIndex(task.kind)
    task.requiredCapabilities = queued?.requiredCapabilities ?? noCapabilities
    task.priority = queued?.priority ?? 0
    task.estimatedMs = queued?.estimatedMs ?? null
    task.queuedAt = ts
    task.state = 'unassigned'
    task.agentId = null
    task.holder = null
    task.assignedAt = null
    task.startedAt = null
    task.placedAt = null
    task.moveTo = null
    task.moveAt = null
    task.lastAgentId = null
    this.state.addTask(task)
    this.state.unassigned.add(task)
    return task
  }

  private checkQueued(event: EventOf<'task:queued'>): SwarmError | null {
    const entry = this.state.entry(event.taskId)
    if (typeof entry === 'object') {
      return this.reject(errorCodes.duplicate, `task '${event.taskId}' queued twice`, event, 'taskId')
    }
    if (entry === 'completed') {
      return this.reject(
        errorCodes.duplicate,
        `task '${event.taskId}' queued again after it completed; give a new task a new id`,
        event,
        'taskId',
      )
    }
    // A failed or cancelled task may be queued again under its id: a retry.
    return null
  }

  private taskQueued(event: EventOf<'task:queued'>): void {
    this.newTask(event.taskId, event.ts, event)
  }

  /** A task that ended cannot be assigned or started (a retry is queued anew). */
  private checkNotEnded(
    event: SwarmEvent & { taskId: string },
    entry: TaskRecord | TaskEnd | undefined,
  ): SwarmError | null {
    if (typeof entry !== 'string') return null
    return this.reject(
      errorCodes.invalidTransition,
      `task '${event.taskId}' already ${entry}; it cannot be ${event.type.slice(5)}`,
      event,
      'taskId',
    )
  }

  /** The task an assignment or start names; hosts that emit no task:queued get one implied at this event. */
  private openTask(event: SwarmEvent & { taskId: string }): TaskRecord {
    const entry = this.state.entry(event.taskId)
    return typeof entry === 'object' ? entry : this.newTask(event.taskId, event.ts)
  }

  private checkAssigned(event: EventOf<'task:assigned'>): SwarmError | null {
    const agentError = this.checkLiveAgent(event)
    if (agentError) return agentError
    const task = this.state.entry(event.taskId)
    const ended = this.checkNotEnded(event, task)
    if (ended) return ended
    if (typeof task === 'object' && task.state === 'running') {
      return this.reject(
        errorCodes.invalidTransition,
        `task '${event.taskId}' is already running on '${task.agentId}'; a started task cannot be reassigned`,
        event,
        'taskId',
      )
    }
    return null
  }

  private taskAssigned(event: EventOf<'task:assigned'>): void {
    const agent = this.state.agents.get(event.agentId) as AgentRecord
    const task = this.openTask(event)
    this.state.transition(task, 'assigned', agent.id, agent)
    task.assignedAt = event.ts
    agent.lastEventAt = event.ts
    agent.revision++
  }

  /** The common case of a start: the task is assigned to the agent that starts it (which is live and tracked). */
  private heldBy(entry: TaskRecord | TaskEnd | undefined, agentId: string): entry is TaskRecord {
    return typeof entry === 'object' && entry.holder !== null && entry.holder.live && entry.agentId === agentId
  }

  private checkStarted(event: EventOf<'task:started'>): SwarmError | null {
    const task = this.state.entry(event.taskId)
    if (!this.heldBy(task, event.agentId)) {
      const agentError = this.checkLiveAgent(event) ?? this.checkNotEnded(event, task)
      if (agentError) return agentError
    }
    if (typeof task === 'object' && task.state === 'running') {
      return this.reject(
        errorCodes.invalidTransition,
        `task '${event.taskId}' started twice (running on '${task.agentId}' since ${task.startedAt})`,
        event,
        'taskId',
      )
    }
    return null
  }

  private taskStarted(event: EventOf<'task:started'>): void {
    // Both at hand without a lookup by agent id in the common case.
    const entry = this.state.entry(event.taskId)
    let agent: AgentRecord
    let task: TaskRecord
    if (this.heldBy(entry, event.agentId)) {
      agent = entry.holder as AgentRecord
      task = entry
    } else {
      agent = this.state.agents.get(event.agentId) as AgentRecord
      task = this.openTask(event)
    }
    if (task.assignedAt === null || task.agentId !== agent.id) task.assignedAt = event.ts
    this.state.transition(task, 'running', agent.id, agent)
    task.startedAt = event.ts
    agent.lastEventAt = event.ts
    agent.revision++
  }

  /** An outcome names the task and the agent that holds it (or held it last, or any agent when none has). */
  private checkOutcome(event: EventOf<'task:completed'> | EventOf<'task:failed'>): SwarmError | null {
    const task = this.state.entry(event.taskId)
    const holderId = typeof task === 'object' ? confirmedHolder(task) : null
    if (typeof task !== 'object' || holderId === null || holderId !== event.agentId) {
      if (!this.agentAt(event.agentId, event.ts)) {
        return this.reject(
          errorCodes.unknownAgent,
          `agent '${event.agentId}' never joined (or left more than a window ago)`,
          event,
          'agentId',
        )
      }
      if (typeof task !== 'object') {
        return task
          ? this.reject(errorCodes.duplicate, `task '${event.taskId}' already ${task}`, event, 'taskId')
          : this.reject(errorCodes.unknownTask, `task '${event.taskId}' was never queued or started`, event, 'taskId')
      }
      const holder = holderId ?? task.lastAgentId
      // The agent a placement proposed may report it too: the host may have taken the proposal without saying so.
      const proposed = task.state === 'placing' && task.agentId === event.agentId
      if (holder !== null && holder !== event.agentId && !proposed) {
        return this.reject(
          errorCodes.invalidTransition,
          `task '${event.taskId}' is held by '${holder}', not '${event.agentId}'`,
          event,
          'agentId',
        )
      }
    }
    if (event.type === 'task:completed' && task.startedAt === null && event.durationMs === undefined) {
      return this.reject(
        errorCodes.invalidTransition,
        `task '${event.taskId}' completed but never started; send task:started first (or give durationMs)`,
        event,
        'taskId',
      )
    }
    return null
  }

  /**
   * The task an admitted outcome names; its agent is left in `finishingAgent` (a pair returned per outcome was the
   * one allocation left on the hot path).
   */
  private finishing(event: EventOf<'task:completed'> | EventOf<'task:failed'>): TaskRecord {
    const task = this.state.entry(event.taskId) as TaskRecord
    // The common case first: the agent that holds the task reports it (no lookup by agent id).
    this.finishingAgent =
      task.holder !== null && task.agentId === event.agentId
        ? task.holder
        : (this.state.agents.get(event.agentId) as AgentRecord)
    return task
  }

  private taskCompleted(event: EventOf<'task:completed'>): void {
    const task = this.finishing(event)
    const agent = this.finishingAgent as AgentRecord
    // Bounded as a reported durationMs is (2^53 - 1): with the future check off, timestamps are not, and a larger
    // span would overflow the sums and squares behind the agent's figures.
    const serviceMs = event.durationMs ?? clampMs(event.ts - (task.startedAt as number))
    const responseMs = clampMs(event.ts - task.queuedAt)
    const m = this.measurements
    m.recordService(agent.slot, task.kindIndex, serviceMs)
    m.recordResponse(responseMs)
    const bucket = this.bucketOf(serviceMs)
    agent.serviceBuckets[bucket]++
    agent.serviceSumMs += serviceMs
    const totals = this.totals
    totals.serviceBuckets[bucket]++
    totals.serviceSumMs += serviceMs
    totals.responseBuckets[this.bucketOf(responseMs)]++
    totals.responseSumMs += responseMs
    totals.tasksCompleted++
    this.state.kindCompleted[task.kindIndex] = (this.state.kindCompleted[task.kindIndex] ?? 0) + 1
    agent.completed++
    agent.samples++
    // How this agent's times compare with the host's estimates: the speed model strategies use (a mean of raw
    // service times is biased by which tasks the agent happened to get).
    if (task.estimatedMs !== null && task.estimatedMs > 0)
      this.state.recordEstimateRatio(agent, task.kindIndex, serviceMs / task.estimatedMs)
    // A success stamped before the failures began (out of order, within the tolerance) does not end them.
    if (agent.failingSince !== null && event.ts >= agent.failingSince) {
      agent.recoveries++
      agent.recoverySumMs += event.ts - agent.failingSince
      agent.failingSince = null
    }
    agent.lastEventAt = event.ts
    agent.revision++
    if (!agent.live) this.keepSlotFor(agent, event.ts)
    this.state.end(task, 'completed')
  }

  private taskFailed(event: EventOf<'task:failed'>): void {
    const task = this.finishing(event)
    const agent = this.finishingAgent as AgentRecord
    this.measurements.recordFailure(agent.slot, task.kindIndex)
    this.totals.tasksFailed++
    this.state.kindFailed[task.kindIndex] = (this.state.kindFailed[task.kindIndex] ?? 0) + 1
    agent.failed++
    agent.samples++
    agent.failingSince ??= event.ts
    agent.lastEventAt = event.ts
    agent.revision++
    if (!agent.live) this.keepSlotFor(agent, event.ts)
    this.state.end(task, 'failed')
  }

  /**
   * A departed agent reported a late outcome: its slot (and the sample's window) stays until that sample expires,
   * not only the ones from before it left.
   */
  private keepSlotFor(agent: AgentRecord, ts: number): void {
    const pending = this.state.pendingReleases
    const at = pending.findIndex((r) => r.agentId === agent.id)
    const releaseAt = ts + this.config.windowMs
    if (at < 0 || pending[at].at >= releaseAt) return
    const [release] = pending.splice(at, 1)
    release.at = releaseAt
    releaseLater(pending, release)
  }

  private checkCancelled(event: EventOf<'task:cancelled'>): SwarmError | null {
    const task = this.state.entry(event.taskId)
    if (typeof task === 'object') {
      // The agent is optional; one named must be known, as for an outcome (live, or gone within the window).
      if (event.agentId === undefined || this.agentAt(event.agentId, event.ts)) return null
      return this.reject(
        errorCodes.unknownAgent,
        `agent '${event.agentId}' never joined (or left more than a window ago)`,
        event,
        'agentId',
      )
    }
    return task
      ? this.reject(errorCodes.duplicate, `task '${event.taskId}' already ${task}`, event, 'taskId')
      : this.reject(errorCodes.unknownTask, `task '${event.taskId}' was never queued`, event, 'taskId')
  }

  private taskCancelled(event: EventOf<'task:cancelled'>): void {
    this.totals.tasksCancelled++
    this.state.end(this.state.entry(event.taskId) as TaskRecord, 'cancelled')
  }

  private reassignmentRefused(event: EventOf<'reassignment:refused'>): void {
    this.totals.reassignmentsRefused++
    const task = this.state.task(event.taskId)
    if (!task) return
    if (refusesPlacement(task, event)) this.state.transition(task, 'unassigned', null)
    else if (task.moveTo === event.toAgentId && answersAt(event, task.moveAt))
      this.state.transition(task, task.state, task.agentId)
  }

  // --- what the monitor asks of the host ------------------------------------------------------------------------

  /** A placement the monitor emitted: the task counts at its target until the host confirms or refuses. */
  markPlacing(task: TaskRecord, toAgentId: string, now: number): void {
    this.state.transition(task, 'placing', toAgentId)
    task.placedAt = now
  }

  /** A move the monitor emitted: the task stays where it is until the host assigns it anew. */
  markMoving(task: TaskRecord, toAgentId: string, now: number): void {
    task.moveTo = toAgentId
    task.moveAt = now
    const target = this.state.agents.get(toAgentId)
    if (target) {
      target.queued++
      target.revision++
    }
  }

  /** Placements and moves the host never answered go back to where they were. */
  expireUnanswered(now: number): void {
    // One rule for both: made at `at`, unanswered through placementTimeoutMs.
    const lapsed = (at: number | null) => (at ?? now) + this.config.placementTimeoutMs <= now
    for (const task of this.state.placing) {
      if (lapsed(task.placedAt)) this.state.transition(task, 'unassigned', null)
    }
    for (const task of this.state.assigned) {
      if (task.moveTo !== null && lapsed(task.moveAt)) {
        this.state.transition(task, 'assigned', task.agentId)
      }
    }
  }

  private bucketOf(valueMs: number): number {
    const bounds = this.bounds
    let lo = 0
    let hi = bounds.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (valueMs <= bounds[mid]) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  private reject(code: SwarmError['code'], message: string, event: unknown, path?: string): SwarmError {
    this.totals.eventsInvalid++
    return path === undefined ? { code, message, event } : { code, message, path, event }
  }
}

/** A span of event time as a duration: not negative (out of order within the tolerance), at most 2^53 - 1 ms. */
function clampMs(ms: number): number {
  return Math.min(Math.max(0, ms), Number.MAX_SAFE_INTEGER)
}

/**
 * The agent the host has put the task on (assigned or running), if any. A placement the host has not answered is
 * the monitor's proposal, not a holder: the host may have given the task to another agent, whose outcome counts,
 * as a start from it does.
 */
function confirmedHolder(task: TaskRecord): string | null {
  return task.state === 'placing' ? null : task.agentId
}

/** Whether the refusal answers the reassignment made at `at` (any in flight, when it does not say which). */
function answersAt(event: EventOf<'reassignment:refused'>, at: number | null): boolean {
  return event.reassignmentAt === undefined || event.reassignmentAt === at
}

/** Whether the refusal takes back the placement of the task in flight (rather than a move, or a lapsed offer). */
export function refusesPlacement(task: TaskRecord, event: EventOf<'reassignment:refused'>): boolean {
  return task.state === 'placing' && task.agentId === event.toAgentId && answersAt(event, task.placedAt)
}

/** Keeps `id` at `ts`, forgetting the oldest entry past `messageMemory`. */
function remember(at: Map<string, number>, id: string, ts: number): void {
  if (at.size >= messageMemory) at.delete(at.keys().next().value as string)
  at.set(id, ts)
}

/**
 * Adds a slot release in time order: the walks over releases stop at the first that is not due, and leaves may
 * arrive out of order (within the tolerance).
 */
function releaseLater(pending: SwarmState['pendingReleases'], release: SwarmState['pendingReleases'][number]): void {
  let i = pending.length
  while (i > 0 && pending[i - 1].at > release.at) i--
  pending.splice(i, 0, release)
}
