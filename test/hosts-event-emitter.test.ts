import { EventEmitter } from 'node:events'
import { createOrchestrator } from '@claude-flow/shared/core'
import fc from 'fast-check'
import { lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { type EventEmitterMapping, fromEventEmitter, type HostApply } from '../src/hosts/from-event-emitter.js'
import { claudeFlowBusMapping } from '../src/hosts/mappings/claude-flow-bus-mapping.js'
import { ruvSwarmMapping } from '../src/hosts/mappings/ruv-swarm-mapping.js'
import { TaskAttempts } from '../src/hosts/mappings/task-attempts.js'
import type { SwarmError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import { type SwarmEvent, swarmEventSchema } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'

function clock(start = 1_000) {
  let t = start
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

function collect(adapter: ReturnType<typeof fromEventEmitter>) {
  const events: SwarmEvent[] = []
  const errors: SwarmError[] = []
  adapter.errors$.subscribe((e) => errors.push(e))
  const subscription = adapter.events$.subscribe((e) => events.push(e as SwarmEvent))
  return { events, errors, subscription }
}

const move = (taskId: string, toAgentId: string): Reassignment => ({
  taskId,
  toAgentId,
  reason: 'place',
  expectedGainMs: 1,
  at: 0,
})

/** A ruv-swarm shaped host: the payloads of `RuvSwarm` in ruv-swarm 1.0.20's src/index.ts, over Node's emitter. */
function ruvHost() {
  const host = new EventEmitter()
  return {
    host,
    addAgent: (agentId: string) => host.emit('agent:added', { agentId, config: { id: agentId, type: 'coder' } }),
    removeAgent: (agentId: string) => host.emit('agent:removed', { agentId }),
    submit: (id: string) => host.emit('task:created', { task: { id, description: id, priority: 'high' } }),
    assign: (taskId: string, agentId: string) => host.emit('task:assigned', { taskId, agentId }),
    complete: (taskId: string) => host.emit('task:completed', { taskId, result: { taskId } }),
    fail: (taskId: string) => host.emit('task:failed', { taskId, error: new Error('no luck') }),
  }
}

describe('fromEventEmitter with the ruv-swarm mapping', () => {
  it('translates the swarm lifecycle, stamps times with the clock and takes assignment as the start', () => {
    const c = clock()
    const ruv = ruvHost()
    const adapter = fromEventEmitter(ruv.host, ruvSwarmMapping(), { now: c.now })
    const { events, errors } = collect(adapter)
    ruv.addAgent('r1')
    ruv.submit('t1')
    c.advance(10)
    ruv.assign('t1', 'r1')
    c.advance(240)
    ruv.complete('t1')
    ruv.submit('t2')
    ruv.assign('t2', 'r1')
    ruv.fail('t2')
    ruv.removeAgent('r1')
    ruv.host.emit('agent:status_changed', { agentId: 'r1' }) // not listened to

    expect(errors).toEqual([])
    expect(events).toEqual([
      { type: 'agent:joined', ts: 1000, agentId: 'r1', capacity: 1, role: 'coder' },
      { type: 'task:queued', ts: 1000, taskId: 't1', priority: 3 },
      { type: 'task:assigned', ts: 1010, taskId: 't1', agentId: 'r1' },
      { type: 'task:started', ts: 1010, taskId: 't1', agentId: 'r1' },
      { type: 'task:completed', ts: 1250, taskId: 't1', agentId: 'r1' },
      { type: 'task:queued', ts: 1250, taskId: 't2', priority: 3 },
      { type: 'task:assigned', ts: 1250, taskId: 't2', agentId: 'r1' },
      { type: 'task:started', ts: 1250, taskId: 't2', agentId: 'r1' },
      { type: 'task:failed', ts: 1250, taskId: 't2', agentId: 'r1', error: 'no luck' },
      { type: 'agent:left', ts: 1250, agentId: 'r1' },
    ])
    expect(adapter.definitions.serviceMs).toMatch(/assignment is taken as the start/)
  })

  it('listens only while subscribed, once for all subscribers', () => {
    const ruv = ruvHost()
    const adapter = fromEventEmitter(ruv.host, ruvSwarmMapping())
    expect(ruv.host.listenerCount('task:created')).toBe(0)
    const first = collect(adapter)
    const second = collect(adapter)
    expect(ruv.host.listenerCount('task:created')).toBe(1)
    ruv.submit('t1')
    expect(first.events).toHaveLength(1)
    expect(second.events).toHaveLength(1)
    first.subscription.unsubscribe()
    second.subscription.unsubscribe()
    expect(ruv.host.eventNames()).toEqual([])
  })

  it('completes events$ and errors$ and stops listening on dispose', () => {
    const ruv = ruvHost()
    const adapter = fromEventEmitter(ruv.host, ruvSwarmMapping())
    const done: string[] = []
    adapter.events$.subscribe({ complete: () => done.push('events') })
    adapter.errors$.subscribe({ complete: () => done.push('errors') })
    adapter.dispose()
    adapter.dispose()
    expect(done).toEqual(['events', 'errors'])
    expect(ruv.host.eventNames()).toEqual([])
  })
})

describe('fromEventEmitter apply: the host callback and its answer as an event', () => {
  const setup = (apply?: HostApply<EventEmitter>) => {
    const ruv = ruvHost()
    const adapter = fromEventEmitter(ruv.host, ruvSwarmMapping(), { now: () => 5, ...(apply ? { apply } : {}) })
    const collected = collect(adapter)
    ruv.addAgent('r1')
    ruv.addAgent('r2')
    ruv.submit('t1')
    return {
      ruv,
      adapter,
      ...collected,
      answers: () => collected.events.filter((e) => e.type.startsWith('reassignment:')),
    }
  }

  it('answers applied when the callback returns, refused when it throws, declines or says why', async () => {
    let mode: 'ok' | 'throw' | 'false' | 'reason' | 'reject' = 'ok'
    const { adapter, answers } = setup(async () => {
      if (mode === 'throw') throw new Error('host is draining')
      if (mode === 'reject') return Promise.reject(new Error('rejected'))
      if (mode === 'false') return false
      if (mode === 'reason') return { refused: 'quota' }
      return undefined
    })
    await adapter.apply(move('t1', 'r1'))
    for (const m of ['throw', 'false', 'reason', 'reject'] as const) {
      mode = m
      await adapter.apply(move('t1', 'r2'))
    }
    expect(answers()).toEqual([
      { type: 'reassignment:applied', ts: 5, taskId: 't1', toAgentId: 'r1' },
      {
        type: 'reassignment:refused',
        ts: 5,
        taskId: 't1',
        toAgentId: 'r2',
        reason: 'host is draining',
        reassignmentAt: 0,
      },
      {
        type: 'reassignment:refused',
        ts: 5,
        taskId: 't1',
        toAgentId: 'r2',
        reason: 'declined by the host',
        reassignmentAt: 0,
      },
      { type: 'reassignment:refused', ts: 5, taskId: 't1', toAgentId: 'r2', reason: 'quota', reassignmentAt: 0 },
      { type: 'reassignment:refused', ts: 5, taskId: 't1', toAgentId: 'r2', reason: 'rejected', reassignmentAt: 0 },
    ])
  })

  it('with a pending answer, takes the host task:assigned as the acknowledgement, emitted before it', async () => {
    const { ruv, adapter, events, answers } = setup(() => ({ pending: true }))
    await adapter.apply(move('t1', 'r2'))
    expect(answers()).toEqual([])
    ruv.assign('t1', 'r2')
    expect(events.slice(-3).map((e) => e.type)).toEqual(['reassignment:applied', 'task:assigned', 'task:started'])

    ruv.submit('t2')
    await adapter.apply(move('t2', 'r2'))
    ruv.assign('t2', 'r1') // the host put it elsewhere
    expect(answers().at(-1)).toMatchObject({ type: 'reassignment:refused', reason: 'the host assigned it to r1' })

    // The monitor offers a task again once its last offer lapsed: the lapsed one is dropped unanswered (a refusal
    // naming the same task and agent would read as a refusal of the new offer), and the host's answer goes to the
    // new one.
    ruv.submit('t3')
    await adapter.apply(move('t3', 'r1'))
    const before = answers().length
    await adapter.apply(move('t3', 'r1'))
    expect(answers()).toHaveLength(before)
    ruv.assign('t3', 'r1')
    expect(answers().slice(before)).toEqual([{ type: 'reassignment:applied', ts: 5, taskId: 't3', toAgentId: 'r1' }])
  })

  it('refuses when neither the mapping nor the host can apply', async () => {
    const { adapter, answers } = setup()
    await adapter.apply(move('t1', 'r1'))
    expect(answers()).toEqual([
      {
        type: 'reassignment:refused',
        ts: 5,
        taskId: 't1',
        toAgentId: 'r1',
        reason: 'ruv-swarm has no way to apply a reassignment; pass options.apply',
        reassignmentAt: 0,
      },
    ])
  })
})

describe('fromEventEmitter never lets host garbage through or throw into the host', () => {
  const wildcard = (): EventEmitterMapping<EventEmitter> => ({
    name: 'wild',
    ignore: ['noise:', 'heartbeat'],
    listen: (host, deliver) => {
      const listener = (envelope: { name: string }) => deliver(envelope.name, envelope)
      host.on('any', listener)
      return () => host.off('any', listener)
    },
    unwrap: (raw) => raw as { payload: unknown; id?: string },
    events: {
      boom: () => {
        throw new Error('translator bug')
      },
      joined: (payload, ctx) => {
        const agentId = ctx.requireId((payload as { agentId?: unknown })?.agentId, 'payload.agentId')
        return agentId ? { type: 'agent:joined', ts: ctx.ts, agentId } : undefined
      },
    },
  })

  it('reports unmapped names, ignores the ignorable, catches a throwing translator, drops repeated ids', () => {
    const host = new EventEmitter()
    const { events, errors } = collect(fromEventEmitter(host, wildcard(), { now: () => 1 }))
    const send = (name: string, payload: unknown, id?: string) =>
      expect(() => host.emit('any', { name, payload, ...(id ? { id } : {}) })).not.toThrow()
    send('noise:tick', {})
    send('heartbeat', {})
    send('mystery', {})
    send('boom', {})
    send('joined', { agentId: 42 })
    send('joined', { agentId: 'a' }, 'e1')
    send('joined', { agentId: 'a' }, 'e1')
    send('constructor', {}) // not an own mapping
    expect(events).toEqual([{ type: 'agent:joined', ts: 1, agentId: 'a' }])
    expect(errors.map((e) => [e.code, e.path ?? e.source ?? ''])).toEqual([
      ['HOST_EVENT_UNMAPPED', ''],
      ['PLUGIN_FAILED', 'wild'],
      ['EVENT_SCHEMA', 'payload.agentId'],
      ['EVENT_DUPLICATE', ''],
      ['HOST_EVENT_UNMAPPED', ''],
    ])
    expect(errors[0]).toMatchObject({
      message: "wild: no mapping for host event 'mystery'",
      event: { name: 'mystery' },
    })
  })

  it('does not throw into the host for a name that is not a string, a translator output with a bad type, or an off() that throws', () => {
    // Each of these threw out of the host's emit (name.startsWith, event.type.startsWith, the getter) or out of
    // dispose (an UnsubscriptionError, leaving the session's outputs open).
    const host = new EventEmitter()
    const mapping: EventEmitterMapping<EventEmitter> = {
      name: 'odd',
      ignore: ['noise:'],
      listen: (h, deliver) => {
        const listener = (envelope: { name: string }) => deliver(envelope.name, envelope)
        h.on('any', listener)
        return () => {
          throw new Error('off failed')
        }
      },
      unwrap: (raw) => raw as { payload: unknown },
      events: {
        numbered: () => ({ type: 5, taskId: 't1', ts: 1 }) as unknown as SwarmEvent,
        getter: () =>
          ({
            get type(): string {
              throw new Error('revoked')
            },
            ts: 1,
          }) as unknown as SwarmEvent,
      },
    }
    const adapter = fromEventEmitter(host, mapping, { now: () => 1 })
    const { events, errors, subscription } = collect(adapter)
    for (const name of [42, undefined, Symbol('s'), 'numbered', 'getter'] as unknown as string[]) {
      expect(() => host.emit('any', { name, payload: {} })).not.toThrow()
    }
    expect(errors.map((e) => e.code)).toEqual([
      'HOST_EVENT_UNMAPPED',
      'HOST_EVENT_UNMAPPED',
      'HOST_EVENT_UNMAPPED',
      'PLUGIN_FAILED',
    ])
    expect(errors[2].message).toBe('odd: no mapping for host event Symbol(s) (not a string)')
    // The output with a numeric type goes on to the monitor, which rejects it by its schema.
    expect(events).toEqual([{ type: 5, taskId: 't1', ts: 1 }])
    expect(() => subscription.unsubscribe()).not.toThrow()
    expect(errors.at(-1)).toMatchObject({
      code: 'PLUGIN_FAILED',
      message: 'odd: detaching from the host threw: off failed',
    })
  })

  it('reports a host event with two bad fields once (one bad event, one invalid count)', () => {
    const { host } = ruvHost()
    const { events, errors } = collect(fromEventEmitter(host, ruvSwarmMapping(), { now: () => 1 }))
    host.emit('task:assigned', 'a', 'b')
    host.emit('task:assigned', null)
    expect(events).toEqual([])
    expect(errors.map((e) => [e.code, e.path])).toEqual([
      ['EVENT_SCHEMA', 'taskId'],
      ['EVENT_SCHEMA', 'taskId'],
    ])
  })

  it('reports a bootstrap that gives no list, or a list with a non-event, and goes on listening', () => {
    // It ended the whole session ("existing is not iterable"), where a bootstrap that throws was reported.
    for (const bootstrap of [() => 42, () => [null, { type: 'agent:joined', ts: 1, agentId: 'a' }]]) {
      const host = new EventEmitter()
      const mapping = {
        name: 'boot',
        events: { joined: (_: unknown, ctx: { ts: number }) => ({ type: 'agent:joined', ts: ctx.ts, agentId: 'b' }) },
        bootstrap,
      } as unknown as EventEmitterMapping<EventEmitter>
      const { events, errors } = collect(fromEventEmitter(host, mapping, { now: () => 2 }))
      host.emit('joined', {})
      expect(errors.map((e) => e.code)).toEqual(['PLUGIN_FAILED'])
      expect(events.at(-1)).toEqual({ type: 'agent:joined', ts: 2, agentId: 'b' })
    }
  })

  it('completes a session whose host throws when the monitor detaches', async () => {
    const host = new EventEmitter()
    const mapping: EventEmitterMapping<EventEmitter> = {
      name: 'sticky',
      listen: () => () => {
        throw new Error('off failed')
      },
      events: {},
    }
    const session = createSwarmMonitor({ idleTicks: false }).attach(fromEventEmitter(host, mapping), {
      start: 'immediate',
    })
    const done = lastValueFrom(session.snapshots$.pipe(toArray()))
    expect(() => session.dispose()).not.toThrow()
    expect(await done).toHaveLength(1)
  })

  /** Ids from a small pool, so assignments meet later completions and failures; now and then not an id at all. */
  const idFrom = (...pool: string[]) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...pool) },
      { weight: 1, arbitrary: fc.oneof(fc.constant(''), fc.integer(), fc.constant(null), fc.anything()) },
    )
  const taskId = idFrom('t1', 't2', 't3')
  const agentId = idFrom('a1', 'a2')
  const errorValue = fc.oneof(fc.string(), fc.constant(new Error('no luck')), fc.anything())
  /** Counts the events by type and the payloads rejected as not schema-valid, over every run of a property. */
  const tally = () => {
    const seen = new Map<string, number>()
    let rejected = 0
    return {
      seen,
      rejected: () => rejected,
      add(events: readonly SwarmEvent[], errors: readonly SwarmError[]) {
        for (const e of events) seen.set(e.type, (seen.get(e.type) ?? 0) + 1)
        rejected += errors.filter((e) => e.code === 'EVENT_SCHEMA').length
      },
      total: () => [...seen.values()].reduce((a, b) => a + b, 0),
      /** Not vacuous: enough events, every one of these types, and rejected payloads too. */
      expectReached(types: readonly string[]) {
        expect(this.total()).toBeGreaterThan(300)
        for (const type of types) expect(seen.get(type) ?? 0, type).toBeGreaterThan(0)
        expect(rejected).toBeGreaterThan(100)
      },
    }
  }
  const lifecycleTypes = [
    'agent:joined',
    'agent:left',
    'task:queued',
    'task:assigned',
    'task:started',
    'task:completed',
    'task:failed',
  ]

  it('emits only schema-valid SwarmEvents for any payload under any mapped name (ruv-swarm mapping)', () => {
    const names = Object.keys(ruvSwarmMapping().events)
    // The fields the ruv-swarm mapping reads, each valid-looking or of the wrong type; or no such shape at all.
    const payload = fc.oneof(
      { weight: 1, arbitrary: fc.anything() },
      {
        weight: 6,
        arbitrary: fc.record(
          {
            agentId,
            taskId,
            config: fc.record(
              {
                type: fc.oneof(fc.constantFrom('coder', 'tester'), fc.anything()),
                capabilities: fc.oneof(fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }), fc.anything()),
              },
              { requiredKeys: [] },
            ),
            task: fc.record(
              {
                id: taskId,
                priority: fc.oneof(fc.constantFrom('low', 'medium', 'high', 'critical', 'urgent'), fc.anything()),
              },
              { requiredKeys: ['id'] },
            ),
            result: fc.record({ agentId }, { requiredKeys: [] }),
            error: errorValue,
          },
          { requiredKeys: ['agentId', 'taskId', 'task', 'error'] },
        ),
      },
    )
    const counts = tally()
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), payload), { minLength: 5, maxLength: 30 }), (sends) => {
        const host = new EventEmitter()
        const { events, errors } = collect(fromEventEmitter(host, ruvSwarmMapping()))
        for (const [name, p] of sends) host.emit(name, p)
        counts.add(events, errors)
        return events.every((e) => swarmEventSchema.safeParse(e).success)
      }),
      {
        // A lifecycle that makes every event the mapping makes and has a payload rejected, whatever the random runs do.
        examples: [
          [
            [
              ['agent:added', { agentId: 'a1', config: { type: 'coder' } }],
              ['task:created', { task: { id: 't1', priority: 'high' } }],
              ['task:assigned', { taskId: 't1', agentId: 'a1' }],
              ['task:completed', { taskId: 't1' }],
              ['task:created', { task: { id: 't2' } }],
              ['task:assigned', { taskId: 't2', agentId: 'a1' }],
              ['task:failed', { taskId: 't2', error: new Error('no luck') }],
              ['task:failed', { taskId: 42 }],
              ['agent:removed', { agentId: 'a1' }],
            ],
          ],
        ],
      },
    )
    // Not vacuous: every event the mapping makes was made and checked, and payloads were rejected too (about 900
    // events and 350 rejections in 100 runs; the example alone makes every type and a rejection).
    counts.expectReached(lifecycleTypes)
  })

  it('emits only schema-valid SwarmEvents for any payload on a real claude-flow bus', () => {
    const names = Object.keys(claudeFlowBusMapping().events)
    const payload = fc.oneof(
      { weight: 1, arbitrary: fc.anything() },
      {
        weight: 6,
        arbitrary: fc.record(
          {
            taskId,
            agentId,
            reason: fc.oneof(fc.string(), fc.anything()),
            profile: fc.record(
              {
                type: fc.oneof(fc.constantFrom('coder', 'tester'), fc.anything()),
                capabilities: fc.oneof(fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }), fc.anything()),
                // Integers past 2^53 too: the schema (zod 4) takes safe integers only, so the mapping must drop them.
                maxConcurrentTasks: fc.oneof(
                  fc.integer({ min: -1, max: 4 }),
                  fc.constantFrom(1.5, Number.NaN, Number.POSITIVE_INFINITY, '2', null, 2 ** 53, 1e300),
                ),
              },
              { requiredKeys: [] },
            ),
            task: fc.record(
              {
                id: taskId,
                type: fc.oneof(fc.constantFrom('code', 'review'), fc.anything()),
                priority: fc.anything(),
                assignedAgent: agentId,
                metadata: fc.record({ requiredCapabilities: fc.anything() }, { requiredKeys: [] }),
              },
              { requiredKeys: ['id'] },
            ),
            result: fc.record({ agentId }, { requiredKeys: [] }),
            error: errorValue,
          },
          { requiredKeys: ['agentId', 'taskId', 'task', 'error'] },
        ),
      },
    )
    const counts = tally()
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom(...names), payload), { minLength: 5, maxLength: 30 }), (sends) => {
        const { eventBus } = createOrchestrator()
        const { events, errors } = collect(fromEventEmitter(eventBus, claudeFlowBusMapping()))
        for (const [name, p] of sends) eventBus.emit(name, p)
        counts.add(events, errors)
        return events.every((e) => swarmEventSchema.safeParse(e).success)
      }),
      {
        examples: [
          [
            [
              ['agent:spawned', { agentId: 'a1', profile: { type: 'coder', maxConcurrentTasks: 2 } }],
              ['task:created', { task: { id: 't1', type: 'code' } }],
              ['task:assigned', { taskId: 't1', agentId: 'a1' }],
              ['task:started', { taskId: 't1', agentId: 'a1' }],
              ['task:completed', { taskId: 't1' }],
              ['task:created', { task: { id: 't2' } }],
              ['task:assigned', { taskId: 't2', agentId: 'a1' }],
              ['task:failed', { taskId: 't2', error: 'no luck' }],
              ['task:created', { task: { id: 't3' } }],
              ['task:cancelled', { taskId: 't3' }],
              ['task:failed', { taskId: 42 }],
              ['agent:terminated', { agentId: 'a1' }],
            ],
          ],
        ],
      },
    )
    // About 830 events and 300 rejections in 100 runs; the example alone makes every type and a rejection.
    counts.expectReached([...lifecycleTypes, 'task:cancelled'])
  })
})

describe('TaskAttempts', () => {
  it('names the first attempt by the host id and later ones <id>#<n>, and resolves them back', () => {
    const attempts = new TaskAttempts()
    expect(attempts.current('t#2')).toBe('t#2')
    expect(attempts.next('t#2')).toBe('t#2#2')
    expect(attempts.resolve('t#2#2')).toEqual({ hostTaskId: 't#2', attempt: 2 })
    expect(attempts.resolve('t#2')).toEqual({ hostTaskId: 't#2', attempt: 1 })
    expect(attempts.isCurrent('t#2')).toBe(false)
    expect(attempts.isCurrent('t#2#2')).toBe(true)
  })
})
