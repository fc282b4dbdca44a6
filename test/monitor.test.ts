import { from, lastValueFrom, type Observable, Subject, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { ConfigError, type SwarmError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { PlacementContext, RunningTask } from '../src/model/strategy.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { mulberry32 as rng } from '../src/sim/mulberry32.js'
import { nearestRank, type ScriptedTask, scriptEvents, t0 } from './fixtures/events.js'

const relativeError = 0.004

/** Runs events through a fresh monitor and collects every output. */
async function run(events: unknown[], config: Parameters<typeof createSwarmMonitor>[0] = {}) {
  const session = createSwarmMonitor({ rebalance: false, ...config }).connect(from(events))
  const snapshots = lastValueFrom(session.snapshots$.pipe(toArray()))
  const errors = lastValueFrom(session.errors$.pipe(toArray()))
  const reassignments = lastValueFrom(session.reassignments$.pipe(toArray()))
  return {
    session,
    snapshots: await snapshots,
    errors: await errors,
    reassignments: await reassignments,
    final: (await snapshots).at(-1) as SwarmSnapshot,
  }
}

function randomTasks(seed: number, n: number, agents: string[]): ScriptedTask[] {
  const random = rng(seed)
  return Array.from({ length: n }, (_, i) => {
    const queuedAt = t0 + Math.floor(random() * 50_000)
    // Lognormal service times: median 100 ms, sigma 1.
    const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
    return {
      taskId: `t${i}`,
      agentId: agents[Math.floor(random() * agents.length)],
      kind: random() < 0.5 ? 'plan' : 'code',
      queuedAt,
      startedAt: queuedAt + Math.floor(random() * 200),
      serviceMs: Math.max(1, Math.round(100 * Math.exp(z))),
      fails: random() < 0.05,
    }
  })
}

describe('createSwarmMonitor', () => {
  it('rejects a bad config with one ConfigError naming every wrong field', () => {
    let caught: unknown
    try {
      createSwarmMonitor({ tickMs: -1, windowSlots: 0, strategy: 'fastest', bogus: true } as never)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ConfigError)
    const paths = (caught as ConfigError).issues.map((i) => i.path)
    expect(paths.sort()).toEqual(['', 'strategy', 'tickMs', 'windowSlots'])
    expect((caught as ConfigError).message).toMatch(/strategy: unknown strategy 'fastest'; expected one of round-robin/)
    expect((caught as ConfigError).code).toBe('CONFIG_INVALID')
    expect(() => createSwarmMonitor({ strategy: 'fastest' })).toThrow(/unknown strategy 'fastest'; expected one of/)
  })
})

describe('snapshots', () => {
  const agents = ['a0', 'a1', 'a2', 'a3']
  const tasks = randomTasks(7, 2000, agents)
  const events = scriptEvents(agents, tasks)

  it('give per-agent counts and service percentiles matching exact values within the relative error', async () => {
    const { final, errors } = await run(events, { windowMs: 3_600_000 })
    expect(errors).toEqual([])
    for (const agentId of agents) {
      const mine = tasks.filter((t) => t.agentId === agentId)
      const done = mine.filter((t) => !t.fails).map((t) => t.serviceMs)
      const agent = final.agents.find((a) => a.agentId === agentId)!
      expect(agent.tasksCompleted).toBe(done.length)
      expect(agent.tasksFailed).toBe(mine.length - done.length)
      expect(agent.successRate).toBeCloseTo(done.length / mine.length, 10)
      for (const [key, q] of [
        ['p50', 0.5],
        ['p90', 0.9],
        ['p95', 0.95],
        ['p99', 0.99],
      ] as const) {
        const exact = nearestRank(done, q)
        expect(Math.abs(agent.serviceMs[key]! - exact) / exact).toBeLessThanOrEqual(relativeError)
      }
      expect(agent.serviceMs.mean).toBeCloseTo(done.reduce((s, v) => s + v, 0) / done.length, 6)
      expect(agent.serviceHistogram.count).toBe(done.length)
    }
    const all = tasks.filter((t) => !t.fails).map((t) => t.serviceMs)
    const p99 = nearestRank(all, 0.99)
    expect(Math.abs(final.swarm.serviceMs.p99! - p99) / p99).toBeLessThanOrEqual(relativeError)
    const responses = tasks.filter((t) => !t.fails).map((t) => t.startedAt + t.serviceMs - t.queuedAt)
    const r95 = nearestRank(responses, 0.95)
    expect(Math.abs(final.swarm.responseMs.p95! - r95) / r95).toBeLessThanOrEqual(relativeError)
    expect(final.swarm.tasksCompleted).toBe(all.length)
    expect(final.swarm.tasksFailed).toBe(tasks.length - all.length)
    expect(final.swarm.eventsValid).toBe(events.length)
    expect(final.histograms.serviceMs.counts.reduce((s, c) => s + c, 0)).toBe(all.length)
  })

  it('are identical for the same log replayed twice (event time, not wall time)', async () => {
    const a = await run(events)
    const b = await run(events)
    expect(JSON.stringify(a.snapshots)).toBe(JSON.stringify(b.snapshots))
    expect(a.snapshots.length).toBeGreaterThan(40)
  })

  it('tick on event-time boundaries, one snapshot per boundary crossed, plus a final one', async () => {
    const evs: SwarmEvent[] = [
      { type: 'agent:joined', ts: t0 + 100, agentId: 'a' },
      { type: 'task:queued', ts: t0 + 900, taskId: 'x' },
      { type: 'task:started', ts: t0 + 1500, taskId: 'x', agentId: 'a' },
      { type: 'task:completed', ts: t0 + 4200, taskId: 'x', agentId: 'a' },
    ]
    const { snapshots } = await run(evs, { tickMs: 1000 })
    expect(snapshots.map((s) => s.at - t0)).toEqual([1000, 4000, 4200])
    expect(snapshots.map((s) => s.seq)).toEqual([0, 1, 2])
    expect(snapshots[0].swarm.tasksQueued).toBe(1)
    expect(snapshots[1].swarm.tasksInFlight).toBe(1)
    expect(snapshots[1].kinds).toMatchObject([{ kind: '(none)', inFlight: 1, completed: 0 }])
    expect(snapshots[2].kinds).toMatchObject([{ kind: '(none)', inFlight: 0, completed: 1 }])
    expect(snapshots[2].swarm.tasksCompleted).toBe(1)
    expect(snapshots[2].agents[0].serviceMs.p50).toBeCloseTo(2700, -1)
  })

  it('forget samples once the window has passed them', async () => {
    const evs: SwarmEvent[] = [
      { type: 'agent:joined', ts: t0, agentId: 'a' },
      { type: 'task:started', ts: t0, taskId: 'x', agentId: 'a' },
      { type: 'task:completed', ts: t0 + 500, taskId: 'x', agentId: 'a' },
      // 70 s later with a 60 s window: the first completion has expired.
      { type: 'task:started', ts: t0 + 70_000, taskId: 'y', agentId: 'a' },
      { type: 'task:failed', ts: t0 + 70_100, taskId: 'y', agentId: 'a' },
    ]
    const { final } = await run(evs, { windowMs: 60_000, windowSlots: 6 })
    const agent = final.agents[0]
    expect(agent.serviceMs.p50).toBeNull()
    expect(agent.throughputPerMin).toBe(0)
    expect(final.swarm.errorRate).toBe(1)
    expect(agent.tasksCompleted).toBe(1)
    expect(agent.tasksFailed).toBe(1)
  })

  it("an agent's throughput counts the window's closed sub-windows, so its entry holds between events", async () => {
    const done = (agentId: string, taskId: string, ts: number): SwarmEvent[] => [
      { type: 'task:started', ts: t0 + ts - 100, taskId, agentId },
      { type: 'task:completed', ts: t0 + ts, taskId, agentId },
    ]
    const tickAt = (ts: number): SwarmEvent => ({ type: 'queue:depth', ts: t0 + ts, depth: 0 })
    const evs: SwarmEvent[] = [
      { type: 'agent:joined', ts: t0, agentId: 'a' },
      { type: 'agent:joined', ts: t0, agentId: 'b' },
      ...done('b', 'b1', 1000),
      ...done('a', 'a1', 2000),
      ...done('a', 'a2', 5000),
      tickAt(8000),
      tickAt(11_000),
      ...done('a', 'a3', 12_000),
      tickAt(13_000),
      tickAt(14_000),
      ...done('a', 'a4', 15_000),
      tickAt(21_000),
      ...done('a', 'a5', 23_000),
      tickAt(25_000),
    ]
    // Sub-windows of 10 s from t0 (a multiple of 10 s).
    const { snapshots } = await run(evs, { tickMs: 1000, windowMs: 60_000, windowSlots: 6 })
    const at = (ms: number) => snapshots.find((s) => s.at === t0 + ms) as SwarmSnapshot
    const perMin = (s: SwarmSnapshot, id: string) => s.agents.find((x) => x.agentId === id)?.throughputPerMin
    // Within the first sub-window, over the open one: 2 completions in 8 s.
    expect(perMin(at(8000), 'a')).toBeCloseTo((2 * 60_000) / 8000, 9)
    // From then on over the closed ones: [t0, t0 + 10 s) at 11 s and 13 s, a3 (in the open one) not yet.
    expect(perMin(at(11_000), 'a')).toBeCloseTo((2 * 60_000) / 10_000, 9)
    expect(perMin(at(13_000), 'a')).toBeCloseTo((2 * 60_000) / 10_000, 9)
    expect(perMin(at(21_000), 'a')).toBeCloseTo((4 * 60_000) / 20_000, 9)
    expect(perMin(at(21_000), 'b')).toBeCloseTo((1 * 60_000) / 20_000, 9)
    expect(perMin(at(25_000), 'a')).toBeCloseTo((4 * 60_000) / 20_000, 9)
    // The swarm's stays over the whole window, up to the snapshot: 3 completions in 11 s, 6 in 25 s.
    expect(at(11_000).swarm.throughputPerMin).toBeCloseTo((3 * 60_000) / 11_000, 9)
    expect(at(25_000).swarm.throughputPerMin).toBeCloseTo((6 * 60_000) / 25_000, 9)
    // Nothing happened between 13 s and 14 s, and no sub-window closed: every entry is handed on as it was.
    expect(at(14_000).agents).toHaveLength(2)
    for (const [i, entry] of at(14_000).agents.entries()) expect(entry).toBe(at(13_000).agents[i])
  })

  it('measure recovery time, load, imbalance and efficiency', async () => {
    const evs: SwarmEvent[] = [
      { type: 'agent:joined', ts: t0, agentId: 'fast', capacity: 1 },
      { type: 'agent:joined', ts: t0, agentId: 'slow', capacity: 1 },
      { type: 'task:started', ts: t0, taskId: 'f1', agentId: 'fast' },
      { type: 'task:failed', ts: t0 + 100, taskId: 'f1', agentId: 'fast' },
      { type: 'task:started', ts: t0 + 100, taskId: 'f2', agentId: 'fast' },
      { type: 'task:completed', ts: t0 + 300, taskId: 'f2', agentId: 'fast' },
      { type: 'task:started', ts: t0 + 300, taskId: 's1', agentId: 'slow' },
      { type: 'task:completed', ts: t0 + 1100, taskId: 's1', agentId: 'slow' },
      { type: 'task:assigned', ts: t0 + 1100, taskId: 's2', agentId: 'slow' },
      { type: 'task:assigned', ts: t0 + 1100, taskId: 's3', agentId: 'slow' },
    ]
    const { final } = await run(evs)
    const fast = final.agents.find((a) => a.agentId === 'fast')!
    const slow = final.agents.find((a) => a.agentId === 'slow')!
    expect(fast.recoveryMs).toBe(200)
    expect(slow.recoveryMs).toBeNull()
    expect(slow.queued).toBe(2)
    expect(slow.load).toBe(2)
    expect(fast.load).toBe(0)
    // Loads 0 and 2: mean 1, population sd 1.
    expect(final.swarm.imbalance).toBeCloseTo(1, 10)
    // fast: 200 ms against a fleet mean of 500 ms, so full speed; slow: 500/800, shrunk toward 1 by the prior.
    expect(fast.efficiencyParts.speed).toBe(1)
    expect(slow.efficiencyParts.speed).toBeCloseTo((1 * (500 / 800) + 5) / 6, 3)
    expect(fast.efficiencyParts.success).toBeCloseTo((2 * 0.5 + 5) / 7, 3)
    for (const a of [fast, slow]) {
      expect(a.efficiency).toBeGreaterThan(0)
      expect(a.efficiency).toBeLessThanOrEqual(1)
    }
  })

  it('report messages, consensus rounds and host resources', async () => {
    const evs: SwarmEvent[] = [
      { type: 'message:sent', ts: t0, messageId: 'm1', from: 'a', to: 'b' },
      { type: 'message:received', ts: t0 + 40, messageId: 'm1', from: 'a', to: 'b' },
      { type: 'consensus:round', ts: t0 + 50, roundId: 'r1', durationMs: 300, participants: 3, agreed: true },
      { type: 'consensus:round', ts: t0 + 60, roundId: 'r2', durationMs: 500, participants: 3, agreed: false },
      { type: 'host:resources', ts: t0 + 70, cpu: 0.5, memoryUsedBytes: 1e9, memoryTotalBytes: 4e9 },
      { type: 'queue:depth', ts: t0 + 80, depth: 12 },
    ]
    const { final } = await run(evs)
    expect(final.swarm.messageLatencyMs.p50).toBeCloseTo(40, 0)
    expect(final.swarm.consensus.rounds).toBe(2)
    expect(final.swarm.consensus.agreementRate).toBe(0.5)
    expect(final.swarm.consensus.p95Ms).toBeCloseTo(500, -1)
    expect(final.swarm.resources).toEqual({ cpu: 0.5, memoryUsedBytes: 1e9, memoryTotalBytes: 4e9, loadAverage: null })
    expect(final.swarm.reportedQueueDepth).toBe(12)
  })

  it('keep a bounded history and compare periods', async () => {
    const agents = ['a0', 'a1']
    const { session } = await run(scriptEvents(agents, randomTasks(3, 400, agents)), { historySize: 10 })
    const history = session.history()
    expect(history.length).toBe(10)
    const deltas = session.comparePeriods(
      { from: history[0].at, to: history[4].at },
      { from: history[5].at, to: history[9].at },
    )
    const agentsDelta = deltas.find((d) => d.metric === 'swarm.agents')!
    expect(agentsDelta).toEqual({ metric: 'swarm.agents', a: 2, b: 2, delta: 0, ratio: 1 })
  })
})

describe('bad input', () => {
  const join = (agentId: string, ts = t0): SwarmEvent => ({ type: 'agent:joined', ts, agentId })

  const cases: Array<[string, unknown[], string, string | undefined]> = [
    ['a schema failure', [{ type: 'task:queued', ts: t0 }], 'EVENT_SCHEMA', 'taskId'],
    ['not an object', ['hello'], 'EVENT_SCHEMA', undefined],
    ['an unknown type', [{ type: 'task:exploded', ts: t0, taskId: 'x' }], 'EVENT_SCHEMA', 'type'],
    ['a negative timestamp', [{ type: 'agent:left', ts: -5, agentId: 'a' }], 'EVENT_SCHEMA', 'ts'],
    [
      'an agent that never joined',
      [{ type: 'task:started', ts: t0, taskId: 'x', agentId: 'ghost' }],
      'EVENT_UNKNOWN_AGENT',
      'agentId',
    ],
    ['leaving without joining', [{ type: 'agent:left', ts: t0, agentId: 'ghost' }], 'EVENT_UNKNOWN_AGENT', 'agentId'],
    [
      'cancelling for an agent that never joined',
      [
        { type: 'task:queued', ts: t0, taskId: 'x' },
        { type: 'task:cancelled', ts: t0, taskId: 'x', agentId: 'ghost' },
      ],
      'EVENT_UNKNOWN_AGENT',
      'agentId',
    ],
    ['joining twice', [join('a'), join('a')], 'EVENT_DUPLICATE', 'agentId'],
    [
      'completing a task that never started',
      [
        join('a'),
        { type: 'task:queued', ts: t0, taskId: 'x' },
        { type: 'task:completed', ts: t0 + 1, taskId: 'x', agentId: 'a' },
      ],
      'EVENT_INVALID_TRANSITION',
      'taskId',
    ],
    [
      'completing an unknown task',
      [join('a'), { type: 'task:completed', ts: t0, taskId: 'x', agentId: 'a' }],
      'EVENT_UNKNOWN_TASK',
      'taskId',
    ],
    [
      'completing twice',
      [
        join('a'),
        { type: 'task:started', ts: t0, taskId: 'x', agentId: 'a' },
        { type: 'task:completed', ts: t0 + 1, taskId: 'x', agentId: 'a' },
        { type: 'task:completed', ts: t0 + 2, taskId: 'x', agentId: 'a' },
      ],
      'EVENT_DUPLICATE',
      'taskId',
    ],
    [
      'a timestamp far out of order',
      [join('a', t0 + 60_000), { type: 'agent:joined', ts: t0, agentId: 'b' }],
      'EVENT_OUT_OF_ORDER',
      'ts',
    ],
    [
      // Finite, but its square and a sum of two overflowed to Infinity, and the agent's efficiency to NaN.
      'a duration past 2^53 ms',
      [
        join('a'),
        { type: 'task:queued', ts: t0, taskId: 'x' },
        { type: 'task:completed', ts: t0, taskId: 'x', agentId: 'a', durationMs: Number.MAX_VALUE },
      ],
      'EVENT_SCHEMA',
      'durationMs',
    ],
    [
      // A host stamping microseconds: applied, it would move event time some 50,000 years on, and every later
      // event would be out of order.
      'a timestamp in microseconds',
      [join('a'), { type: 'task:queued', ts: t0 * 1000, taskId: 'x' }, { type: 'task:queued', ts: t0, taskId: 'y' }],
      'EVENT_IN_FUTURE',
      'ts',
    ],
    [
      'starting a task twice',
      [
        join('a'),
        { type: 'task:started', ts: t0, taskId: 'x', agentId: 'a' },
        { type: 'task:started', ts: t0, taskId: 'x', agentId: 'a' },
      ],
      'EVENT_INVALID_TRANSITION',
      'taskId',
    ],
    [
      'an outcome from the wrong agent',
      [
        join('a'),
        join('b'),
        { type: 'task:started', ts: t0, taskId: 'x', agentId: 'a' },
        { type: 'task:failed', ts: t0, taskId: 'x', agentId: 'b' },
      ],
      'EVENT_INVALID_TRANSITION',
      'agentId',
    ],
  ]

  for (const [name, events, code, path] of cases) {
    it(`reports ${name} as ${code} and applies every valid event`, async () => {
      const { errors, final } = await run(events)
      expect(errors).toHaveLength(1)
      expect(errors[0].code).toBe(code)
      expect(errors[0].path).toBe(path)
      expect(errors[0].event).toBe(events.find((e) => e === errors[0].event))
      expect(errors[0].message.length).toBeGreaterThan(10)
      expect(final.swarm.eventsValid + final.swarm.eventsInvalid).toBe(events.length)
      expect(final.swarm.eventsInvalid).toBe(1)
    })
  }

  it('rejects an event later than the wall clock by more than futureToleranceMs, reading the clock as it moves', () => {
    let wall = t0
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor({ futureToleranceMs: 1000 }, { now: () => wall }).connect(events$, {
      start: 'immediate',
    })
    const errors: SwarmError[] = []
    session.errors$.subscribe((e) => errors.push(e))
    events$.next(join('a', t0 + 1000)) // at the tolerance: applied
    events$.next(join('b', t0 + 1001)) // past it
    expect(errors.map((e) => [e.code, e.path])).toEqual([['EVENT_IN_FUTURE', 'ts']])
    expect(errors[0].message).toMatch(/1001 ms later than the wall clock.*futureToleranceMs = 1000/)
    wall = t0 + 1 // the clock moved on: the same time is now within the tolerance
    events$.next(join('b', t0 + 1001))
    expect(session.snapshot().swarm).toMatchObject({ agents: 2, eventsValid: 2, eventsInvalid: 1 })
    session.dispose()
  })

  it('bounds a service time derived from timestamps as a reported one (2^53 - 1 ms), with the future check off', async () => {
    const { errors, final } = await run(
      [
        join('a', 1),
        { type: 'task:started', ts: 1, taskId: 'x', agentId: 'a' },
        { type: 'task:completed', ts: 1e300, taskId: 'x', agentId: 'a' },
      ],
      { futureToleranceMs: null },
    )
    expect(errors).toEqual([])
    expect(final.agents[0].serviceMs.mean).toBe(Number.MAX_SAFE_INTEGER)
    expect(Number.isFinite(final.agents[0].efficiency)).toBe(true)
  })

  it('measures service and response times past an hour (they were clamped to exactly one hour)', async () => {
    const durations = [5e6, 6e6, 7e6]
    const events: SwarmEvent[] = [join('a')]
    for (let i = 0; i < durations.length; i++) events.push({ type: 'task:queued', ts: t0, taskId: `t${i}` })
    for (let i = 0; i < durations.length; i++) {
      const durationMs = durations[i]
      events.push({ type: 'task:completed', ts: t0 + 7_200_000, taskId: `t${i}`, agentId: 'a', durationMs })
    }
    const { errors, final } = await run(events, { windowMs: 4 * 3_600_000 })
    expect(errors).toEqual([])
    for (const p50 of [final.swarm.serviceMs.p50, final.agents[0].serviceMs.p50, final.kinds[0].p50ServiceMs]) {
      expect(Math.abs((p50 as number) / 6e6 - 1)).toBeLessThanOrEqual(relativeError)
    }
    expect(final.swarm.responseMs.p50).toBe(7_200_000)
  })

  it('measures a message whose receipt arrived before its sending (within the tolerance; it was dropped)', async () => {
    const { errors, final } = await run([
      join('a'),
      { type: 'message:received', ts: t0 + 1200, messageId: 'm', from: 'a', to: 'b' },
      { type: 'message:sent', ts: t0 + 1000, messageId: 'm', from: 'a', to: 'b' },
    ])
    expect(errors).toEqual([])
    expect(final.swarm.messageLatencyMs.p50).toBe(200)
  })

  it('does not pair a receipt with a later sending of the same message id', async () => {
    // A receipt whose sending the monitor never saw waited for one, and a reuse of the id 30 s later paired with it
    // (a latency of 0), and so did every reuse after.
    const { final } = await run([
      join('a'),
      { type: 'message:received', ts: t0 + 10, messageId: 'm', from: 'a', to: 'b' },
      { type: 'message:sent', ts: t0 + 30_000, messageId: 'm', from: 'a', to: 'b' },
      { type: 'message:received', ts: t0 + 30_500, messageId: 'm', from: 'a', to: 'b' },
    ])
    expect(final.swarm.messageLatencyMs.p50).toBe(500)
  })

  it('rejects efficiency.priorSamples 0 (an agent without samples had no parts, and the fleet efficiency read 0)', () => {
    expect(() => createSwarmMonitor({ efficiency: { priorSamples: 0 } })).toThrow(/efficiency.priorSamples/)
  })

  it('applies any time with futureToleranceMs null (synthetic time ahead of the clock)', async () => {
    const far = t0 * 1000
    const { errors, final } = await run([join('a', far), join('b', far + 1)], { futureToleranceMs: null })
    expect(errors).toEqual([])
    expect(final.swarm.agents).toBe(2)
  })

  it('keeps a task kind named like an Object.prototype member as a kind like any other', async () => {
    // A kind "__proto__" set the prototype of `byKind` instead of a key: the snapshot lost the kind, and the
    // analysers walking `byKind` met the prototype's members as kinds and threw on every tick.
    const events: SwarmEvent[] = [join('a'), join('b')]
    for (let i = 0; i < 200; i++) {
      const ts = t0 + i * 500
      const agentId = i % 2 ? 'a' : 'b'
      const kind = i % 3 === 0 ? 'constructor' : '__proto__'
      events.push({ type: 'task:queued', ts, taskId: `t${i}`, kind, estimatedMs: 100 })
      events.push({ type: 'task:started', ts, taskId: `t${i}`, agentId })
      events.push({ type: 'task:completed', ts: ts + (agentId === 'a' ? 100 : 300), taskId: `t${i}`, agentId })
    }
    const { errors, final } = await run(events, { rebalance: true })
    expect(errors).toEqual([])
    const a = final.agents.find((agent) => agent.agentId === 'a')
    expect(Object.keys(a?.byKind ?? {}).sort()).toEqual(['__proto__', 'constructor'])
    const kind = (name: string) => a?.byKind[name]
    expect(kind('__proto__')?.completed).toBe(67)
    expect(kind('constructor')?.completed).toBe(33)
    expect(Object.getOwnPropertyDescriptor(JSON.parse(JSON.stringify(a?.byKind)), '__proto__')?.value.completed).toBe(
      67,
    )
  })

  it('shares one "(other)" kind past kindCapacity, the host\'s own kind of that name if it has one', async () => {
    // A host kind "(other)" and the overflow slot were two entries of one name: byKind kept one of them.
    const events: SwarmEvent[] = [join('a')]
    ;['(other)', 'x', 'y', 'z'].forEach((kind, i) => {
      events.push({ type: 'task:queued', ts: t0 + i, taskId: `t${i}`, kind })
      events.push({ type: 'task:completed', ts: t0 + i, taskId: `t${i}`, agentId: 'a', durationMs: 10 })
    })
    const { errors, final } = await run(events, { kindCapacity: 3 })
    expect(errors).toEqual([])
    expect(final.kinds.map((k) => [k.kind, k.completed])).toEqual([
      ['(other)', 3],
      ['x', 1],
    ])
    expect(final.agents[0].byKind['(other)'].completed).toBe(3)
  })

  it('takes a failed task queued again under its id as a retry, but not a completed one', async () => {
    const evs: SwarmEvent[] = [
      join('a'),
      { type: 'task:started', ts: t0, taskId: 'x', agentId: 'a' },
      { type: 'task:failed', ts: t0 + 1, taskId: 'x', agentId: 'a' },
      { type: 'task:queued', ts: t0 + 2, taskId: 'x' },
      { type: 'task:started', ts: t0 + 3, taskId: 'x', agentId: 'a' },
      { type: 'task:completed', ts: t0 + 4, taskId: 'x', agentId: 'a' },
      { type: 'task:queued', ts: t0 + 5, taskId: 'x' },
    ]
    const { errors, final } = await run(evs)
    expect(errors.map((e) => [e.code, e.event])).toEqual([['EVENT_DUPLICATE', evs[6]]])
    expect(final.swarm.tasksFailed).toBe(1)
    expect(final.swarm.tasksCompleted).toBe(1)
  })

  it('reports an agent beyond the capacity and asks to raise it', async () => {
    const { errors, final } = await run([join('a'), join('b'), join('c')], { capacity: 2 })
    expect(errors.map((e) => e.code)).toEqual(['AGENT_CAPACITY'])
    expect(errors[0].message).toMatch(/raise `capacity`/)
    expect(final.swarm.agents).toBe(2)
  })

  it('reuses a departed agent slot once its window has expired', async () => {
    const evs: SwarmEvent[] = [join('a'), { type: 'agent:left', ts: t0 + 1, agentId: 'a' }, join('b', t0 + 2)]
    expect((await run(evs, { capacity: 1 })).errors.map((e) => e.code)).toEqual(['AGENT_CAPACITY'])
    const later: SwarmEvent[] = [join('a'), { type: 'agent:left', ts: t0 + 1, agentId: 'a' }, join('b', t0 + 61_000)]
    const { errors, final } = await run(later, { capacity: 1, windowMs: 60_000 })
    expect(errors).toEqual([])
    expect(final.agents.map((a) => a.agentId)).toEqual(['b'])
  })
})

describe('outputs', () => {
  it('keep ingesting when a subscriber throws, and report it on errors$', async () => {
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor().connect(events$, { start: 'immediate' })
    const errors: string[] = []
    session.errors$.subscribe((e) => errors.push(`${e.code} ${e.source}`))
    session.snapshots$.subscribe(() => {
      throw new Error('subscriber bug')
    })
    const seen: number[] = []
    session.snapshots$.subscribe((s) => seen.push(s.swarm.agents))
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'a' })
    events$.next({ type: 'agent:joined', ts: t0 + 1500, agentId: 'b' })
    events$.next({ type: 'agent:joined', ts: t0 + 2500, agentId: 'c' })
    events$.complete()
    expect(seen).toEqual([1, 2, 3])
    expect(errors).toEqual(['PLUGIN_FAILED snapshots$', 'PLUGIN_FAILED snapshots$', 'PLUGIN_FAILED snapshots$'])
    expect(session.snapshot().swarm.agents).toBe(3)
  })

  it('counts an event whose fields throw when read as invalid, and goes on', () => {
    const events$ = new Subject<unknown>()
    const session = createSwarmMonitor().connect(events$, { start: 'immediate' })
    const errors: SwarmError[] = []
    session.errors$.subscribe((e) => errors.push(e))
    const hostile = {
      get type(): string {
        throw new Error('revoked')
      },
    }
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'a' })
    events$.next(hostile)
    events$.next({ type: 'agent:joined', ts: t0 + 1, agentId: 'b' })
    expect(errors.map((e) => [e.code, e.message, e.event === hostile])).toEqual([
      ['EVENT_SCHEMA', 'the event could not be read: revoked', true],
    ])
    expect(session.snapshot().swarm).toMatchObject({ agents: 2, eventsValid: 2, eventsInvalid: 1 })
    session.dispose()
  })

  it('counts an event that fails inside the monitor once: invalid before it is applied, valid after', () => {
    const events$ = new Subject<unknown>()
    const session = createSwarmMonitor({ placeEveryMs: 100 }).connect(events$, { start: 'immediate' })
    const errors: string[] = []
    session.errors$.subscribe((e) => errors.push(`${e.code} ${e.message}`))
    // Stand-ins for defects of ours: one in the check before the event applies, one in the placement after it.
    const internals = session as unknown as { ingest: { admit: unknown }; placeBetweenTicks: unknown }
    const admit = internals.ingest.admit
    internals.ingest.admit = () => {
      throw new Error('check failed')
    }
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'a' })
    internals.ingest.admit = admit
    events$.next({ type: 'agent:joined', ts: t0 + 200, agentId: 'b' })
    internals.placeBetweenTicks = () => {
      throw new Error('placement failed')
    }
    events$.next({ type: 'agent:joined', ts: t0 + 400, agentId: 'c' })
    expect(errors).toEqual([
      'PLUGIN_FAILED ingest failed: check failed',
      'PLUGIN_FAILED ingest failed: placement failed',
    ])
    expect(session.snapshot().swarm).toMatchObject({ agents: 2, eventsValid: 2, eventsInvalid: 1 })
    session.dispose()
  })

  it('replays the latest snapshot to a late subscriber and completes every output on dispose', async () => {
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor().connect(events$, { start: 'immediate' })
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'a' })
    events$.next({ type: 'agent:joined', ts: t0 + 1000, agentId: 'b' })
    const late: SwarmSnapshot[] = []
    session.snapshots$.subscribe((s) => late.push(s))
    expect(late.map((s) => s.swarm.agents)).toEqual([1])
    const completed: string[] = []
    for (const name of ['snapshots$', 'insights$', 'alerts$', 'reassignments$', 'actions$', 'errors$'] as const) {
      ;(session[name] as Observable<unknown>).subscribe({ complete: () => completed.push(name) })
    }
    session.dispose()
    session.dispose()
    expect(completed).toHaveLength(6)
    expect(late.at(-1)!.swarm.agents).toBe(2)
    // Events after dispose are ignored, never thrown.
    events$.next({ type: 'agent:joined', ts: t0 + 2000, agentId: 'c' })
    expect(session.snapshot().swarm.agents).toBe(2)
  })

  it('places queued tasks through the adapter, and a throwing adapter neither stops ingest nor loses the task', async () => {
    const events$ = new Subject<unknown>()
    const applied: Reassignment[] = []
    let refuse = true
    const session = createSwarmMonitor({ strategy: 'least-loaded', rebalance: false }).attach(
      {
        name: 'test-host',
        events$,
        apply: (r) => {
          if (refuse) throw new Error('host is busy')
          applied.push(r)
        },
      },
      { start: 'immediate' },
    )
    const errors: string[] = []
    session.errors$.subscribe((e) => errors.push(e.code))
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'a', capacity: 2 })
    events$.next({ type: 'task:queued', ts: t0 + 10, taskId: 'x' })
    events$.next({ type: 'task:queued', ts: t0 + 1100, taskId: 'y' })
    expect(errors).toEqual(['REASSIGNMENT_REFUSED'])
    expect(session.snapshot().queue.unassigned).toBe(2)
    expect(session.snapshot().swarm.reassignments).toMatchObject({ emitted: 1, refused: 1 })
    refuse = false
    events$.next({ type: 'task:queued', ts: t0 + 2100, taskId: 'z' })
    expect(applied.map((r) => [r.taskId, r.toAgentId, r.reason])).toEqual([
      ['x', 'a', 'place'],
      ['y', 'a', 'place'],
    ])
    events$.complete()
  })

  it('places between ticks, right after the event that makes a task placeable, every placeEveryMs', () => {
    const placedAt = (placeEveryMs: number | null) => {
      const events$ = new Subject<unknown>()
      const session = createSwarmMonitor({ rebalance: false, placeEveryMs }).connect(events$, { start: 'immediate' })
      const placed: Array<[string, number]> = []
      session.reassignments$.subscribe((r) => placed.push([r.taskId, r.at - t0]))
      events$.next({ type: 'agent:joined', ts: t0, agentId: 'a', capacity: 4 })
      events$.next({ type: 'task:queued', ts: t0 + 150, taskId: 'x' })
      // Within the same 100 ms: waits for the first event at or past t0 + 200.
      events$.next({ type: 'task:queued', ts: t0 + 160, taskId: 'y' })
      events$.next({ type: 'queue:depth', ts: t0 + 230, depth: 0 })
      events$.next({ type: 'task:queued', ts: t0 + 500, taskId: 'z' })
      events$.next({ type: 'queue:depth', ts: t0 + 1000, depth: 0 })
      session.dispose()
      return placed
    }
    expect(placedAt(100)).toEqual([
      ['x', 150],
      ['y', 230],
      ['z', 500],
    ])
    // At ticks only: everything waits for the tick at t0 + 1000.
    expect(placedAt(null)).toEqual([
      ['x', 1000],
      ['y', 1000],
      ['z', 1000],
    ])
  })

  it("hands strategies the tasks each agent is running, and measures agents' times against the estimates", () => {
    const events$ = new Subject<unknown>()
    const seen: RunningTask[][] = []
    const watcher = {
      name: 'watcher',
      place(ctx: PlacementContext) {
        seen.push([...(ctx.runningAt?.('a') ?? [])])
        return []
      },
    }
    const session = createSwarmMonitor({ rebalance: false, placeEveryMs: 100 }).connect(events$, {
      start: 'immediate',
    })
    session.setStrategy(watcher)
    const send = (e: Record<string, unknown>) => events$.next(e)
    send({ type: 'agent:joined', ts: t0, agentId: 'a', capacity: 2 })
    for (const [id, est, ms] of [
      ['p', 100, 50],
      ['q', 200, 300],
      ['r', null, 70],
    ] as const) {
      send({ type: 'task:queued', ts: t0, taskId: id, kind: 'k', ...(est === null ? {} : { estimatedMs: est }) })
      send({ type: 'task:started', ts: t0, taskId: id, agentId: 'a' })
      send({ type: 'task:completed', ts: t0 + ms, taskId: id, agentId: 'a' })
    }
    send({ type: 'task:queued', ts: t0 + 400, taskId: 's', kind: 'k', estimatedMs: 500 })
    send({ type: 'task:started', ts: t0 + 400, taskId: 's', agentId: 'a' })
    send({ type: 'task:queued', ts: t0 + 600, taskId: 'w', kind: 'k' })
    expect(seen.at(-1)).toEqual([{ taskId: 's', kind: 'k', estimatedMs: 500, startedAt: t0 + 400 }])
    send({ type: 'queue:depth', ts: t0 + 1000, depth: 1 })
    // 50 / 100 and 300 / 200: a mean of 1; r had no estimate and does not count.
    expect(session.snapshot().agents[0].byKind.k).toMatchObject({ completed: 3, estimateRatio: 1, estimated: 2 })
    session.dispose()
  })

  it('returns the work of an agent that leaves to the pool and places it elsewhere', async () => {
    const events$ = new Subject<unknown>()
    const placed: Reassignment[] = []
    const session = createSwarmMonitor({ rebalance: false }).connect(events$, { start: 'immediate' })
    session.reassignments$.subscribe((r) => placed.push(r))
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'a' })
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'b' })
    events$.next({ type: 'task:assigned', ts: t0, taskId: 'q', agentId: 'a' })
    events$.next({ type: 'task:started', ts: t0, taskId: 'r', agentId: 'a' })
    events$.next({ type: 'agent:left', ts: t0 + 10, agentId: 'a' })
    events$.next({ type: 'queue:depth', ts: t0 + 1000, depth: 2 })
    expect(placed.map((r) => [r.taskId, r.toAgentId])).toEqual(
      expect.arrayContaining([
        ['q', 'b'],
        ['r', 'b'],
      ]),
    )
    const snapshot = session.snapshot()
    expect(snapshot.agents.find((a) => a.agentId === 'a')!.state).toBe('left')
    expect(snapshot.agents.find((a) => a.agentId === 'b')!.queued).toBe(2)
    events$.complete()
  })
})
