import fc from 'fast-check'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { fromObservable } from '../src/hosts/from-observable.js'
import { ConfigError } from '../src/model/errors.js'
import type { PendingTask } from '../src/model/strategy.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { createRebalancer, rebalancerConfigSchema } from '../src/strategies/index.js'
import { firstInOrder } from '../src/strategies/rebalancer.js'
import { type AgentSpec, context, task, tasks } from './strategies-fixtures.js'

const ids = (moves: { taskId: string }[]) => moves.map((m) => m.taskId)

/** a: one running and six queued (t0..t5, assigned at 0); every task takes 100 ms everywhere. */
function overloaded(now: number, extra: AgentSpec[] = [{ id: 'b', meanMs: 100 }], queued?: PendingTask[]) {
  return context({
    agents: [{ id: 'a', meanMs: 100, inFlight: 1 }, ...extra],
    queued: { a: queued ?? tasks(6) },
    now,
  })
}

describe('workload analysis', () => {
  it('keys loads and drain times by any agent id, "__proto__" included', () => {
    // A plain object took the id "__proto__" as a prototype to set, not a key, and lost the agent.
    const analysis = createRebalancer().analyse(context({ agents: [{ id: '__proto__', inFlight: 1 }, { id: 'b' }] }))
    expect(Object.keys(analysis.loads)).toEqual(['__proto__', 'b'])
    expect(Object.getOwnPropertyDescriptor(analysis.loads, '__proto__')?.value).toBe(1)
    expect(Object.keys(JSON.parse(JSON.stringify(analysis)).drainMs)).toEqual(['__proto__', 'b'])
  })

  it('reports loads, their mean and coefficient of variation, overloaded and underloaded agents', () => {
    const ctx = context({
      agents: [
        { id: 'a', capacity: 2, inFlight: 2, queued: 4 },
        { id: 'b', inFlight: 1 },
        { id: 'c' },
        { id: 'd', capacity: 3 },
        { id: 'gone', state: 'left', inFlight: 5 },
      ],
    })
    const analysis = createRebalancer().analyse(ctx)
    expect(analysis.loads).toEqual({ a: 3, b: 1, c: 0, d: 0 })
    // Made when first read, and carried by a JSON copy like every other field.
    expect(JSON.parse(JSON.stringify(analysis)).loads).toEqual({ a: 3, b: 1, c: 0, d: 0 })
    expect(Object.keys(JSON.parse(JSON.stringify(analysis)).drainMs)).toEqual(['a', 'b', 'c', 'd'])
    expect(analysis.meanLoad).toBe(1)
    expect(analysis.imbalance).toBeCloseTo(Math.sqrt(6 / 4), 12)
    expect(analysis.overloaded).toEqual(['a'])
    expect(analysis.underloaded).toEqual(['c', 'd'])
    expect(analysis.rebalancing).toBe(true)
    expect(createRebalancer({ imbalanceThreshold: 1.3 }).analyse(ctx).rebalancing).toBe(false)
  })

  it('rejects a bad configuration naming every wrong field', () => {
    expect(() => createRebalancer({ imbalanceThreshold: -1, evacuation: { slowFactor: 0.5 } })).toThrow(ConfigError)
    expect(() => createRebalancer({ imbalanceThreshold: -1, evacuation: { slowFactor: 0.5 } })).toThrow(
      /imbalanceThreshold: .*; evacuation\.slowFactor: /,
    )
    expect(rebalancerConfigSchema.parse({}).evacuation.minSamples).toBe(10)
  })
})

describe('firstInOrder', () => {
  it('is the head of a stable sort of the candidates it keeps (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.constantFrom(0, 1, 2.5, 7), { nil: null }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        (values, k, descending) => {
          // null marks a candidate to skip; few distinct values, so ties (broken by place) are common.
          const v = (i: number) => values[i] as number
          const before = descending
            ? (a: number, b: number) => v(a) > v(b) || (v(a) === v(b) && a > b)
            : (a: number, b: number) => v(a) < v(b) || (v(a) === v(b) && a < b)
          const kept = values.map((x, i) => (x === null ? -1 : i)).filter((i) => i >= 0)
          const sorted = [...kept].sort((a, b) => (before(a, b) ? -1 : 1))
          expect(firstInOrder(values.length, k, (j) => (values[j] === null ? -1 : j), before)).toEqual(
            sorted.slice(0, k),
          )
        },
      ),
    )
  })
})

describe('rebalance', () => {
  it('moves queued tasks from the tail of an overloaded agent to idle ones while the gain is worth it', () => {
    const rebalancer = createRebalancer({ minGainMs: 50, maxMovesPerTick: 10 })
    const moves = rebalancer.rebalance(
      overloaded(10_000, [
        { id: 'b', meanMs: 100 },
        { id: 'c', meanMs: 100 },
      ]),
    )
    // t5 would finish at 700 on a, 100 on b (gain 600); then t4 600 -> c 100; t3 500 -> b 200; t2 400 -> c 200;
    // t1 300 -> 300 gains nothing.
    expect(moves.map((m) => [m.taskId, m.fromAgentId, m.toAgentId, m.expectedGainMs])).toEqual([
      ['t5', 'a', 'b', 600],
      ['t4', 'a', 'c', 500],
      ['t3', 'a', 'b', 300],
      ['t2', 'a', 'c', 200],
    ])
    expect(moves.every((m) => m.reason === 'rebalance' && m.at === 10_000)).toBe(true)
  })

  it('ranks receivers by drain time as the moves of the tick change it', () => {
    // 32 receivers drain in 100 ms and run a task in 100; z drains in 150 but runs one in 1, so it is the best
    // target yet 33rd by drain time, outside the 32 a move weighs, until the first move raises r00's drain to 200.
    const receivers: AgentSpec[] = Array.from({ length: 32 }, (_, i) => ({
      id: `r${String(i).padStart(2, '0')}`,
      meanMs: 100,
      inFlight: 1,
    }))
    const ctx = context({
      agents: [{ id: 'a', meanMs: 1000, inFlight: 1 }, ...receivers, { id: 'z', meanMs: 1, inFlight: 150 }],
      queued: { a: tasks(3, 't') },
      now: 10_000,
    })
    const moves = createRebalancer({ maxMovesPerTick: 2 }).rebalance(ctx)
    expect(moves.map((m) => [m.taskId, m.toAgentId])).toEqual([
      ['t2', 'r00'],
      ['t1', 'z'],
    ])
  })

  it('never moves a task for a gain that is not a number (a size past the largest double)', () => {
    const ctx = context({
      agents: [{ id: 'a0' }, { id: 'a1', meanMs: 100 }, { id: 'a2' }, { id: 'a8', ratios: { k1: 2 } }],
      queued: { a0: [task('q0')], a2: [task('q1'), task('q2', { estimatedMs: 1e308 })] },
      now: 10_000,
    })
    const settings = { imbalanceThreshold: 0, minDwellMs: 0, maxMovesPerTick: 30, minGainMs: 0, scanDepth: 10 }
    const moves = createRebalancer(settings, { maxQueuedPerSlot: 1 }).rebalance(ctx)
    expect(moves.map((m) => [m.taskId, m.toAgentId, m.expectedGainMs])).toEqual([['q0', 'a1', 900]])
  })

  it('balances drain time, not task count: equal queues on a slow and a fast agent are imbalanced', () => {
    const ctx = context({
      agents: [
        { id: 'slow', meanMs: 1000, inFlight: 1 },
        { id: 'fast', meanMs: 100, inFlight: 1 },
      ],
      queued: { slow: tasks(3, 's'), fast: tasks(3, 'f') },
      now: 10_000,
    })
    const rebalancer = createRebalancer()
    const moves = rebalancer.rebalance(ctx)
    expect(rebalancer.lastAnalysis).toMatchObject({
      imbalance: 0,
      drainMs: { slow: 4000, fast: 400 },
      rebalancing: true,
    })
    // s2 would finish at 4000 where it is and at 500 on fast; then s1 (3000 vs 600), then s0 (2000 vs 700).
    expect(moves.map((m) => [m.taskId, m.fromAgentId, m.toAgentId, m.expectedGainMs])).toEqual([
      ['s2', 'slow', 'fast', 3500],
      ['s1', 'slow', 'fast', 2400],
      ['s0', 'slow', 'fast', 1300],
    ])
  })

  it('does nothing while the imbalance is at or under the threshold', () => {
    const ctx = overloaded(10_000)
    expect(createRebalancer({ minGainMs: 0, imbalanceThreshold: 1 }).rebalance(ctx)).toEqual([])
    expect(createRebalancer({ minGainMs: 0, imbalanceThreshold: 0.99 }).rebalance(ctx).length).toBeGreaterThan(0)
  })

  it('makes at most maxMovesPerTick moves per tick', () => {
    const ctx = overloaded(10_000, [
      { id: 'b', meanMs: 100 },
      { id: 'c', meanMs: 100 },
    ])
    expect(ids(createRebalancer({ minGainMs: 50, maxMovesPerTick: 2 }).rebalance(ctx))).toEqual(['t5', 't4'])
    expect(createRebalancer({ minGainMs: 50, maxMovesPerTick: 0 }).rebalance(ctx)).toEqual([])
  })

  it('moves a task only when its expected gain exceeds the threshold', () => {
    const ctx = overloaded(10_000)
    expect(ids(createRebalancer({ minGainMs: 599 }).rebalance(ctx))).toEqual(['t5'])
    expect(createRebalancer({ minGainMs: 600 }).rebalance(ctx)).toEqual([])
  })

  it('leaves a task at its agent for the minimum dwell time (virtual time)', () => {
    const queued = tasks(6).map((t, i) => (i >= 4 ? { ...t, assignedAt: 8_000 } : t))
    const config = { minGainMs: 50, minDwellMs: 5_000, maxMovesPerTick: 10 }
    const early = createRebalancer(config).rebalance(overloaded(12_999, undefined, queued))
    expect(ids(early)).toEqual(['t3', 't2'])
    const later = createRebalancer(config).rebalance(overloaded(13_000, undefined, queued))
    expect(ids(later)).toEqual(['t5', 't4', 't3'])
  })

  it('does not offer a task again within the cooldown to the agent that did not take it', () => {
    const rebalancer = createRebalancer({ minGainMs: 50, maxMovesPerTick: 2 })
    const first = ids(rebalancer.rebalance(overloaded(10_000)))
    expect(first).toEqual(['t5', 't4'])
    // Same state a second later: the host refused them, or has not answered (the monitor would leave a move in
    // flight out of queuedAt; here b, the only other agent, is where they were offered).
    const second = ids(rebalancer.rebalance(overloaded(11_000)))
    expect(second.length).toBeGreaterThan(0)
    expect(second.filter((id) => first.includes(id))).toEqual([])
  })

  it('never moves a task back to the agent it left within the cooldown, and may after it', () => {
    const rebalancer = createRebalancer({ minGainMs: 50, maxMovesPerTick: 10, cooldownMs: 60_000 })
    expect(ids(rebalancer.rebalance(overloaded(10_000)))).toEqual(['t5', 't4', 't3'])
    // The host applied the moves at 10 500; now b holds them among its own work and a is idle.
    const movedIn = (id: string) => task(id, { assignedAt: 10_500 })
    const afterMove = (now: number) =>
      context({
        agents: [
          { id: 'a', meanMs: 100 },
          { id: 'b', meanMs: 100, inFlight: 1 },
        ],
        queued: { b: [movedIn('t3'), movedIn('t4'), task('x0'), task('x1'), movedIn('t5')] },
        now,
      })
    const within = rebalancer.rebalance(afterMove(20_000))
    expect(ids(within)).toEqual(['x1', 'x0'])
    const after = createRebalancer({ minGainMs: 50, maxMovesPerTick: 10, cooldownMs: 60_000 })
    expect(ids(after.rebalance(afterMove(20_000)))[0]).toBe('t5')
    expect(ids(rebalancer.rebalance(afterMove(70_000)))[0]).toBe('t5')
  })

  it('respects capabilities when choosing where to move', () => {
    const ctx = context({
      agents: [
        { id: 'a', meanMs: 100, inFlight: 1, capabilities: ['gpu'] },
        { id: 'b', meanMs: 100 },
      ],
      queued: { a: tasks(6, 'g', { requiredCapabilities: ['gpu'] }) },
      now: 10_000,
    })
    expect(createRebalancer({ minGainMs: 0 }).rebalance(ctx)).toEqual([])
  })
})

describe('evacuation', () => {
  const failing: AgentSpec = { id: 'f', meanMs: 100, completed: 2, failed: 10, capabilities: ['gpu'] }
  const evacuationCtx = (f: AgentSpec) =>
    context({
      agents: [f, { id: 'fast', meanMs: 100 }, { id: 'slow', meanMs: 1000 }],
      queued: { f: [...tasks(5, 'e', { assignedAt: 9_999 }), task('gpu', { requiredCapabilities: ['gpu'] })] },
      now: 10_000,
    })

  it('moves every queued task of a failing agent to the best other agents, ignoring dwell, move cap and imbalance', () => {
    const rebalancer = createRebalancer({ maxMovesPerTick: 1, imbalanceThreshold: 100 })
    const moves = rebalancer.rebalance(evacuationCtx(failing))
    expect(moves.map((m) => [m.taskId, m.fromAgentId, m.toAgentId, m.reason])).toEqual(
      ['e0', 'e1', 'e2', 'e3', 'e4'].map((id) => [id, 'f', 'fast', 'evacuate']),
    )
    // The gpu task has nowhere else to go: it stays.
    expect(rebalancer.lastAnalysis?.evacuating).toEqual([
      { agentId: 'f', cause: 'failing', value: 2 / 12, threshold: 0.5 },
    ])
  })

  it('waits for enough finished tasks before calling an agent failing', () => {
    expect(
      createRebalancer({ imbalanceThreshold: 100 }).rebalance(evacuationCtx({ ...failing, completed: 0, failed: 9 })),
    ).toEqual([])
  })

  it('evacuates an agent far slower than the rest of the fleet for the same kinds', () => {
    const ctx = context({
      agents: [
        { id: 's', kinds: { build: { meanMs: 5000, completed: 20 } }, meanMs: 5000, completed: 20 },
        { id: 'b', kinds: { build: 100 }, meanMs: 100, completed: 10 },
        { id: 'c', kinds: { build: 120 }, meanMs: 120, completed: 10 },
      ],
      queued: { s: tasks(2, 'k', { kind: 'build' }) },
      now: 10_000,
    })
    const rebalancer = createRebalancer({ imbalanceThreshold: 100 })
    const moves = rebalancer.rebalance(ctx)
    expect(moves.map((m) => [m.taskId, m.toAgentId, m.reason])).toEqual([
      ['k0', 'b', 'evacuate'],
      ['k1', 'c', 'evacuate'],
    ])
    expect(rebalancer.lastAnalysis?.evacuating[0]).toMatchObject({ agentId: 's', cause: 'slow', threshold: 4 })
    expect(rebalancer.lastAnalysis?.evacuating[0].value).toBeCloseTo(5000 / 110, 9)
    expect(createRebalancer({ imbalanceThreshold: 100, evacuation: { slowFactor: 50 } }).rebalance(ctx)).toEqual([])
  })

  it('empties an agent that has left but still holds queued tasks, even with evacuation disabled', () => {
    const ctx = context({
      agents: [{ id: 'gone', state: 'left', meanMs: 100 }, { id: 'b', meanMs: 100 }, failing],
      queued: { gone: tasks(2, 'l'), f: tasks(1, 'q') },
      now: 0,
    })
    const moves = createRebalancer({ evacuation: { enabled: false } }).rebalance(ctx)
    expect(moves.map((m) => [m.taskId, m.fromAgentId, m.reason])).toEqual([
      ['l0', 'gone', 'evacuate'],
      ['l1', 'gone', 'evacuate'],
    ])
    expect(moves.every((m) => m.toAgentId !== 'gone')).toBe(true)
  })
})

describe('evacuation against the host and the strategies', () => {
  const bad: AgentSpec = { id: 'bad', meanMs: 100, completed: 2, failed: 10, inFlight: 1 }

  it('tries another receiver at the next tick when the host refused an evacuation', () => {
    const rebalancer = createRebalancer({ imbalanceThreshold: 100 })
    const at = (now: number) =>
      context({
        agents: [bad, { id: 'g1', meanMs: 100 }, { id: 'g2', meanMs: 100 }],
        queued: { bad: [task('t1', { assignedAt: 100 })] },
        now,
      })
    const first = rebalancer.rebalance(at(1000))
    expect(first.map((m) => [m.taskId, m.toAgentId])).toEqual([['t1', 'g1']])
    // The host refused: t1 is still queued at bad. Not to g1 again within the cooldown, but not held either.
    expect(rebalancer.rebalance(at(2000)).map((m) => [m.taskId, m.toAgentId])).toEqual([['t1', 'g2']])
  })

  it("fills no receiver past the strategies' maxQueuedPerSlot bound", () => {
    const ctx = context({
      agents: [bad, { id: 'good', meanMs: 100, inFlight: 1 }],
      queued: { bad: tasks(5, 'q', { assignedAt: 100 }) },
      now: 1000,
    })
    const bounded = createRebalancer({ imbalanceThreshold: 100 }, { maxQueuedPerSlot: 1 }).rebalance(ctx)
    // good: capacity 1, one running, room for one queued task.
    expect(bounded.map((m) => [m.taskId, m.toAgentId])).toEqual([['q0', 'good']])
    expect(createRebalancer({ imbalanceThreshold: 100 }).rebalance(ctx)).toHaveLength(5)
  })

  it('names the failing and slow agents it would empty from the snapshot alone, queued work or not', () => {
    const rebalancer = createRebalancer({ imbalanceThreshold: 100 })
    const ctx = context({
      agents: [
        bad,
        { id: 'slow', kinds: { build: { meanMs: 5000, completed: 20 } }, meanMs: 5000, completed: 20 },
        { id: 'b', kinds: { build: 100 }, meanMs: 100, completed: 10 },
        { id: 'c', kinds: { build: 120 }, meanMs: 120, completed: 10 },
      ],
      now: 1000,
    })
    expect([...rebalancer.drainingFor(ctx.snapshot)]).toEqual(['bad', 'slow'])
    expect(rebalancer.drainingFor(ctx.snapshot)).toBe(rebalancer.drainingFor(ctx.snapshot))
  })

  it('does not offer a task again, within the cooldown, to any agent that did not take it', () => {
    const rebalancer = createRebalancer({ imbalanceThreshold: 100, cooldownMs: 60_000 })
    const at = (now: number) =>
      context({
        agents: [bad, { id: 'x', meanMs: 100 }, { id: 'y', meanMs: 100 }],
        queued: { bad: [task('t1', { assignedAt: 100 })] },
        now,
      })
    // The host refuses every move: t1 stays queued at bad.
    const offers = [1000, 2000, 3000, 4000].flatMap((now) => rebalancer.rebalance(at(now)).map((m) => m.toAgentId))
    expect(offers).toEqual(['x', 'y'])
  })
})

/** bad has failed `history` tasks and good completed as many; `busy` run one more each; then `extra` events. */
function fleet(
  config: Parameters<typeof createSwarmMonitor>[0],
  busy: string[],
  extra: (send: (e: SwarmEvent) => void) => void,
  history = 10,
) {
  const events = new Subject<SwarmEvent>()
  let now = 0
  const adapter = fromObservable(events, (r) => {
    events.next({ type: 'reassignment:applied', ts: now, taskId: r.taskId, toAgentId: r.toAgentId })
    events.next({ type: 'task:assigned', ts: now, taskId: r.taskId, agentId: r.toAgentId })
  })
  const session = createSwarmMonitor({ tickMs: 1000, idleTicks: false, strategy: 'least-loaded', ...config }).attach(
    adapter,
    { start: 'immediate' },
  )
  const moves: string[] = []
  session.reassignments$.subscribe((r) => moves.push(`${r.reason}:${r.taskId}->${r.toAgentId}`))
  const held: number[] = []
  session.snapshots$.subscribe((s) => {
    const good = s.agents.find((a) => a.agentId === 'good')
    if (good) held.push(good.inFlight + good.queued)
  })
  const send = (e: SwarmEvent) => {
    now = e.ts
    events.next(e)
  }
  send({ type: 'agent:joined', ts: 0, agentId: 'bad' })
  send({ type: 'agent:joined', ts: 0, agentId: 'good' })
  for (let i = 0; i < history; i++) {
    for (const [agentId, type] of [
      ['bad', 'task:failed'],
      ['good', 'task:completed'],
    ] as const) {
      const taskId = `${agentId}-h${i}`
      send({ type: 'task:queued', ts: 10 + i, taskId })
      send({ type: 'task:assigned', ts: 10 + i, taskId, agentId })
      send({ type: 'task:started', ts: 10 + i, taskId, agentId })
      send({ type, ts: 20 + i, taskId, agentId })
    }
  }
  for (const agentId of busy) {
    send({ type: 'task:queued', ts: 100, taskId: `${agentId}-run` })
    send({ type: 'task:assigned', ts: 100, taskId: `${agentId}-run`, agentId })
    send({ type: 'task:started', ts: 100, taskId: `${agentId}-run`, agentId })
  }
  extra(send)
  session.dispose()
  return { moves, held }
}

/** The task a logged reassignment (`reason:taskId->agentId`) names. */
const taskOf = (move: string) => move.split(':')[1].split('->')[0]

describe('evacuation in the monitor', () => {
  it('neither queues new work at a failing agent only to move it, nor fills a receiver past maxQueuedPerSlot', () => {
    const { moves, held } = fleet({ strategyOptions: { maxQueuedPerSlot: 1 } }, ['bad', 'good'], (send) => {
      for (let i = 0; i < 8; i++) send({ type: 'task:queued', ts: 200, taskId: `q${i}` })
      for (let ts = 1000; ts <= 8000; ts += 1000) send({ type: 'queue:depth', ts, depth: 0 })
    })
    const tasks = moves.map(taskOf)
    expect(tasks.length).toBeGreaterThan(0)
    // Every task is placed or moved once at most.
    expect(new Set(tasks).size).toBe(tasks.length)
    expect(Math.max(...held)).toBeLessThanOrEqual(2)
  })
})

describe("evacuation against this tick's placements", () => {
  it('counts what the strategy placed this tick against the receiver bound', () => {
    const { moves, held } = fleet({ strategyOptions: { maxQueuedPerSlot: 0 } }, ['bad'], (send) => {
      send({ type: 'task:queued', ts: 100, taskId: 'bad-q' })
      send({ type: 'task:assigned', ts: 100, taskId: 'bad-q', agentId: 'bad' })
      send({ type: 'task:queued', ts: 200, taskId: 'u' })
      for (let ts = 1000; ts <= 3000; ts += 1000) send({ type: 'queue:depth', ts, depth: 0 })
    })
    // good (capacity 1, idle) has room for one task: the waiting one, placed first, fills it; the evacuation waits.
    expect(Math.max(...held)).toBeLessThanOrEqual(1)
    expect(moves.filter((m) => m.endsWith('->good')).length).toBeLessThanOrEqual(1)
  })

  it('queues nothing at an agent that began failing since the last tick, in a pass between ticks', () => {
    const { moves } = fleet(
      { placeEveryMs: 100 },
      [],
      (send) => {
        // bad's tenth failure comes after the tick at 1000 (minSamples is 10): only the pass's own snapshot shows it.
        send({ type: 'queue:depth', ts: 1000, depth: 0 })
        send({ type: 'task:queued', ts: 1010, taskId: 'late' })
        send({ type: 'task:assigned', ts: 1010, taskId: 'late', agentId: 'bad' })
        send({ type: 'task:started', ts: 1010, taskId: 'late', agentId: 'bad' })
        send({ type: 'task:failed', ts: 1020, taskId: 'late', agentId: 'bad' })
        for (const agentId of ['bad', 'good']) {
          send({ type: 'task:queued', ts: 1030, taskId: `${agentId}-busy` })
          send({ type: 'task:assigned', ts: 1030, taskId: `${agentId}-busy`, agentId })
          send({ type: 'task:started', ts: 1030, taskId: `${agentId}-busy`, agentId })
        }
        for (let i = 0; i < 4; i++) send({ type: 'task:queued', ts: 1040, taskId: `q${i}` })
        for (let ts = 1100; ts <= 3000; ts += 100) send({ type: 'queue:depth', ts, depth: 0 })
      },
      9,
    )
    expect(moves).toEqual(['q0', 'q1', 'q2', 'q3'].map((id) => `place:${id}->good`))
  })

  it('queues nothing at a failing agent from the first tick that places, so no task is moved twice', () => {
    const { moves } = fleet({}, ['bad', 'good'], (send) => {
      for (let i = 0; i < 4; i++) send({ type: 'task:queued', ts: 200, taskId: `q${i}` })
      for (let ts = 1000; ts <= 3000; ts += 1000) send({ type: 'queue:depth', ts, depth: 0 })
    })
    const ids = moves.map(taskOf)
    expect(moves.length).toBe(4)
    expect(new Set(ids).size).toBe(ids.length)
    expect(moves.every((m) => m.endsWith('->good'))).toBe(true)
  })
})

describe('rebalancer on random contexts over virtual time', () => {
  const capabilityNames = ['code', 'gpu']
  const agentArb = fc.record({
    capacity: fc.integer({ min: 1, max: 3 }),
    capabilities: fc.subarray(capabilityNames),
    state: fc.constantFrom<'idle' | 'busy' | 'left'>('idle', 'busy', 'busy', 'left'),
    inFlight: fc.integer({ min: 0, max: 3 }),
    meanMs: fc.option(fc.integer({ min: 10, max: 3000 }), { nil: null }),
    completed: fc.integer({ min: 0, max: 30 }),
    failed: fc.integer({ min: 0, max: 30 }),
  })
  const queuedArb = fc.array(
    fc.record({
      requiredCapabilities: fc.subarray(capabilityNames, { maxLength: 1 }),
      assignedAt: fc.integer({ min: 0, max: 20_000 }),
    }),
    { maxLength: 10 },
  )
  const scenarioArb = fc.record({
    agents: fc.array(agentArb, { minLength: 1, maxLength: 5 }),
    queues: fc.array(queuedArb, { minLength: 5, maxLength: 5 }),
    ticks: fc.array(fc.integer({ min: 0, max: 30_000 }), { minLength: 1, maxLength: 5 }),
    maxMovesPerTick: fc.integer({ min: 0, max: 4 }),
  })

  it('only ever moves queued tasks, from where they are, to a different live capable agent, within the cap', () => {
    fc.assert(
      fc.property(scenarioArb, ({ agents, queues, ticks, maxMovesPerTick }) => {
        const rebalancer = createRebalancer({ minGainMs: 0, minDwellMs: 1_000, maxMovesPerTick })
        const specs = agents.map((a, i): AgentSpec => ({ id: `a${i}`, ...a }))
        const queued: Record<string, PendingTask[]> = {}
        specs.forEach((a, i) => {
          queued[a.id] = queues[i].map((q, j) => task(`${a.id}-q${j}`, q))
        })
        let now = 20_000
        for (const step of ticks) {
          now += step
          const ctx = context({ agents: specs, queued, now })
          const moves = rebalancer.rebalance(ctx)
          const moved = new Set<string>()
          for (const move of moves) {
            const holder = ctx.queuedAt.get(move.fromAgentId!)
            const queuedTask = holder?.find((t) => t.taskId === move.taskId)
            expect(queuedTask, 'a move names a queued task where it is').toBeDefined()
            expect(moved.has(move.taskId)).toBe(false)
            moved.add(move.taskId)
            const target = ctx.snapshot.agents.find((a) => a.agentId === move.toAgentId)!
            expect(target.state).not.toBe('left')
            expect(move.toAgentId).not.toBe(move.fromAgentId)
            for (const c of queuedTask!.requiredCapabilities) expect(target.capabilities).toContain(c)
            if (move.reason === 'rebalance') {
              expect(now - queuedTask!.assignedAt!).toBeGreaterThanOrEqual(1_000)
              expect(move.expectedGainMs).toBeGreaterThan(0)
            } else expect(move.reason).toBe('evacuate')
          }
          expect(moves.filter((m) => m.reason === 'rebalance').length).toBeLessThanOrEqual(maxMovesPerTick)
          // The host applies every move: the next tick sees the tasks at their new agents, assigned now.
          for (const move of moves) {
            const from = queued[move.fromAgentId!]
            const index = from.findIndex((t) => t.taskId === move.taskId)
            const [t] = from.splice(index, 1)
            queued[move.toAgentId].push({ ...t, assignedAt: now })
          }
        }
      }),
      { numRuns: 300 },
    )
  })
})
