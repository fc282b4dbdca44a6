import { EventEmitter } from 'node:events'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { type EventEmitterMapping, fromEventEmitter, type HostApply } from '../src/hosts/from-event-emitter.js'
import type { SwarmError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'

/** A host that emits SwarmEvents as they are, each with its own time (a simulator, or a host on its own clock). */
const passthrough: EventEmitterMapping<EventEmitter> = {
  name: 'passthrough',
  events: { ev: (payload) => payload as SwarmEvent },
  unwrap: (raw) => ({ payload: raw, ts: (raw as SwarmEvent).ts }),
}

/** Lets the adapter's apply (which reaches the host a microtask after the tick) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0))

/** A monitor attached to a passthrough host: `send` emits one event and lets any apply run. */
function attached(apply: HostApply<EventEmitter>, config: Parameters<typeof createSwarmMonitor>[0] = {}) {
  const host = new EventEmitter()
  const adapter = fromEventEmitter(host, passthrough, { apply, now: () => 9_999_999 })
  const seen: SwarmEvent[] = []
  const tap = adapter.events$.subscribe((e) => seen.push(e as SwarmEvent))
  const session = createSwarmMonitor({ tickMs: 1000, idleTicks: false, rebalance: false, ...config }).attach(adapter, {
    start: 'immediate',
  })
  const errors: SwarmError[] = []
  session.errors$.subscribe((e) => errors.push(e))
  const offers: Reassignment[] = []
  session.reassignments$.subscribe((r) => offers.push(r))
  const send = async (event: SwarmEvent) => {
    host.emit('ev', event)
    await settle()
  }
  const answers = () => seen.filter((e) => e.type.startsWith('reassignment:'))
  const dispose = () => {
    session.dispose()
    tap.unsubscribe()
  }
  return { host, session, send, offers, answers, errors, dispose }
}

describe('the reassignment loop through fromEventEmitter', () => {
  it('offers an unanswered placement again after placementTimeoutMs, and the lapsed offer does not undo it', async () => {
    const { session, send, offers, answers, dispose } = attached(() => ({ pending: true }), {
      placementTimeoutMs: 3000,
    })
    await send({ type: 'agent:joined', ts: 0, agentId: 'a' })
    await send({ type: 'task:queued', ts: 10, taskId: 't1' })
    for (let ts = 1000; ts <= 10_000; ts += 1000) await send({ type: 'queue:depth', ts, depth: 1 })
    // Offered at the first tick, then once per lapse: never refused, since the host never refused.
    expect(offers.map((r) => r.at)).toEqual([1000, 4000, 7000, 10_000])
    expect(answers()).toEqual([])
    expect(session.snapshot().swarm.reassignments).toEqual({ emitted: 4, applied: 0, refused: 0 })
    dispose()
  })

  it("stamps the host's answers with the host's event time, so its later events are not out of order", async () => {
    // The adapter's clock is far from the host's (9,999,999 against 0..3000).
    const { session, send, answers, errors, dispose } = attached(() => true)
    await send({ type: 'agent:joined', ts: 0, agentId: 'a' })
    await send({ type: 'task:queued', ts: 10, taskId: 't1' })
    await send({ type: 'queue:depth', ts: 1000, depth: 1 })
    expect(answers()).toEqual([{ type: 'reassignment:applied', ts: 1000, taskId: 't1', toAgentId: 'a' }])
    await send({ type: 'task:assigned', ts: 1500, taskId: 't1', agentId: 'a' })
    await send({ type: 'task:started', ts: 1600, taskId: 't1', agentId: 'a' })
    await send({ type: 'task:completed', ts: 3000, taskId: 't1', agentId: 'a' })
    expect(errors).toEqual([])
    expect(session.snapshot().swarm.tasksCompleted).toBe(1)
    dispose()
  })

  it('holds a task the host refused (by an event) until the next tick, as it does when apply throws', async () => {
    let calls = 0
    const { send, dispose } = attached(
      () => {
        calls++
        return false
      },
      { placeEveryMs: 100 },
    )
    await send({ type: 'agent:joined', ts: 0, agentId: 'a' })
    await send({ type: 'task:queued', ts: 10, taskId: 't1' })
    for (let ts = 100; ts < 3000; ts += 100) await send({ type: 'queue:depth', ts, depth: 1 })
    // Once at 100 (the first placement boundary), then once per tick: 1000 and 2000.
    expect(calls).toBe(3)
    dispose()
  })
})

describe('fromEventEmitter edge cases', () => {
  it('takes a translator returning null as nothing to emit, and reports a list item that is not an event', () => {
    const host = new EventEmitter()
    const adapter = fromEventEmitter(host, {
      name: 'odd',
      events: {
        heartbeat: () => null,
        batch: () => [{ type: 'agent:joined', ts: 1, agentId: 'a' }, null as unknown as SwarmEvent],
      },
    })
    const events: SwarmEvent[] = []
    const errors: SwarmError[] = []
    adapter.events$.subscribe((e) => events.push(e as SwarmEvent))
    adapter.errors$.subscribe((e) => errors.push(e))
    expect(() => host.emit('heartbeat', {})).not.toThrow()
    expect(() => host.emit('batch', {})).not.toThrow()
    expect(events).toEqual([{ type: 'agent:joined', ts: 1, agentId: 'a' }])
    expect(errors.map((e) => [e.code, e.message])).toEqual([
      ['PLUGIN_FAILED', "odd: translating 'batch' gave null, not a SwarmEvent"],
    ])
  })

  it('reports an unwrap that gives no object instead of throwing into the host', () => {
    const host = new EventEmitter()
    const adapter = fromEventEmitter(host, {
      name: 'odd',
      events: { x: (p) => p as SwarmEvent },
      unwrap: () => undefined as never,
    })
    const errors: SwarmError[] = []
    adapter.events$.subscribe()
    adapter.errors$.subscribe((e) => errors.push(e))
    expect(() => host.emit('x', {})).not.toThrow()
    expect(errors.map((e) => e.code)).toEqual(['PLUGIN_FAILED'])
  })

  it('gives every subscriber the host state as it is when it subscribes', () => {
    const host = new EventEmitter()
    const agents = new Set(['a1'])
    const adapter = fromEventEmitter(host, {
      name: 'stateful',
      events: { ev: (p) => p as SwarmEvent },
      bootstrap: (_emitter, now) => [...agents].map((agentId) => ({ type: 'agent:joined', ts: now, agentId }) as const),
    })
    const first: string[] = []
    const second: string[] = []
    const describe = (e: SwarmEvent) => `${e.type} ${'agentId' in e ? e.agentId : ''}`
    adapter.events$.subscribe((e) => first.push(describe(e as SwarmEvent)))
    host.emit('ev', { type: 'agent:joined', ts: 5, agentId: 'a2' })
    agents.add('a2')
    adapter.events$.subscribe((e) => second.push(describe(e as SwarmEvent)))
    host.emit('ev', { type: 'agent:left', ts: 6, agentId: 'a1' })
    expect(first).toEqual(['agent:joined a1', 'agent:joined a2', 'agent:left a1'])
    expect(second).toEqual(['agent:joined a1', 'agent:joined a2', 'agent:left a1'])
  })

  it('lets a log tap subscribed before the monitor leave the existing agents to the monitor too', async () => {
    const host = new EventEmitter()
    const adapter = fromEventEmitter(host, {
      name: 'stateful',
      events: { ev: (p) => p as SwarmEvent },
      bootstrap: (_emitter, now) => [{ type: 'agent:joined', ts: now, agentId: 'a1' }],
    })
    const session = createSwarmMonitor({ idleTicks: false }).attach(adapter)
    const tapped: SwarmEvent[] = []
    adapter.events$.subscribe((e) => tapped.push(e as SwarmEvent)) // before the monitor, which subscribes a microtask later
    await settle()
    expect(tapped).toHaveLength(1)
    expect(session.snapshot().swarm.agents).toBe(1)
    session.dispose()
  })
})

describe('after dispose', () => {
  it('sends the host nothing, not even a placement decided in the emit just before', async () => {
    const calls: string[] = []
    const { host, send, offers, dispose } = attached((r) => {
      calls.push(r.taskId)
    })
    await send({ type: 'agent:joined', ts: 0, agentId: 'a' })
    await send({ type: 'task:queued', ts: 10, taskId: 't1' })
    // The tick at 1000 places t1; the adapter reaches the host a microtask later, after this dispose.
    host.emit('ev', { type: 'queue:depth', ts: 1000, depth: 1 })
    expect(offers.map((r) => r.taskId)).toEqual(['t1'])
    dispose()
    await settle()
    expect(calls).toEqual([])
  })
})

describe('a refusal that arrives late', () => {
  /** A monitor on an adapter whose apply answers only when the test says: `pending[i]` settles the i-th apply. */
  function slowHost(config: Parameters<typeof createSwarmMonitor>[0] = {}) {
    const events$ = new Subject<SwarmEvent>()
    const pending: Array<{ r: Reassignment; refuse: (error: Error) => void }> = []
    const session = createSwarmMonitor({ idleTicks: false, rebalance: false, ...config }).attach(
      {
        name: 'slow-host',
        events$,
        apply: (r) => new Promise<void>((_, refuse) => pending.push({ r, refuse })),
      },
      { start: 'immediate' },
    )
    const placed: string[] = []
    session.reassignments$.subscribe((r) => placed.push(`${r.taskId}->${r.toAgentId}@${r.at}`))
    return { events$, pending, session, placed }
  }

  // Task records are pooled and a task may be placed again before the host refuses an earlier placement: the
  // refusal undid whatever placement the record carried then.
  it('does not undo the placement of a retry under the same id', async () => {
    const { events$, pending, session, placed } = slowHost()
    events$.next({ type: 'agent:joined', ts: 0, agentId: 'a', capacity: 2 })
    events$.next({ type: 'task:queued', ts: 0, taskId: 't' })
    events$.next({ type: 'queue:depth', ts: 1000, depth: 1 })
    events$.next({ type: 'task:cancelled', ts: 1100, taskId: 't' })
    events$.next({ type: 'task:queued', ts: 1200, taskId: 't' })
    events$.next({ type: 'queue:depth', ts: 2000, depth: 1 })
    pending[0].refuse(new Error('that placement no longer applies'))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(session.snapshot().agents[0].queued).toBe(1)
    expect(session.snapshot().queue.unassigned).toBe(0)
    events$.next({ type: 'queue:depth', ts: 3000, depth: 1 })
    expect(placed).toEqual(['t->a@1000', 't->a@2000'])
    session.dispose()
  })

  it('does not undo a later move of the same task to the same agent', async () => {
    // x holds t; the strategy moves it to a at 500, the move lapses and is made again at 1500, then the host's
    // refusal of the first arrives.
    const { events$, pending, session } = slowHost({ tickMs: 500, placementTimeoutMs: 1000 })
    session.setStrategy({
      name: 'mover',
      place: (ctx) => [{ taskId: 't', toAgentId: 'a', reason: 'rebalance', expectedGainMs: 1, at: ctx.now }],
    })
    const moves: string[] = []
    session.reassignments$.subscribe((r) => moves.push(`${r.fromAgentId}->${r.toAgentId}@${r.at}`))
    events$.next({ type: 'agent:joined', ts: 0, agentId: 'x' })
    events$.next({ type: 'agent:joined', ts: 0, agentId: 'a' })
    events$.next({ type: 'task:assigned', ts: 1, taskId: 't', agentId: 'x' })
    // A task nobody can run keeps the strategy called at every tick.
    events$.next({ type: 'task:queued', ts: 2, taskId: 'stuck', requiredCapabilities: ['nobody'] })
    for (const ts of [500, 1000, 1500]) events$.next({ type: 'queue:depth', ts, depth: 1 })
    expect(moves).toEqual(['x->a@500', 'x->a@1500'])
    pending[0].refuse(new Error('late refusal of the move at 500'))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(session.snapshot().agents.find((agent) => agent.agentId === 'a')?.queued).toBe(1)
    session.dispose()
  })

  it.each([
    ['the earlier placement', 1000, 1],
    ['the placement in flight', 2000, 0],
    ['no placement in particular', undefined, 0],
  ])("takes a refusal event naming %s as that placement's", (_, reassignmentAt, queuedAfter) => {
    // A host answering with events: the placement at 1000 lapsed and t was placed on a again at 2000.
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor({ idleTicks: false, rebalance: false, placementTimeoutMs: 1000 }).connect(
      events$,
      { start: 'immediate' },
    )
    const placed: number[] = []
    session.reassignments$.subscribe((r) => placed.push(r.at))
    events$.next({ type: 'agent:joined', ts: 0, agentId: 'a' })
    events$.next({ type: 'task:queued', ts: 0, taskId: 't' })
    events$.next({ type: 'queue:depth', ts: 1000, depth: 1 })
    events$.next({ type: 'queue:depth', ts: 2000, depth: 1 })
    expect(placed).toEqual([1000, 2000])
    events$.next({
      type: 'reassignment:refused',
      ts: 2001,
      taskId: 't',
      toAgentId: 'a',
      reason: 'late',
      ...(reassignmentAt === undefined ? {} : { reassignmentAt }),
    })
    expect(session.snapshot().agents[0].queued).toBe(queuedAfter)
    session.dispose()
  })

  it('does not undo a later placement of the same task', async () => {
    const { events$, pending, session, placed } = slowHost({ placementTimeoutMs: 1000 })
    events$.next({ type: 'agent:joined', ts: 0, agentId: 'a' })
    events$.next({ type: 'task:queued', ts: 0, taskId: 't' })
    events$.next({ type: 'queue:depth', ts: 1000, depth: 1 })
    events$.next({ type: 'queue:depth', ts: 2000, depth: 1 })
    expect(placed).toEqual(['t->a@1000', 't->a@2000'])
    pending[0].refuse(new Error('lapsed'))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(session.snapshot().agents[0].queued).toBe(1)
    // The refusal of the placement it was about does undo it.
    pending[1].refuse(new Error('no room'))
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(session.snapshot().agents[0].queued).toBe(0)
    expect(session.snapshot().swarm.reassignments).toEqual({ emitted: 2, applied: 0, refused: 2 })
    session.dispose()
  })
})
