import { from, lastValueFrom, type Observable, Subject, toArray } from 'rxjs'
import { describe, expect, it, vi } from 'vitest'
import { ConfigError, type SwarmError } from '../src/model/errors.js'
import type { HostAdapter } from '../src/model/host-adapter.js'
import type { Reassignment } from '../src/model/reassignment.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { PlacementContext } from '../src/model/strategy.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { Ingest } from '../src/monitor/ingest.js'

/** Five ticks of one agent's work. */
function fiveTicks(): SwarmEvent[] {
  const events: SwarmEvent[] = [{ type: 'agent:joined', ts: 0, agentId: 'a' }]
  for (let i = 0; i < 5; i++) {
    const ts = 1000 * i + 10
    events.push({ type: 'task:queued', ts, taskId: `t${i}` })
    events.push({ type: 'task:assigned', ts, taskId: `t${i}`, agentId: 'a' })
    events.push({ type: 'task:started', ts, taskId: `t${i}`, agentId: 'a' })
    events.push({ type: 'task:completed', ts: ts + 100, taskId: `t${i}`, agentId: 'a' })
  }
  return events
}

describe('session lifecycle under a subscriber that disposes', () => {
  it('disposing from a snapshots$ subscriber ends the session once: one final snapshot, then complete', async () => {
    const session = createSwarmMonitor({ idleTicks: false }).connect(from(fiveTicks()))
    const errors: SwarmError[] = []
    session.errors$.subscribe((e) => errors.push(e))
    const seen: SwarmSnapshot[] = []
    let completed = false
    session.snapshots$.subscribe({
      next: (s) => {
        seen.push(s)
        if (seen.length >= 3) session.dispose()
      },
      complete: () => {
        completed = true
      },
    })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(seen).toHaveLength(4)
    expect(completed).toBe(true)
    expect(errors).toEqual([])
  })

  it('does not apply the event whose tick a subscriber disposed the session in', () => {
    // It was applied after close(), to freed WASM memory; the throw went to an errors$ already complete.
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor({ idleTicks: false }).connect(events$, { start: 'immediate' })
    session.snapshots$.subscribe(() => session.dispose())
    const spy = vi.spyOn(Ingest.prototype, 'apply')
    try {
      events$.next({ type: 'agent:joined', ts: 0, agentId: 'a' })
      events$.next({ type: 'task:started', ts: 10, taskId: 't', agentId: 'a' })
      events$.next({ type: 'task:completed', ts: 1500, taskId: 't', agentId: 'a' })
      expect(spy.mock.calls.map(([event]) => event.type)).toEqual(['agent:joined', 'task:started'])
    } finally {
      spy.mockRestore()
    }
  })

  it('asks nothing more of the host once a reassignments$ subscriber disposed the session', async () => {
    const applied: string[] = []
    let disposed = false
    const adapter: HostAdapter = {
      name: 'host',
      events$: from<SwarmEvent[]>([
        { type: 'agent:joined', ts: 1000, agentId: 'a', capacity: 4 },
        ...[1, 2, 3, 4, 5].map((i): SwarmEvent => ({ type: 'task:queued', ts: 1000 + i, taskId: `t${i}` })),
        { type: 'task:queued', ts: 2100, taskId: 't6' },
      ]),
      apply: (r: Reassignment) => {
        applied.push(`${r.taskId}${disposed ? ' after dispose' : ''}`)
      },
      dispose: () => {
        disposed = true
      },
    }
    const session = createSwarmMonitor({ idleTicks: false }).attach(adapter)
    const emitted: string[] = []
    session.reassignments$.subscribe((r) => {
      emitted.push(r.taskId)
      session.dispose()
    })
    await new Promise((resolve) => setTimeout(resolve, 0))
    expect(emitted).toEqual(['t1'])
    expect(applied).toEqual([])
    expect(disposed).toBe(true)
  })
})

describe('plug-ins that break their contract', () => {
  it('reports a strategy that returns no array, or a null among its decisions, and applies the event that ticked', async () => {
    for (const place of [() => undefined, () => [null]]) {
      const session = createSwarmMonitor({ idleTicks: false, rebalance: false }).connect(
        from<SwarmEvent[]>([
          { type: 'agent:joined', ts: 1000, agentId: 'a' },
          { type: 'task:queued', ts: 1100, taskId: 't1' },
          { type: 'task:queued', ts: 2100, taskId: 't2' },
          { type: 'task:assigned', ts: 2200, taskId: 't2', agentId: 'a' },
          { type: 'task:started', ts: 2300, taskId: 't2', agentId: 'a' },
          { type: 'task:completed', ts: 2400, taskId: 't2', agentId: 'a' },
        ]),
      )
      session.setStrategy({ name: 'mine', place: place as never })
      const errors = lastValueFrom(session.errors$.pipe(toArray()))
      const last = await lastValueFrom(session.snapshots$)
      expect(last.swarm.eventsValid).toBe(6)
      expect(last.swarm.eventsInvalid).toBe(0)
      expect(last.swarm.tasksCompleted).toBe(1)
      expect((await errors).map((e) => e.code)).toEqual(['PLUGIN_FAILED'])
    }
  })

  it('reports an adapter whose lineOf throws and keeps ingesting', async () => {
    const adapter: HostAdapter = {
      name: 'mine',
      events$: from([
        { type: 'agent:joined', ts: 1000, agentId: 'a' },
        { type: 'task:queued', ts: 1100 },
        { type: 'task:queued', ts: 1200, taskId: 't1' },
      ]),
      lineOf: () => {
        throw new Error('lineOf bug')
      },
    }
    const session = createSwarmMonitor({ idleTicks: false }).attach(adapter)
    const errors = lastValueFrom(session.errors$.pipe(toArray()))
    const last = await lastValueFrom(session.snapshots$)
    expect(last.swarm.eventsValid).toBe(2)
    expect(last.swarm.eventsInvalid).toBe(1)
    expect((await errors).map((e) => e.code).sort()).toEqual(['EVENT_SCHEMA', 'PLUGIN_FAILED'])
  })
})

describe('arguments checked where the caller can catch them', () => {
  it('refuses a stream that is not an Observable at connect() and attach()', () => {
    const monitor = createSwarmMonitor({ idleTicks: false })
    expect(() => monitor.connect([] as never)).toThrow(ConfigError)
    expect(() => monitor.connect([] as never)).toThrow(/events\$: expected an Observable of events, got an array/)
    expect(() => monitor.attach({ name: 'x' } as never)).toThrow(/adapter\.events\$/)
    monitor.connect(new Subject()).dispose()
  })

  it('refuses kernels larger than the WASM arena, and timers Node would fire every millisecond', () => {
    expect(() => createSwarmMonitor({ capacity: 1_000_000, kindCapacity: 1024 })).toThrow(
      /capacity x kindCapacity is 1024000000 cells/,
    )
    expect(() => createSwarmMonitor({ tickMs: 2 ** 31 })).toThrow(/tickMs/)
    // Without idle ticks, tickMs is event time only: any length will do.
    expect(() => createSwarmMonitor({ tickMs: 2 ** 31, idleTicks: false })).not.toThrow()
    expect(() => createSwarmMonitor({ resources: { sampleEveryMs: 2 ** 31 } })).toThrow(/sampleEveryMs/)
  })
})

describe("a strategy's output", () => {
  /** A session ticking at 1000 with one agent 'a' (capability 'x') and one task per call to `queue`, on `strategy`. */
  function withStrategy(place: (ctx: PlacementContext) => unknown) {
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor({ idleTicks: false, rebalance: false }).connect(events$, { start: 'immediate' })
    session.setStrategy({ name: 'odd', place: place as (ctx: PlacementContext) => Reassignment[] })
    const errors: SwarmError[] = []
    session.errors$.subscribe((e) => errors.push(e))
    const placed: Reassignment[] = []
    session.reassignments$.subscribe((r) => placed.push(r))
    events$.next({ type: 'agent:joined', ts: 0, agentId: 'a', capabilities: ['x'] })
    events$.next({ type: 'task:queued', ts: 0, taskId: 't', requiredCapabilities: ['x'] })
    events$.next({ type: 'task:queued', ts: 0, taskId: 'needs-y', requiredCapabilities: ['y'] })
    events$.next({ type: 'task:queued', ts: 1000, taskId: 'at-the-tick' })
    return { session, errors, placed }
  }

  it('that throws when read is the strategy failing: the event that caused the tick is still applied', () => {
    // Its fields were read outside the strategy's guard: reported as "ingest failed" and the host's event lost.
    const { session, errors, placed } = withStrategy(() => [
      {
        get taskId(): string {
          throw new Error('revoked')
        },
      },
    ])
    expect(errors.map((e) => [e.code, e.source, e.message])).toEqual([
      ['PLUGIN_FAILED', 'strategy', 'strategy failed: revoked'],
    ])
    expect(placed).toEqual([])
    expect(session.snapshot().swarm).toMatchObject({ eventsValid: 4, eventsInvalid: 0, tasksQueued: 3 })
    session.dispose()
  })

  it('is checked: fields of the wrong type, unknown ids and an agent without the capabilities are reported and skipped', () => {
    const gain = { reason: 'place', expectedGainMs: 1 }
    const { session, errors, placed } = withStrategy(() => [
      { taskId: 't', toAgentId: 'a', reason: 'place', expectedGainMs: Number.NaN },
      { taskId: 't', toAgentId: 'a', reason: 42, expectedGainMs: 1 },
      { taskId: 'ghost', toAgentId: 'a', ...gain },
      { taskId: 't', toAgentId: 'nobody', ...gain },
      { taskId: 'needs-y', toAgentId: 'a', ...gain },
      { taskId: 't', toAgentId: 'a', ...gain },
    ])
    expect(errors.map((e) => e.message)).toEqual([
      "strategy returned a reassignment of 't' whose expectedGainMs is not a number among its reassignments",
      "strategy returned a reassignment of 't' whose reason is not a string among its reassignments",
      "strategy named task 'ghost', which is not waiting or running; skipped",
      "strategy named agent 'nobody', which never joined; skipped",
      "strategy put task 'needs-y' on 'a', which lacks its required capabilities; skipped",
    ])
    expect(placed.map((r) => `${r.taskId}->${r.toAgentId}`)).toEqual(['t->a'])
    session.dispose()
  })

  it('is not asked for once a snapshots$ subscriber disposed the session during the tick', () => {
    let calls = 0
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor({ idleTicks: false }).connect(events$, { start: 'immediate' })
    session.setStrategy({
      name: 'counting',
      place: () => {
        calls++
        return []
      },
    })
    session.snapshots$.subscribe(() => session.dispose())
    events$.next({ type: 'agent:joined', ts: 0, agentId: 'a' })
    events$.next({ type: 'task:queued', ts: 0, taskId: 't' })
    events$.next({ type: 'task:queued', ts: 1000, taskId: 'u' })
    expect(calls).toBe(0)
  })
})

describe('odd hosts', () => {
  it('reports a stream whose subscribe throws and ends the session (it threw into the host on a microtask)', async () => {
    const events$ = {
      subscribe() {
        throw new Error('not today')
      },
    } as unknown as Observable<unknown>
    const session = createSwarmMonitor({ idleTicks: false }).connect(events$)
    const errors = lastValueFrom(session.errors$.pipe(toArray()))
    const snapshots = await lastValueFrom(session.snapshots$.pipe(toArray()))
    expect(snapshots).toHaveLength(1)
    expect((await errors).map((e) => e.message)).toEqual([
      "the host's event stream failed: not today; the session ends with what it has",
    ])
  })

  it("counts and reports an adapter's errors$ item that is not an error, as the adapter's failure", () => {
    const errors$ = new Subject<unknown>()
    const session = createSwarmMonitor({ idleTicks: false }).attach(
      { name: 'sloppy', events$: new Subject(), errors$: errors$ as Observable<SwarmError> },
      { start: 'immediate' },
    )
    const seen: unknown[] = []
    session.errors$.subscribe((e) => seen.push(e))
    errors$.next(null)
    // An object that throws when read threw back into the adapter (and, from RxJS, out of the host's process).
    errors$.next({
      get code(): string {
        throw new Error('revoked')
      },
    })
    const message = (what: string) => `sloppy reported ${what} on errors$, not a readable { code, message }`
    expect(seen).toEqual([
      { code: 'PLUGIN_FAILED', message: message('null'), source: 'sloppy' },
      { code: 'PLUGIN_FAILED', message: message('object'), source: 'sloppy' },
    ])
    expect(session.snapshot().swarm.eventsInvalid).toBe(2)
    session.dispose()
  })
})
