// Ingest keeps, on each task, the record of the agent named by its agentId (so events naming a task's own agent
// need no lookup by id), and per agent its running list and counts. Random streams, bad events included (unknown
// or departed agents, outcomes from the wrong agent, restarts, retries, leaves, slots released and reused), must
// keep all of it in step with the state it mirrors.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { parseMonitorConfig } from '../src/monitor/config.js'
import { Ingest } from '../src/monitor/ingest.js'
import { Measurements } from '../src/monitor/measurements.js'

const agentIds = ['a', 'b', 'c']
const taskIds = ['t0', 't1', 't2', 't3', 't4', 't5']

const eventArb = fc.record({
  advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 2000, max: 5000 })),
  type: fc.constantFrom(
    'agent:joined',
    'agent:left',
    'task:queued',
    'task:assigned',
    'task:assigned',
    'task:started',
    'task:started',
    'task:completed',
    'task:completed',
    'task:failed',
    'task:cancelled',
  ),
  agentId: fc.constantFrom(...agentIds),
  taskId: fc.constantFrom(...taskIds),
})

describe('ingest state', () => {
  it('keeps each task holder, running list and count in step with the agents map (property)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 120 }), (steps) => {
        const config = parseMonitorConfig({ windowMs: 3000, windowSlots: 3, capacity: 8 })
        const measurements = new Measurements(config)
        const ingest = new Ingest(config, measurements)
        const state = ingest.state
        let ts = 1_000_000
        for (const step of steps) {
          ts += step.advanceMs
          const { type, agentId, taskId } = step
          const event = (
            type === 'agent:joined' || type === 'agent:left'
              ? { type, ts, agentId, capacity: 2 }
              : type === 'task:queued'
                ? { type, ts, taskId, kind: agentId }
                : { type, ts, taskId, agentId }
          ) as SwarmEvent
          ingest.offer(event)
          const running = new Map<string, number>()
          for (const task of state.liveTasks()) {
            const named = task.agentId === null ? null : (state.agents.get(task.agentId) ?? null)
            expect(task.holder).toBe(named)
            if (task.state === 'running' && task.holder) {
              expect(task.holder.running[task.runningIndex]).toBe(task)
              running.set(task.holder.id, (running.get(task.holder.id) ?? 0) + 1)
            }
          }
          for (const agent of state.agents.values()) {
            expect(agent.running.length).toBe(running.get(agent.id) ?? 0)
            expect(agent.inFlight).toBe(agent.running.length)
          }
        }
        measurements.dispose()
      }),
      { numRuns: 300 },
    )
  })
})

describe('an agent that leaves', () => {
  it('returns its running tasks to the pool in the order they arrived, a retry as a new arrival', () => {
    const config = parseMonitorConfig({})
    const measurements = new Measurements(config)
    const ingest = new Ingest(config, measurements)
    const t0 = 1_000_000
    const events: SwarmEvent[] = [
      { type: 'agent:joined', ts: t0, agentId: 'x', capacity: 4 },
      // Started out of arrival order, and A fails and is queued again after B arrived.
      { type: 'task:queued', ts: t0 + 1, taskId: 'A' },
      { type: 'task:queued', ts: t0 + 2, taskId: 'B' },
      { type: 'task:queued', ts: t0 + 3, taskId: 'C' },
      { type: 'task:started', ts: t0 + 4, taskId: 'C', agentId: 'x' },
      { type: 'task:started', ts: t0 + 5, taskId: 'A', agentId: 'x' },
      { type: 'task:failed', ts: t0 + 6, taskId: 'A', agentId: 'x' },
      { type: 'task:started', ts: t0 + 7, taskId: 'B', agentId: 'x' },
      { type: 'task:queued', ts: t0 + 8, taskId: 'A' },
      { type: 'task:started', ts: t0 + 9, taskId: 'A', agentId: 'x' },
      { type: 'agent:left', ts: t0 + 10, agentId: 'x' },
    ]
    for (const event of events) expect(ingest.offer(event)).toBeNull()
    expect([...ingest.state.unassigned].map((task) => task.id)).toEqual(['B', 'C', 'A'])
    measurements.dispose()
  })
})
