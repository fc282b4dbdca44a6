import { from, lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import type { SwarmMonitorConfigInput } from '../src/monitor/config.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'

async function replay(events: SwarmEvent[], config: SwarmMonitorConfigInput) {
  const session = createSwarmMonitor({ idleTicks: false, ...config }).connect(from(events))
  const errors = lastValueFrom(session.errors$.pipe(toArray()))
  const snapshots = await lastValueFrom(session.snapshots$.pipe(toArray()))
  return { snapshots, errors: await errors }
}

const at = (snapshots: SwarmSnapshot[], ms: number) => snapshots.find((s) => s.at === ms) as SwarmSnapshot

/** One task on `agentId`, queued and started at `start`, completed at `end`. */
const task = (taskId: string, agentId: string, start: number, end: number): SwarmEvent[] => [
  { type: 'task:queued', ts: start, taskId },
  { type: 'task:assigned', ts: start, taskId, agentId },
  { type: 'task:started', ts: start, taskId, agentId },
  { type: 'task:completed', ts: end, taskId, agentId },
]

describe('rolling windows at their edges', () => {
  it('rotates exactly on a sub-window boundary when windowMs / windowSlots is not a whole number of ms', async () => {
    // 60000 / 11 ms sub-windows: (index + 1) * 5454.54... lands a hair past the boundary at b, a whole minute.
    const b = 1_700_000_040_000
    const { snapshots } = await replay(
      [
        { type: 'agent:joined', ts: b - 70_000, agentId: 'a' },
        ...task('A', 'a', b - 54_700, b - 54_600), // eleven sub-windows back at b: out of the window
        { type: 'message:sent', ts: b - 1, messageId: 'm1', from: 'x', to: 'y' },
        ...task('B', 'a', b - 50, b), // completes at b: in the window for the next ten sub-windows
        { type: 'message:sent', ts: b + 55_000, messageId: 'm2', from: 'x', to: 'y' },
      ],
      { windowMs: 60_000, windowSlots: 11, tickMs: 1000, rebalance: false },
    )
    expect(at(snapshots, b).swarm.serviceMs.p50).toBeNull()
    expect(at(snapshots, b).swarm.throughputPerMin).toBe(0)
    const later = at(snapshots, b + 55_000)
    expect(later.swarm.serviceMs.p50).toBeCloseTo(50, 0)
    expect(later.agents[0].serviceMs.mean).toBe(50)
  })

  it("keeps a departed agent's slot while the outcomes it reported after leaving are in the window", async () => {
    const { snapshots, errors } = await replay(
      [
        { type: 'agent:joined', ts: 0, agentId: 'a1' },
        ...task('t1', 'a1', 1000, 7000).slice(0, 3),
        ...task('t2', 'a1', 1000, 7500).slice(0, 3),
        { type: 'agent:left', ts: 2000, agentId: 'a1' },
        { type: 'task:completed', ts: 7000, taskId: 't1', agentId: 'a1' },
        { type: 'task:failed', ts: 7500, taskId: 't2', agentId: 'a1' },
        { type: 'message:sent', ts: 7900, messageId: 'm', from: 'x', to: 'y' },
        // Past leftAt + windowMs (8000), within the window of the late outcomes.
        { type: 'message:sent', ts: 8100, messageId: 'n', from: 'x', to: 'y' },
      ],
      { windowMs: 6000, windowSlots: 3, tickMs: 4000, rebalance: false },
    )
    expect(errors).toEqual([])
    const last = snapshots[snapshots.length - 1]
    expect(last.at).toBe(8100)
    expect(last.swarm.errorRate).toBe(0.5)
    // One completion over the 4,100 ms the window covers at 8100 (from its oldest sub-window's start, 4000).
    expect(last.swarm.throughputPerMin).toBeCloseTo(60_000 / 4100, 6)
    expect(last.agents.map((a) => a.agentId)).toEqual(['a1'])
  })

  it('counts a task a pending move will take once in swarm.tasksQueued', async () => {
    const events: SwarmEvent[] = [
      { type: 'agent:joined', ts: 0, agentId: 'a0' },
      { type: 'agent:joined', ts: 0, agentId: 'a1' },
    ]
    for (let i = 0; i < 6; i++) {
      events.push({ type: 'task:queued', ts: 10, taskId: `t${i}` })
      events.push({ type: 'task:assigned', ts: 10, taskId: `t${i}`, agentId: 'a0' })
    }
    events.push({ type: 'task:started', ts: 20, taskId: 't0', agentId: 'a0' })
    events.push({ type: 'message:sent', ts: 8500, messageId: 'm', from: 'x', to: 'y' })
    const { snapshots } = await replay(events, { tickMs: 1000, rebalancer: { minDwellMs: 0 } })
    const moving = snapshots.filter((s) => s.agents.some((a) => a.agentId === 'a1' && a.queued > 0))
    expect(moving.length).toBeGreaterThan(0)
    for (const s of snapshots) expect(s.swarm.tasksQueued).toBe(5)
  })

  it('does not count a success stamped before the failures began as a recovery', async () => {
    const { snapshots, errors } = await replay(
      [
        { type: 'agent:joined', ts: 0, agentId: 'a', capacity: 2 },
        ...task('t1', 'a', 100, 8000).slice(0, 3),
        ...task('t2', 'a', 100, 10_000).slice(0, 3),
        { type: 'task:failed', ts: 10_000, taskId: 't2', agentId: 'a' },
        { type: 'task:completed', ts: 8000, taskId: 't1', agentId: 'a' }, // late, within the tolerance
      ],
      { rebalance: false },
    )
    expect(errors).toEqual([])
    expect(snapshots[snapshots.length - 1].agents[0].recoveryMs).toBeNull()
  })

  it('refuses a relativeError the percentile engines cannot give, in the one ConfigError', () => {
    expect(() => createSwarmMonitor({ relativeError: 0.0003 })).toThrow(/relativeError/)
    expect(() =>
      createSwarmMonitor({ relativeError: 2 ** -11 })
        .connect(from([]))
        .dispose(),
    ).not.toThrow()
  })
})
