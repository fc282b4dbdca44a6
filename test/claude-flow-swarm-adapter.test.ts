import { UnifiedSwarmCoordinator } from '@claude-flow/swarm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { claudeFlowSwarmAdapter, errorField } from '../src/hosts/claude-flow-swarm-adapter.js'
import type { SwarmError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import { type SwarmEvent, swarmEventSchema } from '../src/model/swarm-event.js'
import { report, taskData } from './claude-flow-players.js'

const t0 = Date.UTC(2026, 10, 27, 12, 0, 0)

async function startCoordinator() {
  // Heartbeat recovery off: the test's agents report only when they finish.
  const coordinator = new UnifiedSwarmCoordinator({ heartbeatIntervalMs: 3_600_000, autoRecovery: false })
  await coordinator.initialize()
  return coordinator
}

function collect(adapter: ReturnType<typeof claudeFlowSwarmAdapter>) {
  const events: SwarmEvent[] = []
  const errors: SwarmError[] = []
  adapter.errors$.subscribe((e) => errors.push(e))
  const subscription = adapter.events$.subscribe((e) => events.push(e as SwarmEvent))
  return { events, errors, subscription }
}

const tasksOf = (events: SwarmEvent[]) =>
  events
    .filter((e) => e.type.startsWith('task:'))
    .map((e) => [e.type, 'taskId' in e ? e.taskId : '', 'agentId' in e ? (e.agentId ?? '') : ''])

const place = (taskId: string, toAgentId: string): Reassignment => ({
  taskId,
  toAgentId,
  reason: 'place',
  expectedGainMs: 5,
  at: Date.now(),
})

describe('claudeFlowSwarmAdapter on a real @claude-flow/swarm UnifiedSwarmCoordinator', () => {
  let coordinator: UnifiedSwarmCoordinator
  beforeEach(async () => {
    vi.useFakeTimers({ now: t0 })
    coordinator = await startCoordinator()
  })
  afterEach(async () => {
    await coordinator.shutdown()
    vi.useRealTimers()
  })

  it('listens once and drops the doubled agent.joined / agent.left', async () => {
    const adapter = claudeFlowSwarmAdapter(coordinator)
    const { events, errors } = collect(adapter)
    expect(coordinator.listenerCount('event')).toBe(1)
    const a = await coordinator.spawnAgent({ type: 'coder', capabilities: ['testing'] })
    const b = await coordinator.spawnAgent({ type: 'tester' })
    await coordinator.terminateAgent(a.agentId, { force: true })

    expect(errors).toEqual([])
    expect(events.map((e) => [e.type, 'agentId' in e ? e.agentId : ''])).toEqual([
      ['agent:joined', a.agentId],
      ['agent:joined', b.agentId],
      ['agent:left', a.agentId],
    ])
    expect(events[0]).toMatchObject({ capacity: 1, role: 'coder', capabilities: ['testing', 'testing'] })
  })

  it('queues a task whose task.assigned came before task.created, and takes the assignment as the start', async () => {
    const { events, errors } = collect(claudeFlowSwarmAdapter(coordinator))
    const { agentId } = await coordinator.spawnAgent({ type: 'coder' })
    vi.setSystemTime(t0 + 50)
    const taskId = await coordinator.submitTask(taskData('t1'))
    await vi.advanceTimersByTimeAsync(120)
    await report(coordinator, agentId, taskId, 'complete')
    await vi.advanceTimersByTimeAsync(20)

    expect(errors).toEqual([])
    expect(tasksOf(events)).toEqual([
      ['task:queued', taskId, ''],
      ['task:assigned', taskId, agentId],
      ['task:started', taskId, agentId],
      ['task:completed', taskId, agentId],
    ])
    const [queued, assigned, started, completed] = events.filter((e) => e.type.startsWith('task:'))
    expect(queued.ts).toBe(t0 + 50)
    expect(started.ts).toBe(assigned.ts)
    expect(completed.ts).toBeGreaterThanOrEqual(t0 + 170)
    expect(queued).toMatchObject({ kind: 'coding', priority: 2 })
    for (const event of events) expect(swarmEventSchema.safeParse(event).success).toBe(true)
  })

  it('records a silent retry as a failure of the first attempt and counts what the coordinator counts', async () => {
    const { events, errors } = collect(claudeFlowSwarmAdapter(coordinator))
    const { agentId } = await coordinator.spawnAgent({ type: 'coder' })
    const taskId = await coordinator.submitTask(taskData('flaky', 1))
    await vi.advanceTimersByTimeAsync(30)
    await report(coordinator, agentId, taskId, 'fail') // retried, re-assigned, no task.failed
    await vi.advanceTimersByTimeAsync(30)
    expect(coordinator.getTask(taskId)).toMatchObject({ retries: 1, status: 'assigned' })
    await report(coordinator, agentId, taskId, 'fail') // out of retries: task.failed
    await vi.advanceTimersByTimeAsync(30)

    expect(errors).toEqual([])
    expect(tasksOf(events)).toEqual([
      ['task:queued', taskId, ''],
      ['task:assigned', taskId, agentId],
      ['task:started', taskId, agentId],
      ['task:failed', taskId, agentId],
      ['task:queued', `${taskId}#2`, ''],
      ['task:assigned', `${taskId}#2`, agentId],
      ['task:started', `${taskId}#2`, agentId],
      ['task:failed', `${taskId}#2`, agentId],
    ])
    const metrics = coordinator.getMetrics()
    const retries = coordinator.getAllTasks().reduce((sum, t) => sum + t.retries, 0)
    expect(events.filter((e) => e.type === 'task:failed')).toHaveLength(metrics.failedTasks + retries)
  })

  it("counts a cancelled task (task.failed with reason 'cancelled') as cancelled", async () => {
    const { events } = collect(claudeFlowSwarmAdapter(coordinator))
    const { agentId } = await coordinator.spawnAgent({ type: 'coder' })
    const taskId = await coordinator.submitTask(taskData('doomed'))
    await coordinator.cancelTask(taskId)
    expect(events.at(-1)).toEqual({ type: 'task:cancelled', ts: t0, taskId, agentId, reason: 'cancelled' })
    expect(events.some((e) => e.type === 'task:failed')).toBe(false)
  })

  it('re-offers queued tasks through the coordinator when an agent frees up, so none is left waiting', async () => {
    const { events } = collect(claudeFlowSwarmAdapter(coordinator))
    const { agentId } = await coordinator.spawnAgent({ type: 'coder' })
    const ids = [
      await coordinator.submitTask(taskData('a')),
      await coordinator.submitTask(taskData('b')),
      await coordinator.submitTask(taskData('c')),
    ]
    expect(coordinator.getTasksByStatus('queued')).toHaveLength(2)
    for (const id of ids) {
      expect(coordinator.getTask(id)?.assignedTo?.id).toBe(agentId)
      await vi.advanceTimersByTimeAsync(25)
      await report(coordinator, agentId, id, 'complete')
      await vi.advanceTimersByTimeAsync(25)
    }
    expect(coordinator.getMetrics().completedTasks).toBe(3)
    expect(events.filter((e) => e.type === 'task:completed')).toHaveLength(3)
  })

  it('without re-offering, leaves queued tasks to the monitor and applies its placement onto the chosen idle agent', async () => {
    const adapter = claudeFlowSwarmAdapter(coordinator, { reofferQueued: false })
    const { events, errors } = collect(adapter)
    const a = (await coordinator.spawnAgent({ type: 'coder' })).agentId
    const b = (await coordinator.spawnAgent({ type: 'coder' })).agentId
    const first = await coordinator.submitTask(taskData('first'))
    const second = await coordinator.submitTask(taskData('second'))
    const waiting = await coordinator.submitTask(taskData('waiting'))
    const holderOfFirst = coordinator.getTask(first)!.assignedTo!.id
    const other = holderOfFirst === a ? b : a
    await vi.advanceTimersByTimeAsync(20)
    await report(coordinator, holderOfFirst, first, 'complete')
    await vi.advanceTimersByTimeAsync(20)
    expect(coordinator.getTask(waiting)?.status).toBe('queued') // the coordinator never picks it up itself

    await adapter.apply(place(waiting, other)) // busy with `second`
    await adapter.apply(place(second, holderOfFirst)) // already assigned, so started
    await adapter.apply(place(waiting, 'agent-nobody'))
    await adapter.apply(place(waiting, holderOfFirst))

    expect(coordinator.getTask(waiting)).toMatchObject({ status: 'assigned', assignedTo: { id: holderOfFirst } })
    expect(events.filter((e) => e.type.startsWith('reassignment:'))).toEqual([
      {
        type: 'reassignment:refused',
        ts: expect.any(Number),
        taskId: waiting,
        toAgentId: other,
        reason: `agent ${other} is busy (the coordinator runs one task per agent)`,
        reassignmentAt: expect.any(Number),
      },
      {
        type: 'reassignment:refused',
        ts: expect.any(Number),
        taskId: second,
        toAgentId: holderOfFirst,
        reason: 'the task already started (the coordinator starts a task when it assigns it)',
        reassignmentAt: expect.any(Number),
      },
      {
        type: 'reassignment:refused',
        ts: expect.any(Number),
        taskId: waiting,
        toAgentId: 'agent-nobody',
        reason: 'the coordinator has no agent agent-nobody',
        reassignmentAt: expect.any(Number),
      },
      { type: 'reassignment:applied', ts: expect.any(Number), taskId: waiting, toAgentId: holderOfFirst },
    ])
    // The answer comes before the task:assigned it caused.
    const applied = events.findIndex((e) => e.type === 'reassignment:applied')
    expect(events[applied + 1]).toMatchObject({ type: 'task:assigned', taskId: waiting, agentId: holderOfFirst })
    expect(coordinator.getAvailableAgents).toBe(UnifiedSwarmCoordinator.prototype.getAvailableAgents)
    expect(errors).toEqual([])
  })

  it('describes agents and tasks that existed before the monitor subscribed', async () => {
    const { agentId } = await coordinator.spawnAgent({ type: 'coder' })
    const running = await coordinator.submitTask(taskData('running'))
    const waiting = await coordinator.submitTask(taskData('waiting'))
    const { events, errors } = collect(claudeFlowSwarmAdapter(coordinator, { reofferQueued: false }))
    expect(errors).toEqual([])
    expect(tasksOf(events)).toEqual([
      ['task:queued', running, ''],
      ['task:assigned', running, agentId],
      ['task:started', running, agentId],
      ['task:queued', waiting, ''],
    ])
    expect(events[0]).toMatchObject({ type: 'agent:joined', agentId })
  })

  it('reports malformed, unknown and repeated host events on errors$ and keeps translating', async () => {
    const { events, errors } = collect(claudeFlowSwarmAdapter(coordinator))
    let n = 0
    const envelope = (type: string, data: unknown, id = `e-${++n}`) => ({
      id,
      type,
      source: 'test',
      timestamp: new Date(),
      data,
    })
    coordinator.emit('event', envelope('task.completed', {}))
    coordinator.emit('event', envelope('task.exploded', { taskId: 'x' }))
    coordinator.emit('event', envelope('task.completed', { taskId: 'never-assigned' }))
    coordinator.emit('event', envelope('agent.joined', { agentId: 'late' }, 'same'))
    coordinator.emit('event', envelope('agent.joined', { agentId: 'late' }, 'same'))
    coordinator.emit('event', null)
    const { agentId } = await coordinator.spawnAgent({ type: 'coder' })

    expect(errors.map((e) => e.code)).toEqual([
      'EVENT_SCHEMA',
      'HOST_EVENT_UNMAPPED',
      'EVENT_UNKNOWN_TASK',
      'EVENT_DUPLICATE',
      'EVENT_SCHEMA', // null: no envelope to unwrap
    ])
    expect(events.map((e) => e.type === 'agent:joined' && e.agentId)).toEqual(['late', agentId])
  })
})

describe('errorField', () => {
  it("keeps a failure whose error JSON cannot write, as text (a throw here lost the host's task:failed)", () => {
    const cyclic: { self?: unknown } = {}
    cyclic.self = cyclic
    expect(errorField({ code: 'E', tokens: 12n })).toEqual({ error: '{"code":"E","tokens":"12"}' })
    expect(errorField(cyclic)).toEqual({ error: '[object Object]' })
    expect(errorField(Symbol('x'))).toEqual({ error: 'Symbol(x)' })
    expect(errorField(new Error('no luck'))).toEqual({ error: 'no luck' })
    expect(errorField(null)).toEqual({})
  })
})
