import type { IAgent, IEventBus, ITask, LifecycleManager, TaskManager } from '@claude-flow/shared/core'
import { errorCodes } from '../../model/errors.js'
import type { SwarmEvent } from '../../model/swarm-event.js'
import type { EventEmitterMapping, TranslateContext } from '../from-event-emitter.js'
import { TaskAttempts } from './task-attempts.js'

export interface ClaudeFlowBusMappingOptions {
  /**
   * The orchestrator's TaskManager (from `createOrchestrator()`): moves are applied with its `assignTask`, refused
   * for a task that already started or ended; task metadata fills in what the events leave out. Without it a move
   * is requested with `workstealing:request {sourceAgent, targetAgent, taskCount: 1}` on the bus and acknowledged
   * by the `task:assigned` that follows.
   */
  taskManager?: Pick<TaskManager, 'getTask' | 'getTasks' | 'assignTask'>
  /** The orchestrator's LifecycleManager: agents that exist at attach time, and a check that a target agent exists. */
  lifecycleManager?: Pick<LifecycleManager, 'getAgent' | 'getAllAgents'>
}

/** What the bus mapping needs of claude-flow's event bus (`@claude-flow/shared/core`, not the package root's). */
export type ClaudeFlowBus = Pick<IEventBus, 'subscribe' | 'emit' | 'listenerCount'>

/** Names on the bus that carry nothing to measure (session, health, memory, our own work-stealing requests). */
const ignoredNames = [
  'system:',
  'session:',
  'memory:',
  'metrics:',
  'coordination:',
  'agent:idle',
  'agent:busy',
  'agent:error',
  'agent:health:changed',
  'workstealing:request',
]

const startedOrEnded = new Set(['running', 'completed', 'failed', 'cancelled', 'timeout'])

/**
 * The mapping for claude-flow's event bus (`@claude-flow/shared/core`, 3.0.0-alpha.8). Envelopes are
 * `{ id, type, timestamp, source, payload }`; times come from `timestamp`. Names: `agent:spawned`,
 * `agent:terminated`, `task:created`, `task:assigned`, `task:started`, `task:completed`, `task:failed`,
 * `task:cancelled`, `task:retry`, `task:timeout`. `task:completed` and `task:failed` carry no agent: the agent is
 * the one the task was assigned to. No event carries a duration: service time is `task:started` → `task:completed`.
 * A retry (`task:retry`) starts a new attempt, a task of its own (`<taskId>#<n>`). With a TaskManager, each
 * `system:healthcheck` (the HealthMonitor's interval) reports its pending tasks as `queue:depth`.
 */
export function claudeFlowBusMapping(options: ClaudeFlowBusMappingOptions = {}): EventEmitterMapping<ClaudeFlowBus> {
  const { taskManager, lifecycleManager } = options
  const attempts = new TaskAttempts()
  /** What task:created said, for the queued event of a retry. */
  const described = new Map<string, Omit<Extract<SwarmEvent, { type: 'task:queued' }>, 'ts' | 'taskId' | 'type'>>()
  /** Attempts seen started. The bus calls type-specific handlers before wildcard ones: a host that starts a task
   * from its own task:assigned handler makes task:started reach us before that task:assigned. */
  const started = new Set<string>()

  const queued = (task: Partial<ITask> & { id: string }, ts: number): SwarmEvent => {
    const description = describe(task)
    described.set(task.id, description)
    return { type: 'task:queued', ts, taskId: attempts.current(task.id), ...description }
  }

  /** A task:assigned/started for a task never seen created: describe it from the TaskManager when there is one. */
  const ensureQueued = (hostTaskId: string, ctx: TranslateContext, out: SwarmEvent[]) => {
    const taskId = attempts.current(hostTaskId)
    if (ctx.taskState(taskId) !== 'unknown') return
    const task = taskManager?.getTask(hostTaskId)
    out.push(queued(task ?? { id: hostTaskId }, Math.min(ctx.ts, task?.createdAt?.getTime() ?? ctx.ts)))
  }

  const agentFor = (taskId: string, ctx: TranslateContext, fallback: unknown): string | undefined => {
    const agentId = ctx.agentOf(taskId) ?? (typeof fallback === 'string' && fallback ? fallback : undefined)
    if (!agentId) {
      ctx.report(
        ctx.taskState(taskId) === 'unknown' ? errorCodes.unknownTask : errorCodes.invalidTransition,
        `task ${taskId} was never assigned to an agent; not counted`,
        'payload.taskId',
      )
    }
    return agentId
  }

  return {
    name: 'claude-flow-bus',
    ignore: ignoredNames,
    listen: (bus, deliver) => {
      const subscription = bus.subscribe({ types: ['*'] }, (event) => deliver(event.type, event))
      return () => subscription.unsubscribe()
    },
    unwrap: (raw) => {
      const envelope = raw as { id?: unknown; timestamp?: unknown; payload?: unknown }
      const time = envelope.timestamp instanceof Date ? envelope.timestamp.getTime() : envelope.timestamp
      return {
        payload: envelope.payload,
        ts: typeof time === 'number' ? time : undefined,
        id: typeof envelope.id === 'string' ? envelope.id : undefined,
      }
    },
    events: {
      'agent:spawned': (payload, ctx) => {
        const p = payload as { agentId?: unknown; profile?: Partial<IAgent['config']> }
        const agentId = ctx.requireId(p?.agentId, 'payload.agentId')
        return agentId ? joined(agentId, p.profile, ctx.ts) : undefined
      },
      'agent:terminated': (payload, ctx) => {
        const p = payload as { agentId?: unknown; reason?: unknown }
        const agentId = ctx.requireId(p?.agentId, 'payload.agentId')
        if (!agentId) return undefined
        return {
          type: 'agent:left',
          ts: ctx.ts,
          agentId,
          ...(typeof p.reason === 'string' ? { reason: p.reason } : {}),
        }
      },
      'task:created': (payload, ctx) => {
        const task = (payload as { task?: Partial<ITask> })?.task
        const hostTaskId = ctx.requireId(task?.id, 'payload.task.id')
        if (!task || !hostTaskId) return undefined
        const out = [queued({ ...task, id: hostTaskId }, ctx.ts)]
        // createTask({ assignedAgent }) assigns without a task:assigned event.
        if (typeof task.assignedAgent === 'string' && task.assignedAgent) {
          out.push({
            type: 'task:assigned',
            ts: ctx.ts,
            taskId: attempts.current(hostTaskId),
            agentId: task.assignedAgent,
          })
        }
        return out
      },
      'task:assigned': (payload, ctx) => {
        const p = payload as { taskId?: unknown; agentId?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'payload.taskId')
        const agentId = ctx.requireId(p?.agentId, 'payload.agentId')
        if (!hostTaskId || !agentId) return undefined
        const taskId = attempts.current(hostTaskId)
        // Late: the start already implied this assignment.
        if (started.has(taskId) && ctx.agentOf(taskId) === agentId) return undefined
        const out: SwarmEvent[] = []
        ensureQueued(hostTaskId, ctx, out)
        out.push({ type: 'task:assigned', ts: ctx.ts, taskId, agentId })
        return out
      },
      'task:started': (payload, ctx) => {
        const p = payload as { taskId?: unknown; agentId?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'payload.taskId')
        if (!hostTaskId) return undefined
        const taskId = attempts.current(hostTaskId)
        // The payload names the agent the TaskManager holds the task at now; a move's task:assigned may still be
        // on its way to us (see `started`).
        const agentId = typeof p.agentId === 'string' && p.agentId ? p.agentId : agentFor(taskId, ctx, undefined)
        if (!agentId) return undefined
        const out: SwarmEvent[] = []
        ensureQueued(hostTaskId, ctx, out)
        if (ctx.agentOf(taskId) !== agentId) out.push({ type: 'task:assigned', ts: ctx.ts, taskId, agentId })
        out.push({ type: 'task:started', ts: ctx.ts, taskId, agentId })
        started.add(taskId)
        return out
      },
      'task:completed': (payload, ctx) => {
        const p = payload as { taskId?: unknown; result?: { agentId?: unknown } }
        const hostTaskId = ctx.requireId(p?.taskId, 'payload.taskId')
        if (!hostTaskId) return undefined
        const taskId = attempts.current(hostTaskId)
        const agentId = agentFor(taskId, ctx, p.result?.agentId)
        if (!agentId) return undefined
        started.delete(taskId)
        described.delete(hostTaskId)
        // Service time is started → completed from the envelopes: result.duration is whatever the caller passed.
        return { type: 'task:completed', ts: ctx.ts, taskId, agentId }
      },
      'task:failed': (payload, ctx) => {
        const p = payload as { taskId?: unknown; error?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'payload.taskId')
        if (!hostTaskId) return undefined
        const taskId = attempts.current(hostTaskId)
        const agentId = agentFor(taskId, ctx, undefined)
        if (!agentId) return undefined
        started.delete(taskId) // the description stays: a task:retry may follow
        return { type: 'task:failed', ts: ctx.ts, taskId, agentId, ...errorField(p.error) }
      },
      'task:timeout': (payload, ctx) => {
        const p = payload as { taskId?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'payload.taskId')
        if (!hostTaskId) return undefined
        const taskId = attempts.current(hostTaskId)
        const agentId = agentFor(taskId, ctx, undefined)
        return agentId ? { type: 'task:failed', ts: ctx.ts, taskId, agentId, error: 'timeout' } : undefined
      },
      'task:cancelled': (payload, ctx) => {
        const p = payload as { taskId?: unknown; reason?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'payload.taskId')
        if (!hostTaskId) return undefined
        const taskId = attempts.current(hostTaskId)
        const agentId = ctx.agentOf(taskId)
        started.delete(taskId)
        described.delete(hostTaskId)
        return {
          type: 'task:cancelled',
          ts: ctx.ts,
          taskId,
          ...(agentId ? { agentId } : {}),
          ...(typeof p.reason === 'string' ? { reason: p.reason } : {}),
        }
      },
      // The HealthMonitor's periodic check: report the TaskManager's queue. It keeps event time moving while the
      // swarm waits, so the monitor's ticks still place tasks that nothing else assigns.
      'system:healthcheck': (_payload, ctx) =>
        taskManager
          ? { type: 'queue:depth', ts: ctx.ts, depth: taskManager.getTasks({ status: 'pending' }).length }
          : undefined,
      'task:retry': (payload, ctx) => {
        const p = payload as { taskId?: unknown }
        const hostTaskId = ctx.requireId(p?.taskId, 'payload.taskId')
        if (!hostTaskId) return undefined
        const out: SwarmEvent[] = []
        const previous = attempts.current(hostTaskId)
        // retryTask() also accepts a task that never failed: the attempt it abandons ends here.
        if (ctx.taskState(previous) === 'open') {
          const agentId = ctx.agentOf(previous)
          out.push(
            agentId
              ? { type: 'task:failed', ts: ctx.ts, taskId: previous, agentId, error: 'retried before it ended' }
              : { type: 'task:cancelled', ts: ctx.ts, taskId: previous, reason: 'retried before it was assigned' },
          )
        }
        const taskId = attempts.next(hostTaskId)
        out.push({ type: 'task:queued', ts: ctx.ts, taskId, ...described.get(hostTaskId) })
        return out
      },
    },
    bootstrap: (_bus, now) => {
      const out: SwarmEvent[] = []
      for (const agent of lifecycleManager?.getAllAgents() ?? []) {
        if (agent.status !== 'terminated') out.push(joined(agent.id, agent.config, now))
      }
      for (const task of taskManager?.getTasks() ?? []) {
        if (task.status === 'completed' || task.status === 'failed' || task.status === 'cancelled') continue
        if (task.status === 'timeout') continue
        out.push(queued(task, now))
        const taskId = attempts.current(task.id)
        if (task.assignedAgent) out.push({ type: 'task:assigned', ts: now, taskId, agentId: task.assignedAgent })
        if (task.assignedAgent && task.status === 'running') {
          out.push({ type: 'task:started', ts: now, taskId, agentId: task.assignedAgent })
        }
      }
      return out
    },
    apply: async (r, { emitter: bus }) => {
      const { hostTaskId, attempt } = attempts.resolve(r.taskId)
      if (attempt !== attempts.attempt(hostTaskId)) return { refused: `attempt ${attempt} of ${hostTaskId} is over` }
      if (taskManager) {
        const task = taskManager.getTask(hostTaskId)
        if (!task) return { refused: `the TaskManager has no task ${hostTaskId}` }
        if (startedOrEnded.has(task.status)) {
          return { refused: task.status === 'running' ? 'the task already started' : `the task is ${task.status}` }
        }
        if (lifecycleManager && !lifecycleManager.getAgent(r.toAgentId)) {
          return { refused: `the LifecycleManager has no agent ${r.toAgentId}` }
        }
        if (task.assignedAgent === r.toAgentId) return true
        // assignTask emits task:assigned on the bus synchronously: that event answers the reassignment.
        await taskManager.assignTask(hostTaskId, r.toAgentId)
        return true
      }
      if (!r.fromAgentId) {
        return { refused: 'a placement needs the TaskManager (workstealing:request only moves work between agents)' }
      }
      if (bus.listenerCount('workstealing:request') === 0) {
        return { refused: 'nothing on the bus handles workstealing:request; pass the TaskManager' }
      }
      bus.emit('workstealing:request', { sourceAgent: r.fromAgentId, targetAgent: r.toAgentId, taskCount: 1 })
      return { pending: true }
    },
    definitions: {
      serviceMs: 'task:started → task:completed, times from the bus envelopes (claude-flow events carry no durations)',
      retries:
        'each task:retry starts a new attempt, counted as its own task <taskId>#<n>; the failed attempt counts once',
    },
  }
}

function joined(agentId: string, profile: Partial<IAgent['config']> | undefined, ts: number): SwarmEvent {
  const capacity = profile?.maxConcurrentTasks
  return {
    type: 'agent:joined',
    ts,
    agentId,
    ...(Array.isArray(profile?.capabilities) ? { capabilities: profile.capabilities.filter(isString) } : {}),
    ...(Number.isSafeInteger(capacity) && (capacity as number) > 0 ? { capacity } : {}),
    ...(typeof profile?.type === 'string' ? { role: profile.type } : {}),
  }
}

function describe(task: Partial<ITask>) {
  const required = task.metadata?.requiredCapabilities
  return {
    ...(typeof task.type === 'string' ? { kind: task.type } : {}),
    ...(typeof task.priority === 'number' && Number.isFinite(task.priority) ? { priority: task.priority } : {}),
    ...(Array.isArray(required) ? { requiredCapabilities: required.filter(isString) } : {}),
  }
}

function errorField(error: unknown): { error?: string } {
  if (error instanceof Error) return { error: error.message }
  if (typeof error === 'string') return { error }
  return {}
}

function isString(value: unknown): value is string {
  return typeof value === 'string'
}
