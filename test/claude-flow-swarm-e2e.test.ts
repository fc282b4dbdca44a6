import { type MessageBusConfig, UnifiedSwarmCoordinator } from '@claude-flow/swarm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { claudeFlowSwarmAdapter } from '../src/hosts/claude-flow-swarm-adapter.js'
import type { SwarmError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { mulberry32 } from '../src/sim/mulberry32.js'
import { playSwarmAgents, taskData } from './claude-flow-players.js'

const t0 = Date.UTC(2026, 10, 27, 12, 0, 0)
const relativeError = 0.004

/** Exact nearest-rank quantile, the definition the engine approximates. */
function nearestRank(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]
}

describe('the monitor attached to a real UnifiedSwarmCoordinator through claudeFlowSwarmAdapter', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: t0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('8 agents, 500 tasks with random work, failures and retries: counts, percentiles and placements agree with the coordinator', async () => {
    const coordinator = new UnifiedSwarmCoordinator({
      heartbeatIntervalMs: 3_600_000,
      autoRecovery: false,
      maxTasks: 1000,
      // The constructor fills in the rest of the bus config; its type asks for every field.
      messageBus: { processingIntervalMs: 5 } as MessageBusConfig,
    })
    await coordinator.initialize()
    // The monitor places every queued task (the adapter does not re-offer them), so its reassignments drive the run.
    const adapter = claudeFlowSwarmAdapter(coordinator, { reofferQueued: false })
    const session = createSwarmMonitor({ tickMs: 200, windowMs: 3_600_000, relativeError }).attach(adapter, {
      start: 'immediate',
    })
    const errors: SwarmError[] = []
    const reassignments: Reassignment[] = []
    const hostEvents: SwarmEvent[] = []
    session.errors$.subscribe((e) => errors.push(e))
    session.reassignments$.subscribe((r) => reassignments.push(r))
    adapter.events$.subscribe((e) => hostEvents.push(e as SwarmEvent))
    let final: SwarmSnapshot | undefined
    session.snapshots$.subscribe({ next: (s) => (final = s) })

    const random = mulberry32(20261127)
    const players = playSwarmAgents(coordinator, {
      random,
      workMs: (r) => 20 + Math.floor(r() * 380),
      failRate: 0.12,
    })
    const agents: string[] = []
    for (let i = 0; i < 8; i++) agents.push((await coordinator.spawnAgent({ type: 'coder' })).agentId)

    // 500 tasks arrive in bursts; a task may be retried once.
    const taskIds: string[] = []
    for (let burst = 0; burst < 20; burst++) {
      for (let i = 0; i < 25; i++) taskIds.push(await coordinator.submitTask(taskData(`t${burst}-${i}`, 1)))
      await vi.advanceTimersByTimeAsync(200 + Math.floor(random() * 600))
    }
    const open = () => coordinator.getAllTasks().filter((t) => t.status !== 'completed' && t.status !== 'failed')
    for (let guard = 0; open().length > 0 && guard < 4000; guard++) await vi.advanceTimersByTimeAsync(50)
    expect(open()).toEqual([]) // no task lost: every one of the 500 ended

    session.dispose()
    players.stop()
    const metrics = coordinator.getMetrics()
    const tasks = coordinator.getAllTasks()
    const silentRetries = tasks.reduce((sum, t) => sum + t.retries, 0)
    await coordinator.shutdown()

    const snapshot = final!
    expect(tasks).toHaveLength(500)
    expect(metrics.completedTasks + metrics.failedTasks).toBe(500)
    expect(silentRetries).toBeGreaterThan(10)
    expect(metrics.failedTasks).toBeGreaterThan(0)
    // The coordinator's own counts: completions, final failures, and the first attempts it retried silently.
    expect(snapshot.swarm.tasksCompleted).toBe(metrics.completedTasks)
    expect(snapshot.swarm.tasksFailed).toBe(metrics.failedTasks + silentRetries)
    expect(snapshot.swarm.tasksQueued).toBe(0)
    expect(snapshot.swarm.tasksInFlight).toBe(0)
    expect(snapshot.queue.unassigned).toBe(0)
    expect(errors).toEqual([])

    // No task counted twice: one completion per completed host task, none for the others.
    const completions = hostEvents.filter((e) => e.type === 'task:completed').map((e) => e.taskId.split('#')[0])
    expect(new Set(completions).size).toBe(completions.length)
    expect(completions.sort()).toEqual(
      tasks
        .filter((t) => t.status === 'completed')
        .map((t) => t.id.id)
        .sort(),
    )
    expect(snapshot.agents.reduce((sum, a) => sum + a.tasksCompleted, 0)).toBe(metrics.completedTasks)
    expect(snapshot.agents.reduce((sum, a) => sum + a.tasksFailed, 0)).toBe(metrics.failedTasks + silentRetries)

    // Per-agent service percentiles against the durations the test measured (assignment → report handled).
    for (const agentId of agents) {
      const measured = players.attempts
        .filter((a) => a.agentId === agentId && a.outcome === 'complete')
        .map((a) => a.endedAt! - a.startedAt)
        .sort((a, b) => a - b)
      const agent = snapshot.agents.find((a) => a.agentId === agentId)!
      expect(agent.tasksCompleted).toBe(measured.length)
      expect(measured.length).toBeGreaterThan(20)
      for (const [name, q] of [
        ['p50', 0.5],
        ['p90', 0.9],
        ['p99', 0.99],
      ] as const) {
        const exact = nearestRank(measured, q)
        expect(Math.abs((agent.serviceMs[name] as number) - exact)).toBeLessThanOrEqual(exact * relativeError + 1e-9)
      }
      const mean = measured.reduce((s, v) => s + v, 0) / measured.length
      expect(agent.serviceMs.mean).toBeCloseTo(mean, 6)
      // Work time plus the bus's delivery of the report, never less than the work itself.
      expect(measured[0]).toBeGreaterThanOrEqual(20)
    }

    // The monitor's placements are applied in the coordinator: the task went to the agent the monitor chose.
    const applied = hostEvents.filter((e) => e.type === 'reassignment:applied')
    expect(reassignments.length).toBeGreaterThan(400)
    expect(applied.length).toBeGreaterThan(400)
    for (const r of applied) {
      const hostTaskId = r.taskId.split('#')[0]
      expect(players.attempts.some((a) => a.taskId === hostTaskId && a.agentId === r.toAgentId)).toBe(true)
      const task = tasks.find((t) => t.id.id === hostTaskId)!
      const attempt = r.taskId.includes('#') ? 2 : 1
      if (attempt === task.retries + 1) expect(task.assignedTo?.id).toBe(r.toAgentId)
    }
    expect(snapshot.definitions.serviceMs).toMatch(/assignment is taken as the start/)
  })

  it('reports malformed and surprising host events on errors$ and keeps monitoring', async () => {
    const coordinator = new UnifiedSwarmCoordinator({ heartbeatIntervalMs: 3_600_000, autoRecovery: false })
    await coordinator.initialize()
    const session = createSwarmMonitor({ tickMs: 100 }).attach(claudeFlowSwarmAdapter(coordinator), {
      start: 'immediate',
    })
    const errors: SwarmError[] = []
    session.errors$.subscribe((e) => errors.push(e))
    const players = playSwarmAgents(coordinator, { random: mulberry32(7), workMs: () => 50, failRate: 0 })
    const { agentId } = await coordinator.spawnAgent({ type: 'coder' })
    let n = 0
    const inject = (type: string, data: unknown, at = Date.now()) =>
      coordinator.emit('event', { id: `x${++n}`, type, source: 'test', timestamp: new Date(at), data })

    inject('task.teleported', { taskId: 'a' }) // unknown name
    inject('task.completed', { result: 1 }) // missing id
    inject('task.completed', { taskId: 'ghost', agentId: 'nobody' }) // a task and an agent never seen
    inject('agent.joined', { agentId: 'old-timer' }, t0 - 60_000) // far out of order
    const dup = { id: 'same', type: 'task.created', source: 'test', timestamp: new Date(), data: { taskId: 'dup' } }
    coordinator.emit('event', dup)
    coordinator.emit('event', dup) // the same envelope twice
    const first = await coordinator.submitTask(taskData('first'))
    await vi.advanceTimersByTimeAsync(500)
    const second = await coordinator.submitTask(taskData('second'))
    await vi.advanceTimersByTimeAsync(500)
    const statuses = [first, second].map((id) => coordinator.getTask(id)?.status)
    session.dispose()
    players.stop()
    await coordinator.shutdown()

    expect(errors.map((e) => e.code)).toEqual([
      'HOST_EVENT_UNMAPPED',
      'EVENT_SCHEMA',
      'EVENT_UNKNOWN_AGENT',
      'EVENT_OUT_OF_ORDER',
      'EVENT_DUPLICATE',
    ])
    expect(errors[0].event).toMatchObject({ type: 'task.teleported' })
    const snapshot = session.snapshot()
    expect(snapshot.swarm.tasksCompleted).toBe(2)
    expect(snapshot.swarm.eventsInvalid).toBe(errors.length)
    expect(snapshot.agents.map((a) => a.agentId)).toEqual([agentId])
    expect(statuses).toEqual(['completed', 'completed'])
  })
})
