import { errorCodes } from '../../model/errors.js'
import type { SwarmEvent } from '../../model/swarm-event.js'
import type { EmitterLike, EventEmitterMapping, TranslateContext } from '../from-event-emitter.js'

/** ruv-swarm's `TaskPriority` as numbers, as its own `priorityToNumber` does. */
const priorities: Record<string, number> = { low: 1, medium: 2, high: 3, critical: 4 }

/**
 * The mapping for ruv-swarm's typed, event-emitting `RuvSwarm` class (`src/index.ts` of ruv-swarm 1.0.20, which
 * implements `SwarmEventEmitter` with its own `on`/`off`/`emit`). The published runtime (`src/index.js`) does not
 * contain it: this mapping is for a build of that source, or a host that emits the same names. Payloads:
 * `agent:added {agentId, config}`, `agent:removed {agentId}`, `task:created {task}`,
 * `task:assigned {taskId, agentId}`, `task:completed {taskId, result}`, `task:failed {taskId, error}`. No event
 * carries a time (the adapter's clock stamps them) or a start: the swarm runs a task right after assigning it, so
 * assignment is taken as the start. ruv-swarm has no API to move a task: pass `apply` to `fromEventEmitter` to
 * apply reassignments your own way.
 *
 * @example
 * const adapter = fromEventEmitter(swarm, ruvSwarmMapping(), { apply: (r) => myScheduler.move(r) })
 */
export function ruvSwarmMapping(): EventEmitterMapping<EmitterLike> {
  const agentFor = (taskId: string, ctx: TranslateContext, fallback: unknown): string | undefined => {
    const agentId = ctx.agentOf(taskId) ?? (typeof fallback === 'string' && fallback ? fallback : undefined)
    if (!agentId) ctx.report(errorCodes.unknownTask, `task ${taskId} was never assigned; not counted`, 'taskId')
    return agentId
  }
  return {
    name: 'ruv-swarm',
    ignore: ['agent:status_changed', 'swarm:'],
    events: {
      'agent:added': (payload, ctx) => {
        const p = payload as { agentId?: unknown; config?: { type?: unknown; capabilities?: unknown } }
        const agentId = ctx.requireId(p?.agentId, 'agentId')
        if (!agentId) return undefined
        const capabilities = p.config?.capabilities
        return {
          type: 'agent:joined',
          ts: ctx.ts,
          agentId,
          // An agent of the swarm's pool runs one task at a time.
          capacity: 1,
          ...(Array.isArray(capabilities) ? { capabilities: capabilities.filter((c) => typeof c === 'string') } : {}),
          ...(typeof p.config?.type === 'string' ? { role: p.config.type } : {}),
        }
      },
      'agent:removed': (payload, ctx) => {
        const agentId = ctx.requireId((payload as { agentId?: unknown })?.agentId, 'agentId')
        return agentId ? { type: 'agent:left', ts: ctx.ts, agentId } : undefined
      },
      'task:created': (payload, ctx) => {
        const task = (payload as { task?: { id?: unknown; priority?: unknown } })?.task
        const taskId = ctx.requireId(task?.id, 'task.id')
        if (!taskId) return undefined
        const priority =
          typeof task?.priority === 'string' && Object.hasOwn(priorities, task.priority)
            ? priorities[task.priority]
            : undefined
        return { type: 'task:queued', ts: ctx.ts, taskId, ...(priority !== undefined ? { priority } : {}) }
      },
      'task:assigned': (payload, ctx) => {
        const p = payload as { taskId?: unknown; agentId?: unknown }
        const taskId = ctx.requireId(p?.taskId, 'taskId')
        const agentId = ctx.requireId(p?.agentId, 'agentId')
        if (!taskId || !agentId) return undefined
        const out: SwarmEvent[] = []
        if (ctx.taskState(taskId) === 'unknown') out.push({ type: 'task:queued', ts: ctx.ts, taskId })
        out.push(
          { type: 'task:assigned', ts: ctx.ts, taskId, agentId },
          { type: 'task:started', ts: ctx.ts, taskId, agentId },
        )
        return out
      },
      'task:completed': (payload, ctx) => {
        const p = payload as { taskId?: unknown; result?: { agentId?: unknown } }
        const taskId = ctx.requireId(p?.taskId, 'taskId')
        if (!taskId) return undefined
        const agentId = agentFor(taskId, ctx, p.result?.agentId)
        return agentId ? { type: 'task:completed', ts: ctx.ts, taskId, agentId } : undefined
      },
      'task:failed': (payload, ctx) => {
        const p = payload as { taskId?: unknown; error?: unknown }
        const taskId = ctx.requireId(p?.taskId, 'taskId')
        if (!taskId) return undefined
        const agentId = agentFor(taskId, ctx, undefined)
        if (!agentId) return undefined
        const error = p.error instanceof Error ? p.error.message : typeof p.error === 'string' ? p.error : undefined
        return { type: 'task:failed', ts: ctx.ts, taskId, agentId, ...(error ? { error } : {}) }
      },
    },
    definitions: {
      serviceMs:
        'task:assigned → task:completed: ruv-swarm emits no start and runs a task right after assigning it, so assignment is taken as the start; times are the adapter clock at delivery',
    },
  }
}
