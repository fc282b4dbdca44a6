import { createOrchestrator } from '@claude-flow/shared/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { claudeFlowBusAdapter } from '../src/hosts/claude-flow-bus-adapter.js'
import type { SwarmError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { mulberry32 } from '../src/sim/mulberry32.js'
import { playBusAgents } from './claude-flow-players.js'

const t0 = Date.UTC(2026, 10, 27, 12, 0, 0)
const relativeError = 0.004

function nearestRank(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]
}

describe('the monitor attached to a real @claude-flow/shared/core orchestrator through claudeFlowBusAdapter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: t0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('8 agents (2 slow), 500 tasks, failures and retries: counts, percentiles and moves agree with the TaskManager', async () => {
    const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
    const adapter = claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager })
    // Round-robin ignores speed, so work piles up at the slow agents and the rebalancer moves it.
    const session = createSwarmMonitor({
      tickMs: 200,
      windowMs: 3_600_000,
      relativeError,
      strategy: 'round-robin',
      rebalancer: { minDwellMs: 0, minGainMs: 0, imbalanceThreshold: 0.1, cooldownMs: 0 },
    }).attach(adapter, { start: 'immediate' })
    const errors: SwarmError[] = []
    const reassignments: Reassignment[] = []
    const hostEvents: SwarmEvent[] = []
    const notInTaskManager: string[] = []
    session.errors$.subscribe((e) => errors.push(e))
    session.reassignments$.subscribe((r) => reassignments.push(r))
    adapter.events$.subscribe((e) => {
      const event = e as SwarmEvent
      hostEvents.push(event)
      // Applied means applied in the host: the TaskManager holds the task at the agent the monitor chose.
      if (event.type === 'reassignment:applied') {
        const hostTaskId = event.taskId.split('#')[0]
        if (taskManager.getTask(hostTaskId)?.assignedAgent !== event.toAgentId) notInTaskManager.push(event.taskId)
      }
    })
    let final: SwarmSnapshot | undefined
    session.snapshots$.subscribe((s) => (final = s))

    const agents = Array.from({ length: 8 }, (_, i) => `agent-${i}`)
    for (const id of agents) {
      await lifecycleManager.spawn({
        id,
        name: id,
        type: 'coder',
        capabilities: ['code'],
        maxConcurrentTasks: 1,
        priority: 1,
      })
    }
    const random = mulberry32(1127)
    const slow = new Set(['agent-0', 'agent-1'])
    const players = playBusAgents({ eventBus, taskManager }, agents, {
      random,
      workMs: (agentId, r) => (slow.has(agentId) ? 4 : 1) * (20 + Math.floor(r() * 180)),
      failRate: 0.1,
      retryRate: 0.7,
    })

    const created: string[] = []
    for (let burst = 0; burst < 25; burst++) {
      for (let i = 0; i < 20; i++) {
        created.push(
          (await taskManager.createTask({ type: i % 3 === 0 ? 'review' : 'coding', description: `${burst}-${i}` })).id,
        )
      }
      await vi.advanceTimersByTimeAsync(300 + Math.floor(random() * 500))
    }
    const open = () => taskManager.getTasks().filter((t) => t.status !== 'completed' && t.status !== 'failed')
    for (let guard = 0; open().length > 0 && guard < 4000; guard++) await vi.advanceTimersByTimeAsync(100)
    expect(open()).toEqual([]) // no task lost
    session.dispose()
    players.stop()

    const metrics = taskManager.getMetrics()
    const snapshot = final!
    expect(created).toHaveLength(500)
    expect(metrics.failedTasks).toBeGreaterThan(10)
    expect(hostEvents.filter((e) => e.type === 'task:queued' && e.taskId.includes('#')).length).toBeGreaterThan(5)
    expect(snapshot.swarm.tasksCompleted).toBe(metrics.completedTasks)
    expect(snapshot.swarm.tasksFailed).toBe(metrics.failedTasks)
    expect(snapshot.swarm.tasksCancelled).toBe(metrics.cancelledTasks)
    expect(snapshot.swarm.tasksQueued + snapshot.swarm.tasksInFlight + snapshot.queue.unassigned).toBe(0)
    expect(errors).toEqual([])

    // No task counted twice: one completion per completed host task.
    const completions = hostEvents.filter((e) => e.type === 'task:completed').map((e) => e.taskId.split('#')[0])
    expect(new Set(completions).size).toBe(completions.length)
    expect(completions.length).toBe(taskManager.getTasks({ status: 'completed' }).length)

    // Per-agent service percentiles against the durations the players measured (start → report).
    for (const agentId of agents) {
      const measured = players.attempts
        .filter((a) => a.agentId === agentId && a.outcome === 'complete' && a.endedAt !== undefined)
        .map((a) => a.endedAt! - a.startedAt)
        .sort((a, b) => a - b)
      const agent = snapshot.agents.find((a) => a.agentId === agentId)!
      expect(agent.tasksCompleted).toBe(measured.length)
      expect(measured.length).toBeGreaterThan(10)
      for (const [name, q] of [
        ['p50', 0.5],
        ['p90', 0.9],
        ['p99', 0.99],
      ] as const) {
        const exact = nearestRank(measured, q)
        expect(Math.abs((agent.serviceMs[name] as number) - exact)).toBeLessThanOrEqual(exact * relativeError + 1e-9)
      }
    }
    const slowP50 = snapshot.agents.find((a) => a.agentId === 'agent-0')!.serviceMs.p50!
    const fastP50 = snapshot.agents.find((a) => a.agentId === 'agent-5')!.serviceMs.p50!
    expect(slowP50).toBeGreaterThan(2.5 * fastP50)

    // Moves: applied ones are the TaskManager's state; one raced the agent that started the task and was refused.
    const moves = reassignments.filter((r) => r.fromAgentId !== undefined)
    const applied = hostEvents.filter((e) => e.type === 'reassignment:applied')
    const refused = hostEvents.filter((e) => e.type === 'reassignment:refused')
    expect(moves.length).toBeGreaterThan(0)
    expect(applied.filter((e) => e.fromAgentId !== undefined).length).toBeGreaterThan(0)
    expect(notInTaskManager).toEqual([])
    const startedFirst = refused.filter((e) => e.reason === 'the task started before the move was applied')
    expect(startedFirst.length).toBeGreaterThan(0)
    for (const e of startedFirst) {
      // Refused means not applied: the agent that started that attempt kept it.
      const [hostTaskId, n] = e.taskId.split('#')
      const ranOn = players.attempts.filter((a) => a.taskId === hostTaskId).map((a) => a.agentId)
      expect(ranOn[(n ? Number(n) : 1) - 1]).not.toBe(e.toAgentId)
    }
    expect(snapshot.swarm.reassignments.applied + snapshot.swarm.reassignments.refused).toBe(
      applied.length + refused.length,
    )
  })

  it('reports malformed and surprising bus events on errors$ and keeps monitoring', async () => {
    const { eventBus, taskManager, lifecycleManager, healthMonitor } = createOrchestrator({
      health: { checkInterval: 100, historyLimit: 10, degradedThreshold: 1, unhealthyThreshold: 2 },
    })
    healthMonitor.start() // its checks keep event time moving, so ticks place what waits
    const session = createSwarmMonitor({ tickMs: 100 }).attach(
      claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager }),
      { start: 'immediate' },
    )
    const errors: SwarmError[] = []
    session.errors$.subscribe((e) => errors.push(e))
    const agents = ['a1', 'a2']
    for (const id of agents) {
      await lifecycleManager.spawn({
        id,
        name: id,
        type: 'coder',
        capabilities: [],
        maxConcurrentTasks: 1,
        priority: 1,
      })
    }
    const players = playBusAgents({ eventBus, taskManager }, agents, {
      random: mulberry32(3),
      workMs: () => 30,
      failRate: 0,
      retryRate: 0,
    })
    const dispatch = (eventBus as unknown as { dispatchEvent(e: unknown): void }).dispatchEvent.bind(eventBus)
    const envelope = (type: string, payload: unknown, at = Date.now(), id = `x-${type}-${at}`) => ({
      id,
      type,
      timestamp: new Date(at),
      source: 'test',
      payload,
    })

    await taskManager.createTask({ type: 'coding', description: 'before' })
    eventBus.emit('task:exploded', { taskId: 'x' }) // unknown name
    eventBus.emit('task:started', { agentId: 'a1' }) // missing id
    dispatch(envelope('agent:spawned', { agentId: 'late', profile: {} }, t0 - 60_000)) // far out of order
    const twice = envelope('agent:spawned', { agentId: 'twin', profile: {} })
    dispatch(twice)
    dispatch(twice) // the same envelope again
    dispatch(envelope('agent:spawned', { agentId: 'a1', profile: {} })) // a live agent joins again
    eventBus.emit('task:assigned', { taskId: 'phantom', agentId: 'nobody' }) // an agent that never joined
    for (let i = 0; i < 5; i++) await taskManager.createTask({ type: 'coding', description: `after ${i}` })
    for (let guard = 0; taskManager.getTasks({ status: 'completed' }).length < 6 && guard < 200; guard++) {
      await vi.advanceTimersByTimeAsync(50)
    }
    session.dispose()
    players.stop()
    healthMonitor.stop()

    expect(errors.map((e) => e.code)).toEqual([
      'HOST_EVENT_UNMAPPED',
      'EVENT_SCHEMA',
      'EVENT_OUT_OF_ORDER',
      'EVENT_DUPLICATE',
      'EVENT_DUPLICATE',
      'EVENT_UNKNOWN_AGENT',
    ])
    const snapshot = session.snapshot()
    expect(snapshot.swarm.tasksCompleted).toBe(6)
    expect(taskManager.getMetrics().completedTasks).toBe(6)
    expect(snapshot.swarm.eventsInvalid).toBe(errors.length)
  })
})
