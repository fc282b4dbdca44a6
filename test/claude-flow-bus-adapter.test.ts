import { createOrchestrator } from '@claude-flow/shared/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { claudeFlowBusAdapter } from '../src/hosts/claude-flow-bus-adapter.js'
import type { SwarmError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import { type SwarmEvent, swarmEventSchema } from '../src/model/swarm-event.js'

const t0 = Date.UTC(2026, 10, 27, 12, 0, 0)

const agentConfig = (id: string, capabilities: string[] = ['code']) => ({
  id,
  name: id,
  type: 'coder',
  capabilities,
  maxConcurrentTasks: 2,
  priority: 1,
})

function collect(adapter: ReturnType<typeof claudeFlowBusAdapter>) {
  const events: SwarmEvent[] = []
  const errors: SwarmError[] = []
  const subscriptions = [
    adapter.errors$.subscribe((e) => errors.push(e)),
    adapter.events$.subscribe((e) => events.push(e as SwarmEvent)),
  ]
  return {
    events,
    errors,
    stop: () => {
      for (const s of subscriptions) s.unsubscribe()
    },
  }
}

const move = (taskId: string, toAgentId: string, fromAgentId?: string): Reassignment => ({
  taskId,
  toAgentId,
  ...(fromAgentId ? { fromAgentId } : {}),
  reason: fromAgentId ? 'rebalance' : 'place',
  expectedGainMs: 10,
  at: Date.now(),
})

describe('claudeFlowBusAdapter on a real @claude-flow/shared/core orchestrator', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: t0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('maps agents and a task lifecycle with times from the envelopes, every event valid', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const adapter = claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager })
    const { events, errors } = collect(adapter)

    await lifecycleManager.spawn(agentConfig('a1', ['code', 'test']))
    const task = await taskManager.createTask({ type: 'coding', description: 'x', priority: 70 })
    vi.advanceTimersByTime(5)
    await taskManager.assignTask(task.id, 'a1')
    vi.advanceTimersByTime(20)
    await taskManager.startTask(task.id)
    vi.advanceTimersByTime(130)
    await taskManager.completeTask(task.id, { taskId: task.id, success: true, duration: 9999 })
    await lifecycleManager.terminate('a1', 'done')

    expect(errors).toEqual([])
    expect(events).toEqual([
      { type: 'agent:joined', ts: t0, agentId: 'a1', capabilities: ['code', 'test'], capacity: 2, role: 'coder' },
      { type: 'task:queued', ts: t0, taskId: task.id, kind: 'coding', priority: 70 },
      { type: 'task:assigned', ts: t0 + 5, taskId: task.id, agentId: 'a1' },
      { type: 'task:started', ts: t0 + 25, taskId: task.id, agentId: 'a1' },
      // No durationMs: the caller-supplied result.duration (9999) is not a measurement.
      { type: 'task:completed', ts: t0 + 155, taskId: task.id, agentId: 'a1' },
      { type: 'agent:left', ts: t0 + 155, agentId: 'a1', reason: 'done' },
    ])
    for (const event of events) expect(swarmEventSchema.safeParse(event).success).toBe(true)
  })

  it('counts a retried task as one failed attempt and one new task, matching the TaskManager counts', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const { events, errors } = collect(claudeFlowBusAdapter(eventBus, { taskManager }))
    await lifecycleManager.spawn(agentConfig('a1'))
    await lifecycleManager.spawn(agentConfig('a2'))
    const task = await taskManager.createTask({ type: 'coding', description: 'x', metadata: { maxRetries: 2 } })
    await taskManager.assignTask(task.id, 'a1')
    await taskManager.startTask(task.id)
    vi.advanceTimersByTime(10)
    await taskManager.failTask(task.id, new Error('boom'))
    await taskManager.retryTask(task.id)
    await taskManager.assignTask(task.id, 'a2')
    await taskManager.startTask(task.id)
    vi.advanceTimersByTime(40)
    await taskManager.completeTask(task.id, { taskId: task.id, success: true, duration: 0 })
    const other = await taskManager.createTask({ type: 'coding', description: 'y' })
    await taskManager.cancelTask(other.id, 'not needed')

    expect(errors).toEqual([])
    const tasks = events.filter((e) => e.type.startsWith('task:'))
    expect(tasks.map((e) => [e.type, 'taskId' in e ? e.taskId : '', 'agentId' in e ? e.agentId : ''])).toEqual([
      ['task:queued', task.id, ''],
      ['task:assigned', task.id, 'a1'],
      ['task:started', task.id, 'a1'],
      ['task:failed', task.id, 'a1'],
      ['task:queued', `${task.id}#2`, ''],
      ['task:assigned', `${task.id}#2`, 'a2'],
      ['task:started', `${task.id}#2`, 'a2'],
      ['task:completed', `${task.id}#2`, 'a2'],
      ['task:queued', other.id, ''],
      ['task:cancelled', other.id, ''],
    ])
    expect(events.find((e) => e.type === 'task:failed')).toMatchObject({ error: 'boom' })
    expect(events.find((e) => e.type === 'task:queued' && e.taskId === `${task.id}#2`)).toMatchObject({
      kind: 'coding',
    })
    const metrics = taskManager.getMetrics()
    expect(events.filter((e) => e.type === 'task:completed')).toHaveLength(metrics.completedTasks)
    expect(events.filter((e) => e.type === 'task:failed')).toHaveLength(metrics.failedTasks)
    expect(events.filter((e) => e.type === 'task:cancelled')).toHaveLength(metrics.cancelledTasks)
  })

  it('applies a move of a task that has not started through taskManager.assignTask, answering before task:assigned', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const adapter = claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager })
    const { events, errors } = collect(adapter)
    await lifecycleManager.spawn(agentConfig('a1'))
    await lifecycleManager.spawn(agentConfig('a2'))
    const task = await taskManager.createTask({ type: 'coding', description: 'x' })
    await taskManager.assignTask(task.id, 'a1')
    const before = events.length

    await adapter.apply(move(task.id, 'a2', 'a1'))

    expect(taskManager.getTask(task.id)).toMatchObject({ assignedAgent: 'a2', status: 'assigned' })
    expect(events.slice(before)).toEqual([
      { type: 'reassignment:applied', ts: t0, taskId: task.id, toAgentId: 'a2', fromAgentId: 'a1' },
      { type: 'task:assigned', ts: t0, taskId: task.id, agentId: 'a2' },
    ])
    expect(errors).toEqual([])
  })

  it('refuses to move a task that already started, and leaves it where it runs', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const adapter = claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager })
    const { events } = collect(adapter)
    await lifecycleManager.spawn(agentConfig('a1'))
    await lifecycleManager.spawn(agentConfig('a2'))
    const task = await taskManager.createTask({ type: 'coding', description: 'x' })
    await taskManager.assignTask(task.id, 'a1')
    await taskManager.startTask(task.id)
    const before = events.length

    await adapter.apply(move(task.id, 'a2', 'a1'))
    await adapter.apply(move(task.id, 'ghost'))
    const queued = await taskManager.createTask({ type: 'coding', description: 'y' })
    await adapter.apply(move(queued.id, 'ghost'))

    expect(taskManager.getTask(task.id)).toMatchObject({ assignedAgent: 'a1', status: 'running' })
    expect(events.slice(before).filter((e) => e.type.startsWith('reassignment:'))).toEqual([
      {
        type: 'reassignment:refused',
        ts: t0,
        taskId: task.id,
        toAgentId: 'a2',
        reason: 'the task already started',
        reassignmentAt: expect.any(Number),
      },
      {
        type: 'reassignment:refused',
        ts: t0,
        taskId: task.id,
        toAgentId: 'ghost',
        reason: 'the task already started',
        reassignmentAt: expect.any(Number),
      },
      {
        type: 'reassignment:refused',
        ts: t0,
        taskId: queued.id,
        toAgentId: 'ghost',
        reason: 'the LifecycleManager has no agent ghost',
        reassignmentAt: expect.any(Number),
      },
    ])
  })

  it('without a TaskManager, requests a move with workstealing:request and takes the host task:assigned as the answer', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const adapter = claudeFlowBusAdapter(eventBus)
    const { events } = collect(adapter)
    await lifecycleManager.spawn(agentConfig('a1'))
    await lifecycleManager.spawn(agentConfig('a2'))
    const task = await taskManager.createTask({ type: 'coding', description: 'x' })
    await taskManager.assignTask(task.id, 'a1')

    // Nobody handles work stealing yet: refused at once, nothing emitted on the bus.
    await adapter.apply(move(task.id, 'a2', 'a1'))
    expect(events.at(-1)).toMatchObject({ type: 'reassignment:refused', reason: expect.stringMatching(/workstealing/) })

    // A host-side load balancer, as claude-flow's, moves the source agent's waiting tasks.
    const requests: unknown[] = []
    eventBus.on('workstealing:request', async (event) => {
      const { sourceAgent, targetAgent, taskCount } = event.payload as Record<string, string & number>
      requests.push(event.payload)
      const waiting = taskManager.getTasks({ status: 'assigned', assignedAgent: sourceAgent }).slice(0, taskCount)
      for (const t of waiting) await taskManager.assignTask(t.id, targetAgent)
    })
    await adapter.apply(move(task.id, 'a2', 'a1'))
    expect(requests).toEqual([{ sourceAgent: 'a1', targetAgent: 'a2', taskCount: 1 }])
    expect(events.slice(-2)).toEqual([
      { type: 'reassignment:applied', ts: t0, taskId: task.id, toAgentId: 'a2', fromAgentId: 'a1' },
      { type: 'task:assigned', ts: t0, taskId: task.id, agentId: 'a2' },
    ])
    // A placement cannot be expressed as work stealing.
    await adapter.apply(move(task.id, 'a1'))
    expect(events.at(-1)).toMatchObject({ type: 'reassignment:refused', reason: expect.stringMatching(/placement/) })
  })

  it('reports malformed, unknown and repeated host events on errors$ and keeps translating', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const adapter = claudeFlowBusAdapter(eventBus, { taskManager })
    const { events, errors } = collect(adapter)
    await lifecycleManager.spawn(agentConfig('a1'))

    eventBus.emit('task:completed', { result: {} }) // missing id
    eventBus.emit('task:frobnicated', { taskId: 'x' }) // unknown name
    eventBus.emit('task:completed', { taskId: 'never-seen', result: {} }) // completes a task never assigned
    eventBus.emit('session:created', { sessionId: 's' }) // carries nothing to measure: ignored quietly
    eventBus.emit('agent:spawned', null) // garbage payload
    const envelope = {
      id: 'evt-1',
      type: 'task:created',
      timestamp: new Date(),
      source: 'replay',
      payload: { task: { id: 'replayed', type: 'coding', priority: 1 } },
    }
    // The bus re-delivering the same envelope (its own dispatch, called twice).
    const dispatch = (eventBus as unknown as { dispatchEvent(e: unknown): void }).dispatchEvent.bind(eventBus)
    dispatch(envelope)
    dispatch(envelope)
    const task = await taskManager.createTask({ type: 'coding', description: 'still works' })

    expect(errors.map((e) => [e.code, e.path])).toEqual([
      ['EVENT_SCHEMA', 'payload.taskId'],
      ['HOST_EVENT_UNMAPPED', undefined],
      ['EVENT_UNKNOWN_TASK', 'payload.taskId'],
      ['EVENT_SCHEMA', 'payload.agentId'],
      ['EVENT_DUPLICATE', undefined],
    ])
    expect(errors[1]).toMatchObject({
      message: expect.stringContaining("'task:frobnicated'"),
      event: { type: 'task:frobnicated' },
    })
    expect(events.filter((e) => e.type === 'task:queued').map((e) => 'taskId' in e && e.taskId)).toEqual([
      'replayed',
      task.id,
    ])
  })

  it('tolerates task:started reaching it before task:assigned (the bus calls wildcard handlers last)', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const { events, errors } = collect(claudeFlowBusAdapter(eventBus, { taskManager }))
    await lifecycleManager.spawn(agentConfig('a1'))
    // An agent that starts what it is given from inside its own task:assigned handler.
    eventBus.on('task:assigned', (event) => void taskManager.startTask((event.payload as { taskId: string }).taskId))
    const task = await taskManager.createTask({ type: 'coding', description: 'x' })
    await taskManager.assignTask(task.id, 'a1')
    await taskManager.completeTask(task.id, { taskId: task.id, success: true, duration: 0 })

    expect(errors).toEqual([])
    expect(events.slice(1).map((e) => e.type)).toEqual([
      'task:queued',
      'task:assigned',
      'task:started',
      'task:completed',
    ])
  })

  it('takes the agent from task:started when a move and the start reach it out of order', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const adapter = claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager })
    const { events, errors } = collect(adapter)
    await lifecycleManager.spawn(agentConfig('a1'))
    await lifecycleManager.spawn(agentConfig('a2'))
    const task = await taskManager.createTask({ type: 'coding', description: 'x' })
    await taskManager.assignTask(task.id, 'a1')
    // a2 starts whatever it is given, from inside its own handler: task:started (a2) overtakes task:assigned (a2).
    eventBus.on('task:assigned', (event) => {
      const p = event.payload as { taskId: string; agentId: string }
      if (p.agentId === 'a2') void taskManager.startTask(p.taskId)
    })
    await adapter.apply(move(task.id, 'a2', 'a1'))

    expect(errors).toEqual([])
    expect(events.slice(-3)).toEqual([
      { type: 'reassignment:applied', ts: t0, taskId: task.id, toAgentId: 'a2', fromAgentId: 'a1' },
      { type: 'task:assigned', ts: t0, taskId: task.id, agentId: 'a2' },
      { type: 'task:started', ts: t0, taskId: task.id, agentId: 'a2' },
    ])
  })

  it('describes agents and tasks that existed before the monitor subscribed', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    await lifecycleManager.spawn(agentConfig('a1'))
    const running = await taskManager.createTask({ type: 'coding', description: 'x' })
    await taskManager.assignTask(running.id, 'a1')
    await taskManager.startTask(running.id)
    const waiting = await taskManager.createTask({ type: 'review', description: 'y' })
    vi.advanceTimersByTime(1000)

    const { events, errors } = collect(claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager }))
    await taskManager.completeTask(running.id, { taskId: running.id, success: true, duration: 1 })

    expect(errors).toEqual([])
    expect(events.map((e) => [e.type, 'taskId' in e ? e.taskId : e.type === 'agent:joined' ? e.agentId : ''])).toEqual([
      ['agent:joined', 'a1'],
      ['task:queued', running.id],
      ['task:assigned', running.id],
      ['task:started', running.id],
      ['task:queued', waiting.id],
      ['task:completed', running.id],
    ])
    expect(events.every((e) => e.ts === t0 + 1000)).toBe(true)
  })

  it("reports the TaskManager's pending tasks as queue:depth at each HealthMonitor check", async () => {
    const { eventBus, taskManager, healthMonitor } = createOrchestrator({
      health: { checkInterval: 100, historyLimit: 100, degradedThreshold: 1, unhealthyThreshold: 2 },
    })
    const { events, errors } = collect(claudeFlowBusAdapter(eventBus, { taskManager }))
    await taskManager.createTask({ type: 'coding', description: 'x' })
    await taskManager.createTask({ type: 'coding', description: 'y' })
    healthMonitor.start()
    await vi.advanceTimersByTimeAsync(100)
    healthMonitor.stop()
    expect(errors).toEqual([])
    expect(events.at(-1)).toEqual({ type: 'queue:depth', ts: t0 + 100, depth: 2 })
  })

  it('stops listening when the last subscriber leaves and completes on dispose', async () => {
    const { eventBus, lifecycleManager } = createOrchestrator()
    const adapter = claudeFlowBusAdapter(eventBus)
    const { events, stop } = collect(adapter)
    expect(eventBus.listenerCount('*')).toBe(1)
    stop()
    expect(eventBus.listenerCount('*')).toBe(0)
    await lifecycleManager.spawn(agentConfig('a1'))
    expect(events).toEqual([])

    let completed = false
    adapter.events$.subscribe({ complete: () => (completed = true) })
    adapter.dispose()
    expect(completed).toBe(true)
    expect(eventBus.listenerCount('*')).toBe(0)
  })
})
