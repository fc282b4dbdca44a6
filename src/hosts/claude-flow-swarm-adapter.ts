import type { AgentState, TaskDefinition, UnifiedSwarmCoordinator } from '@claude-flow/swarm'
import { errorCodes } from '../model/errors.js'
import type { SwarmEvent } from '../model/swarm-event.js'
import {
  type EmitterHostAdapter,
  type EventEmitterMapping,
  fromEventEmitter,
  type TranslateContext,
} from './from-event-emitter.js'
import { TaskAttempts } from './mappings/task-attempts.js'

export interface ClaudeFlowSwarmAdapterOptions {
  /**
   * The coordinator never picks a queued task up again by itself (a task submitted while every agent is busy, or
   * a retry that found no idle agent, waits forever). With `true` (default) the adapter re-offers the oldest
   * queued tasks through the coordinator's own assignment whenever an agent frees up. Set `false` when the
   * monitor's strategy places them (its placements are applied through the same assignment, narrowed to the
   * chosen agent).
   */
  reofferQueued?: boolean
  /** Clock for bootstrap events (default `Date.now`); host events carry their own timestamps. */
  now?: () => number
}

/** The coordinator's public surface the adapter uses, plus its (TypeScript-private) `assignTask`. */
type Coordinator = Pick<
  UnifiedSwarmCoordinator,
  'on' | 'off' | 'getTask' | 'getAgent' | 'getAllAgents' | 'getAllTasks' | 'getAvailableAgents' | 'getTasksByStatus'
>
type AssignTask = (task: TaskDefinition) => Promise<AgentState | undefined>

const priorities: Record<string, number> = { critical: 4, high: 3, normal: 2, low: 1, background: 0 }
const priorityOf = (task: TaskDefinition) => (Object.hasOwn(priorities, task.priority) ? priorities[task.priority] : 2)
const capabilityFlags = [
  'codeGeneration',
  'codeReview',
  'testing',
  'documentation',
  'research',
  'analysis',
  'coordination',
] as const
const ended = new Set(['completed', 'failed', 'cancelled', 'timeout'])

/**
 * The adapter for `@claude-flow/swarm`'s `UnifiedSwarmCoordinator` (3.0.0-alpha.8), which emits every event twice
 * (`emit(type, envelope)` and `emit('event', envelope)`) with envelopes `{ id, type, source, timestamp, data }`:
 *
 * - listens once, on `'event'`; `agent.joined` and `agent.left` still arrive twice per agent (spawnAgent and
 *   terminateAgent each emit again around registerAgent/unregisterAgent): the second is dropped quietly;
 * - `task.assigned` arrives before `task.created`: the task is queued from the coordinator's own record at its
 *   `createdAt`, and the late `task.created` is dropped;
 * - there is no `task.started`: assignment is the start (the agent is told to run it at once), which the snapshot's
 *   definitions say;
 * - a failed task with retries left is re-assigned with no `task.failed`: the adapter sees the coordinator's
 *   `retries` grow when the agent's message is delivered (`message.received`) or at the next `task.assigned`, and
 *   records a failure of that attempt; the next attempt is a task of its own, `<taskId>#<n>`;
 * - cancelling emits `task.failed { reason: 'cancelled' }`: counted as cancelled, not failed;
 * - an agent's heartbeat reports the coordinator's queue depth (`queue:depth`).
 *
 * A reassignment is applied only to a task the coordinator holds queued (an assigned task has started), onto an
 * idle agent (the coordinator runs one task per agent), through the coordinator's own `assignTask`.
 *
 * @example
 * const coordinator = new UnifiedSwarmCoordinator()
 * await coordinator.initialize()
 * const session = createSwarmMonitor().attach(claudeFlowSwarmAdapter(coordinator))
 */
export function claudeFlowSwarmAdapter(
  coordinator: Coordinator,
  options: ClaudeFlowSwarmAdapterOptions = {},
): EmitterHostAdapter {
  const reofferQueued = options.reofferQueued ?? true
  const attempts = new TaskAttempts()
  /** Retries of each host task the adapter has accounted for. */
  const retriesSeen = new Map<string, number>()
  /** The host task each agent runs, as far as the events tell. */
  const running = new Map<string, string>()
  /** Agents that left: their second `agent.left` is the known double, not an unknown agent. */
  const departed = new Set<string>()
  const assignTask: AssignTask = (task) =>
    (coordinator as unknown as { assignTask: AssignTask }).assignTask.call(coordinator, task)

  const queued = (task: TaskDefinition | undefined, hostTaskId: string, ts: number): SwarmEvent => ({
    type: 'task:queued',
    ts,
    taskId: attempts.current(hostTaskId),
    ...(task ? { kind: task.type, priority: priorityOf(task) } : {}),
  })

  const startedOn = (hostTaskId: string, agentId: string, ts: number): SwarmEvent[] => {
    running.set(agentId, hostTaskId)
    const taskId = attempts.current(hostTaskId)
    return [
      { type: 'task:assigned', ts, taskId, agentId },
      { type: 'task:started', ts, taskId, agentId },
    ]
  }

  /** The attempt ends: forget which agent runs it. */
  const release = (hostTaskId: string, agentId: string | undefined) => {
    if (agentId && running.get(agentId) === hostTaskId) running.delete(agentId)
  }

  /**
   * The coordinator retried the task silently if its `retries` grew: the attempt that was running failed, and the
   * next attempt is queued (it may be assigned by a `task.assigned` that follows).
   */
  const accountRetries = (hostTaskId: string, ctx: TranslateContext, out: SwarmEvent[]) => {
    const task = coordinator.getTask(hostTaskId)
    const seen = retriesSeen.get(hostTaskId) ?? task?.retries ?? 0
    if (!task || task.retries <= seen) return
    retriesSeen.set(hostTaskId, task.retries)
    const previous = attempts.current(hostTaskId)
    const agentId = ctx.agentOf(previous)
    if (agentId) {
      release(hostTaskId, agentId)
      out.push({
        type: 'task:failed',
        ts: ctx.ts,
        taskId: previous,
        agentId,
        error: 'failed; the coordinator retried it without a task.failed',
      })
    } else if (ctx.taskState(previous) === 'open') {
      out.push({ type: 'task:cancelled', ts: ctx.ts, taskId: previous, reason: 'retried before it was assigned' })
    }
    attempts.next(hostTaskId)
    out.push(queued(task, hostTaskId, ctx.ts))
  }

  let reofferScheduled = false
  /** Offer queued tasks to idle agents through the coordinator's own assignment (its scoring picks the agent). */
  const reoffer = () => {
    if (!reofferQueued || reofferScheduled) return
    reofferScheduled = true
    // After the current host event has been fully handled, never inside the coordinator's own emit.
    queueMicrotask(() => {
      reofferScheduled = false
      let idle = coordinator.getAvailableAgents().length
      if (idle === 0) return
      const waiting = coordinator
        .getTasksByStatus('queued')
        .sort((a, b) => priorityOf(b) - priorityOf(a) || +a.createdAt - +b.createdAt)
      for (const task of waiting) {
        if (idle-- === 0) break
        assignTask(task).catch(() => undefined) // a failed offer leaves the task queued for the next one
      }
    })
  }

  const mapping: EventEmitterMapping<Coordinator> = {
    name: 'claude-flow-swarm',
    // The same envelope also goes out under its own name: listening to both would count everything twice.
    listen: (host, deliver) => {
      const listener = (envelope: { type?: unknown }) => deliver(String(envelope?.type), envelope)
      host.on('event', listener)
      return () => host.off('event', listener)
    },
    unwrap: (raw) => {
      const envelope = raw as { id?: unknown; timestamp?: unknown; data?: unknown }
      const time = envelope.timestamp instanceof Date ? envelope.timestamp.getTime() : envelope.timestamp
      return {
        payload: envelope.data,
        ts: typeof time === 'number' ? time : undefined,
        id: typeof envelope.id === 'string' ? envelope.id : undefined,
      }
    },
    ignore: [
      'swarm.',
      'topology.',
      'hierarchy.',
      'parallel.',
      'consensus.', // no duration on consensus.failed, so rounds would be counted only when they agree
      'agent.domain_assigned',
      'agent.status_changed',
      'task.queued', // a domain queue; the task was queued when it was created
    ],
    events: {
      'agent.joined': (payload, ctx) => {
        const agentId = ctx.requireId((payload as { agentId?: unknown })?.agentId, 'data.agentId')
        if (!agentId || ctx.isLive(agentId)) return undefined // the known double
        departed.delete(agentId)
        reoffer()
        return joined(coordinator.getAgent(agentId), agentId, ctx.ts, (payload as { type?: unknown }).type)
      },
      'agent.left': (payload, ctx) => {
        const p = payload as { agentId?: unknown; reason?: unknown }
        const agentId = ctx.requireId(p?.agentId, 'data.agentId')
        if (!agentId || (!ctx.isLive(agentId) && departed.has(agentId))) return undefined // the known double
        departed.add(agentId)
        running.delete(agentId)
        return {
          type: 'agent:left',
          ts: ctx.ts,
          agentId,
          ...(typeof p.reason === 'string' ? { reason: p.reason } : {}),
        }
      },
      'task.created': (payload, ctx) => {
        const hostTaskId = ctx.requireId((payload as { taskId?: unknown })?.taskId, 'data.taskId')
        if (!hostTaskId || ctx.taskState(attempts.current(hostTaskId)) !== 'unknown') return undefined
        const task = coordinator.getTask(hostTaskId)
        retriesSeen.set(hostTaskId, task?.retries ?? 0)
        if (!task?.assignedTo) reoffer()
        return queued(task, hostTaskId, ctx.ts)
      },
      'task.assigned': (payload, ctx) => {
        const p = payload as { taskId?: unknown; agentId?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'data.taskId')
        const agentId = ctx.requireId(p?.agentId, 'data.agentId')
        if (!hostTaskId || !agentId) return undefined
        const out: SwarmEvent[] = []
        const task = coordinator.getTask(hostTaskId)
        if (ctx.taskState(attempts.current(hostTaskId)) === 'unknown') {
          // Emitted before task.created: queue it at the time the coordinator created it.
          retriesSeen.set(hostTaskId, task?.retries ?? 0)
          out.push(queued(task, hostTaskId, Math.min(ctx.ts, task?.createdAt?.getTime() ?? ctx.ts)))
        }
        accountRetries(hostTaskId, ctx, out)
        const holder = ctx.agentOf(attempts.current(hostTaskId))
        if (holder) {
          // Re-assigned while running without a retry (the coordinator recovering an unresponsive agent).
          release(hostTaskId, holder)
          out.push({
            type: 'task:failed',
            ts: ctx.ts,
            taskId: attempts.current(hostTaskId),
            agentId: holder,
            error: 'taken back by the coordinator while running',
          })
          attempts.next(hostTaskId)
          out.push(queued(task, hostTaskId, ctx.ts))
        }
        out.push(...startedOn(hostTaskId, agentId, ctx.ts))
        return out
      },
      'task.completed': (payload, ctx) => {
        const p = payload as { taskId?: unknown; agentId?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'data.taskId')
        if (!hostTaskId) return undefined
        const taskId = attempts.current(hostTaskId)
        const agentId = (typeof p.agentId === 'string' && p.agentId) || ctx.agentOf(taskId)
        if (!agentId) {
          ctx.report(errorCodes.unknownTask, `task ${hostTaskId} was never assigned; not counted`, 'data.taskId')
          return undefined
        }
        release(hostTaskId, agentId)
        reoffer()
        return { type: 'task:completed', ts: ctx.ts, taskId, agentId }
      },
      'task.failed': (payload, ctx) => {
        const p = payload as { taskId?: unknown; agentId?: unknown; error?: unknown; reason?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'data.taskId')
        if (!hostTaskId) return undefined
        const taskId = attempts.current(hostTaskId)
        const holder = ctx.agentOf(taskId)
        reoffer()
        if (p.reason === 'cancelled') {
          release(hostTaskId, holder)
          return {
            type: 'task:cancelled',
            ts: ctx.ts,
            taskId,
            reason: 'cancelled',
            ...(holder ? { agentId: holder } : {}),
          }
        }
        const agentId = (typeof p.agentId === 'string' && p.agentId) || holder
        if (!agentId) {
          ctx.report(errorCodes.unknownTask, `task ${hostTaskId} was never assigned; not counted`, 'data.taskId')
          return undefined
        }
        release(hostTaskId, agentId)
        return { type: 'task:failed', ts: ctx.ts, taskId, agentId, ...errorField(p.error) }
      },
      // The coordinator's queue as of an agent's heartbeat. Heartbeats keep coming while the swarm idles, so event
      // time keeps moving and the monitor's ticks still place what waits.
      'agent.heartbeat': (_payload, ctx) => ({
        type: 'queue:depth',
        ts: ctx.ts,
        depth: coordinator.getTasksByStatus('queued').length,
      }),
      // Delivered after the coordinator handled the agent's message: the moment a silent retry shows.
      'message.received': (payload, ctx) => {
        const to = (payload as { to?: unknown })?.to
        const hostTaskId = typeof to === 'string' ? running.get(to) : undefined
        if (!hostTaskId) return undefined
        const out: SwarmEvent[] = []
        accountRetries(hostTaskId, ctx, out)
        if (out.length > 0) reoffer()
        return out
      },
    },
    bootstrap: (host, now) => {
      const out: SwarmEvent[] = []
      for (const agent of host.getAllAgents()) {
        out.push(joined(agent, agent.id.id, now, agent.type))
      }
      for (const task of host.getAllTasks()) {
        if (ended.has(task.status)) continue
        const hostTaskId = task.id.id
        retriesSeen.set(hostTaskId, task.retries)
        out.push(queued(task, hostTaskId, now))
        if (task.assignedTo) out.push(...startedOn(hostTaskId, task.assignedTo.id, now))
      }
      return out
    },
    apply: async (r) => {
      const { hostTaskId, attempt } = attempts.resolve(r.taskId)
      if (attempt !== attempts.attempt(hostTaskId)) return { refused: `attempt ${attempt} of ${hostTaskId} is over` }
      const task = coordinator.getTask(hostTaskId)
      if (!task) return { refused: `the coordinator has no task ${hostTaskId}` }
      if (task.status !== 'queued' && task.status !== 'created') {
        return {
          refused: ended.has(task.status)
            ? `the task is ${task.status}`
            : 'the task already started (the coordinator starts a task when it assigns it)',
        }
      }
      const agent = coordinator.getAgent(r.toAgentId)
      if (!agent) return { refused: `the coordinator has no agent ${r.toAgentId}` }
      if (agent.status !== 'idle') {
        return { refused: `agent ${r.toAgentId} is ${agent.status} (the coordinator runs one task per agent)` }
      }
      // The coordinator has no public "assign to this agent": its own assignTask, with the choice narrowed to the
      // target. assignTask reads getAvailableAgents() synchronously, before its first await, so the narrowing is
      // undone before anything else can run.
      const narrowed = coordinator as { getAvailableAgents: () => AgentState[] }
      narrowed.getAvailableAgents = () => [agent]
      let assigned: Promise<AgentState | undefined>
      try {
        assigned = assignTask(task)
      } finally {
        delete (narrowed as { getAvailableAgents?: unknown }).getAvailableAgents
      }
      await assigned
      return task.assignedTo?.id === r.toAgentId ? true : { refused: 'the coordinator did not assign it' }
    },
    definitions: {
      serviceMs:
        'task.assigned → task.completed: @claude-flow/swarm emits no task.started and tells the agent to run a task when it assigns it, so assignment is taken as the start',
      retries:
        'a retry the coordinator makes without task.failed counts as a failure of that attempt; each attempt is its own task <taskId>#<n>',
      cancelled: "task.failed with reason 'cancelled' counts as cancelled, not failed",
    },
  }
  return fromEventEmitter(coordinator, mapping, options.now ? { now: options.now } : {})
}

function joined(agent: AgentState | undefined, agentId: string, ts: number, type: unknown): SwarmEvent {
  const capabilities = agent
    ? [...capabilityFlags.filter((flag) => agent.capabilities?.[flag] === true), ...(agent.capabilities?.domains ?? [])]
    : undefined
  const role = agent?.type ?? (typeof type === 'string' ? type : undefined)
  return {
    type: 'agent:joined',
    ts,
    agentId,
    // The coordinator gives an agent a task only while it is idle.
    capacity: 1,
    ...(capabilities ? { capabilities } : {}),
    ...(role ? { role } : {}),
  }
}

/**
 * The host's error as the event's `error` text. An object is its JSON where it has one (a bigint as its digits);
 * one JSON cannot write (a cycle, a throwing toJSON) is its tag: the failure itself must not be lost (a throw here
 * dropped the task:failed, leaving the task running in the monitor for good).
 */
export function errorField(error: unknown): { error?: string } {
  if (error instanceof Error) return { error: error.message }
  if (typeof error === 'string') return { error }
  if (error === undefined || error === null) return {}
  try {
    return { error: JSON.stringify(error, (_, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(error) }
  } catch {
    return { error: Object.prototype.toString.call(error) }
  }
}
