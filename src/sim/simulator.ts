import { type Observable, Subject } from 'rxjs'
import type { HostAdapter } from '../model/host-adapter.js'
import type { Reassignment } from '../model/reassignment.js'
import type { SwarmEvent } from '../model/swarm-event.js'
import { EventHeap } from './event-heap.js'
import { makespanLowerBound } from './makespan-lower-bound.js'
import { type SimulationOutcome, summarize } from './outcome.js'
import type { PlannedAgent, PlannedTask, SimulationPlan } from './plan.js'
import { createRng } from './rng.js'

export interface SimulatorOptions {
  /** Event time of the run's start, ms since the epoch. Fixed by default so a run's events are reproducible. */
  startTs?: number
  /**
   * While work remains, a `queue:depth` heartbeat is emitted at every multiple of this many virtual ms. The monitor's
   * clock is event time and it places tasks on its tick, so this must not exceed the monitor's tick (default 1000).
   */
  heartbeatMs?: number
  /** Stop after this much virtual time; tasks not finished by then count as lost. Default: 20x the lower bound + 10 min. */
  maxDurationMs?: number
}

/**
 * A simulated swarm: a host like any other. Its `events$` emits SwarmEvents with virtual timestamps; `apply()` is
 * the only way a task gets placed or moved. The run is synchronous: `advanceTo()` / `run()` drive virtual time.
 */
export interface SimulatedSwarm extends HostAdapter {
  readonly name: 'simulator'
  readonly events$: Observable<SwarmEvent>
  readonly plan: SimulationPlan
  readonly startTs: number
  /** Virtual ms since the start. */
  readonly nowMs: number
  /** Every task has ended (completed, or given up after its attempts) and no more will arrive; or the run stopped. */
  readonly done: boolean
  apply(reassignment: Reassignment): void
  /** Process everything due at or before `ms` (virtual ms since the start). */
  advanceTo(ms: number): void
  /** Virtual time of the next scheduled happening (Infinity when none). */
  nextEventMs(): number
  /** Run to the end, complete `events$` and return the outcome. */
  run(): SimulationOutcome
  /** Complete `events$` now (Ctrl-C, or the end of a run). Idempotent. */
  stop(): void
  /** Figures so far; final once `done`. */
  outcome(): SimulationOutcome
  dispose(): void
}

type TaskState = 'pending' | 'queued' | 'running' | 'completed' | 'failed'

interface JobRuntime {
  planned: PlannedTask
  attempts: number
  completions: number
  completedAtMs: number | null
  givenUp: boolean
}

interface TaskRuntime {
  taskId: string
  job: JobRuntime
  state: TaskState
  agent: AgentRuntime | null
  /** Placed at least once: a later apply is a reassignment, not a first placement. */
  placed: boolean
  /** Bumped whenever a scheduled completion becomes stale (restart, speed change). */
  token: number
  startedAtMs: number
  workLeft: number
  rate: number
  rateSinceMs: number
}

interface AgentRuntime {
  planned: PlannedAgent
  alive: boolean
  /** 1, or 1/factor while slowed down. */
  speedFactor: number
  running: Set<TaskRuntime>
  queue: TaskRuntime[]
  completed: number
  busyMs: number
}

type Happening =
  | { type: 'arrival'; job: JobRuntime }
  | { type: 'complete'; task: TaskRuntime; token: number }
  | { type: 'join'; agent: AgentRuntime }
  | { type: 'leave'; agent: AgentRuntime }
  | { type: 'speed'; agent: AgentRuntime; factor: number }
  | { type: 'heartbeat' }

/** 2026-01-01T00:00:00Z: a fixed origin, so two runs of a plan emit identical events. */
export const defaultStartTs = Date.UTC(2026, 0, 1)

export function createSimulator(plan: SimulationPlan, options: SimulatorOptions = {}): SimulatedSwarm {
  const startTs = options.startTs ?? defaultStartTs
  const heartbeatMs = options.heartbeatMs ?? 1000
  if (!(heartbeatMs > 0)) throw new RangeError('heartbeatMs must be positive')
  const lowerBoundMs = makespanLowerBound(plan)
  const maxDurationMs = options.maxDurationMs ?? 20 * lowerBoundMs + 600_000
  const failureSeed = createRng(plan.seed).fork('failures')
  const failureSalt = Math.floor(failureSeed.next() * 2 ** 32)

  const subject = new Subject<SwarmEvent>()
  const heap = new EventHeap<Happening>()
  const agents = new Map<string, AgentRuntime>()
  const tasks = new Map<string, TaskRuntime>()
  const jobs: JobRuntime[] = plan.tasks.map((planned) => ({
    planned,
    attempts: 0,
    completions: 0,
    completedAtMs: null,
    givenUp: false,
  }))

  let nowMs = 0
  let arrivalsLeft = jobs.length
  let jobsOpen = jobs.length
  /** Tasks waiting for a placement or queued at an agent (the global queue depth). */
  let waiting = 0
  let stopped = false
  let timedOut = false
  const counters = { placements: 0, reassignments: 0, refused: 0, restarts: 0, attemptsFailed: 0, duplicates: 0 }

  // Everything the simulator emits goes through this outbox; reassignments applied while an event is being emitted
  // (the monitor calls apply() from inside its handling) wait in `applies` and run after that emit returns.
  const outbox: SwarmEvent[] = []
  let outboxHead = 0
  const applies: Reassignment[] = []
  let draining = false

  const ts = (ms: number) => startTs + ms
  const emit = (event: SwarmEvent) => {
    outbox.push(event)
  }
  const drain = () => {
    if (draining) return
    draining = true
    try {
      for (;;) {
        if (applies.length > 0) {
          handleApply(applies.shift()!)
          continue
        }
        if (outboxHead >= outbox.length) break
        const event = outbox[outboxHead++]
        if (!stopped) subject.next(event)
      }
      outbox.length = 0
      outboxHead = 0
    } finally {
      draining = false
    }
  }

  for (const planned of plan.agents) {
    const agent: AgentRuntime = {
      planned,
      alive: false,
      speedFactor: 1,
      running: new Set(),
      queue: [],
      completed: 0,
      busyMs: 0,
    }
    agents.set(planned.agentId, agent)
    heap.push(planned.joinAtMs, { type: 'join', agent })
    if (planned.leaveAtMs !== null) heap.push(planned.leaveAtMs, { type: 'leave', agent })
  }
  for (const s of plan.slowdowns) {
    const agent = agents.get(s.agentId)!
    heap.push(s.atMs, { type: 'speed', agent, factor: s.factor })
    if (s.untilMs !== null) heap.push(s.untilMs, { type: 'speed', agent, factor: 1 })
  }
  for (const job of jobs) heap.push(job.planned.arrivalMs, { type: 'arrival', job })
  if (jobs.length > 0) heap.push(heartbeatMs, { type: 'heartbeat' })

  const workRemains = () => jobsOpen > 0

  /** Deterministic per attempt and agent, independent of event order, so strategies face the same luck. */
  const attemptFails = (task: TaskRuntime, agent: AgentRuntime): boolean => {
    const p = agent.planned.failureProbability
    if (p <= 0) return false
    let h = (0x811c9dc5 ^ failureSalt) >>> 0
    const key = `${task.taskId}@${agent.planned.agentId}`
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
    return ((h ^ (h >>> 16)) >>> 0) / 4294967296 < p
  }

  const queueAttempt = (job: JobRuntime) => {
    job.attempts++
    const taskId = job.attempts === 1 ? job.planned.jobId : `${job.planned.jobId}~${job.attempts}`
    const task: TaskRuntime = {
      taskId,
      job,
      state: 'pending',
      agent: null,
      placed: false,
      token: 0,
      startedAtMs: 0,
      workLeft: 0,
      rate: 0,
      rateSinceMs: 0,
    }
    tasks.set(taskId, task)
    waiting++
    emit({
      type: 'task:queued',
      ts: ts(nowMs),
      taskId,
      kind: job.planned.kind,
      requiredCapabilities: job.planned.requiredCapabilities,
      estimatedMs: job.planned.estimatedMs,
    })
  }

  const scheduleCompletion = (task: TaskRuntime) => {
    task.token++
    heap.push(nowMs + task.workLeft / task.rate, { type: 'complete', task, token: task.token })
  }

  const startQueued = (agent: AgentRuntime) => {
    while (agent.alive && agent.running.size < agent.planned.capacity && agent.queue.length > 0) {
      const task = agent.queue.shift()!
      task.state = 'running'
      waiting--
      agent.running.add(task)
      task.startedAtMs = nowMs
      task.workLeft = task.job.planned.sizeMs
      task.rate = agent.planned.speeds[task.job.planned.kind] * agent.speedFactor
      task.rateSinceMs = nowMs
      scheduleCompletion(task)
      emit({ type: 'task:started', ts: ts(nowMs), taskId: task.taskId, agentId: agent.planned.agentId })
    }
  }

  const refuse = (r: Reassignment, reason: string) => {
    counters.refused++
    emit({ type: 'reassignment:refused', ts: ts(nowMs), taskId: r.taskId, toAgentId: r.toAgentId, reason })
  }

  /** The host side of a placement or move, answered as a real host would: applied + assigned, or refused. */
  const handleApply = (r: Reassignment) => {
    const task = tasks.get(r.taskId)
    if (!task) return refuse(r, 'unknown task')
    if (task.state === 'completed' || task.state === 'failed') return refuse(r, 'task already finished')
    if (task.state === 'running') return refuse(r, 'task already started')
    const target = agents.get(r.toAgentId)
    if (!target?.alive) return refuse(r, 'target agent is not live')
    const kind = task.job.planned.kind
    if (target.planned.speeds[kind] === undefined)
      return refuse(r, `target agent lacks capabilities ${task.job.planned.requiredCapabilities.join(', ')}`)
    const from = task.agent
    if (from && r.fromAgentId !== undefined && r.fromAgentId !== from.planned.agentId)
      return refuse(r, `task is queued at ${from.planned.agentId}, not ${r.fromAgentId}`)
    if (from === target) return refuse(r, `task is already queued at ${r.toAgentId}`)
    if (from) from.queue.splice(from.queue.indexOf(task), 1)
    if (task.placed) counters.reassignments++
    else counters.placements++
    task.placed = true
    task.agent = target
    task.state = 'queued'
    target.queue.push(task)
    emit({
      type: 'reassignment:applied',
      ts: ts(nowMs),
      taskId: task.taskId,
      toAgentId: target.planned.agentId,
      ...(from ? { fromAgentId: from.planned.agentId } : {}),
    })
    emit({ type: 'task:assigned', ts: ts(nowMs), taskId: task.taskId, agentId: target.planned.agentId })
    startQueued(target)
  }

  const complete = (task: TaskRuntime, token: number) => {
    if (task.token !== token || task.state !== 'running') return // stale: restarted or rescheduled
    const agent = task.agent!
    agent.running.delete(task)
    agent.busyMs += nowMs - task.startedAtMs
    const job = task.job
    if (attemptFails(task, agent)) {
      task.state = 'failed'
      counters.attemptsFailed++
      emit({
        type: 'task:failed',
        ts: ts(nowMs),
        taskId: task.taskId,
        agentId: agent.planned.agentId,
        error: 'simulated failure',
      })
      if (job.attempts < plan.maxAttempts) queueAttempt(job)
      else {
        job.givenUp = true
        jobsOpen--
      }
    } else {
      task.state = 'completed'
      agent.completed++
      job.completions++
      if (job.completions === 1) {
        job.completedAtMs = nowMs
        jobsOpen--
      } else counters.duplicates++
      emit({ type: 'task:completed', ts: ts(nowMs), taskId: task.taskId, agentId: agent.planned.agentId })
    }
    startQueued(agent)
  }

  const leave = (agent: AgentRuntime) => {
    if (!agent.alive) return
    agent.alive = false
    emit({
      type: 'agent:left',
      ts: ts(nowMs),
      agentId: agent.planned.agentId,
      reason: agent.planned.leaveReason ?? 'left',
    })
    // Its tasks go back to the monitor's pool; a running one restarts from scratch wherever it is placed next.
    for (const task of agent.running) {
      agent.busyMs += nowMs - task.startedAtMs
      task.token++
      task.state = 'pending'
      task.agent = null
      waiting++
      counters.restarts++
    }
    for (const task of agent.queue) {
      task.state = 'pending'
      task.agent = null
    }
    agent.running.clear()
    agent.queue = []
  }

  const changeSpeed = (agent: AgentRuntime, factor: number) => {
    agent.speedFactor = 1 / factor
    for (const task of agent.running) {
      task.workLeft -= (nowMs - task.rateSinceMs) * task.rate
      task.rate = agent.planned.speeds[task.job.planned.kind] * agent.speedFactor
      task.rateSinceMs = nowMs
      scheduleCompletion(task)
    }
  }

  const handle = (h: Happening) => {
    switch (h.type) {
      case 'arrival':
        arrivalsLeft--
        return queueAttempt(h.job)
      case 'complete':
        return complete(h.task, h.token)
      case 'join':
        h.agent.alive = true
        return emit({
          type: 'agent:joined',
          ts: ts(nowMs),
          agentId: h.agent.planned.agentId,
          capabilities: h.agent.planned.capabilities,
          capacity: h.agent.planned.capacity,
          role: h.agent.planned.role,
        })
      case 'leave':
        return leave(h.agent)
      case 'speed':
        return h.agent.alive ? changeSpeed(h.agent, h.factor) : undefined
      case 'heartbeat':
        if (!workRemains()) return
        emit({ type: 'queue:depth', ts: ts(nowMs), depth: waiting })
        heap.push(nowMs + heartbeatMs, { type: 'heartbeat' })
    }
  }

  const advanceTo = (ms: number) => {
    while (!stopped && heap.size > 0 && heap.peekTime() <= ms && workRemains()) {
      if (heap.peekTime() > maxDurationMs) {
        nowMs = maxDurationMs
        timedOut = true
        sim.stop()
        return
      }
      const at = heap.peekTime()
      nowMs = at
      // Everything due at this instant, then the reassignments it provoked, before time moves on.
      while (heap.size > 0 && heap.peekTime() === at) handle(heap.pop()!)
      drain()
    }
    if (!stopped && ms > nowMs && Number.isFinite(ms) && workRemains()) nowMs = Math.min(ms, maxDurationMs)
  }

  const sim: SimulatedSwarm = {
    name: 'simulator',
    events$: subject.asObservable(),
    plan,
    startTs,
    get nowMs() {
      return nowMs
    },
    get done() {
      return stopped || !workRemains()
    },
    apply(reassignment) {
      applies.push(reassignment)
      drain()
    },
    advanceTo,
    nextEventMs: () => (workRemains() ? heap.peekTime() : Number.POSITIVE_INFINITY),
    run() {
      advanceTo(Number.POSITIVE_INFINITY)
      sim.stop()
      return sim.outcome()
    },
    stop() {
      if (stopped) return
      drain()
      stopped = true
      subject.complete()
    },
    outcome() {
      return summarize({
        plan,
        jobs,
        nowMs,
        finished: !workRemains(),
        timedOut,
        lowerBoundMs,
        counters,
        agents: [...agents.values()].map((a) => ({
          agentId: a.planned.agentId,
          alive: a.alive,
          completed: a.completed,
          busyMs: a.busyMs,
          running: a.running.size,
          queued: a.queue.length,
        })),
        waiting,
        arrivalsLeft,
      })
    },
    dispose() {
      sim.stop()
    },
  }
  return sim
}
