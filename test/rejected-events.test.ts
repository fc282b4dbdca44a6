// "An event that fails its schema or contradicts the state is not applied": the monitor must behave as if it had
// never been sent. Random streams over a few agents and tasks, bad events included (unknown or departed agents,
// outcomes from the wrong agent, tasks that ended, agents that join twice, events out of order), are replayed
// twice: as generated, and with the events the first run rejected taken out. Every snapshot of the two runs must
// match but for the count of invalid events. A rejected event that moved event time on (a tick, the window, the
// release of a departed agent's slot) would make them differ.
import fc from 'fast-check'
import { from, lastValueFrom, Subject, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { createSwarmMonitor } from '../src/index.js'
import type { SwarmError } from '../src/model/errors.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'

const agentIds = ['a', 'b', 'c']
const taskIds = ['t0', 't1', 't2', 't3', 't4']
const t0 = 1_700_000_000_000

const stepArb = fc.record({
  // Whole ticks and sub-windows go by, so a rejected event late in time would cross tick and window boundaries.
  advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 900 }), fc.integer({ min: 2000, max: 25_000 })),
  // Now and then an event stamped well before the latest (beyond the tolerance): rejected as out of order.
  backMs: fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.integer({ min: 6000, max: 9000 })),
  type: fc.constantFrom(
    'agent:joined',
    'agent:left',
    'task:queued',
    'task:assigned',
    'task:started',
    'task:started',
    'task:completed',
    'task:completed',
    'task:failed',
    'task:cancelled',
    'consensus:round',
  ),
  agentId: fc.constantFrom(...agentIds, 'ghost'),
  taskId: fc.constantFrom(...taskIds),
  durationMs: fc.integer({ min: 1, max: 3000 }),
})

function eventsOf(steps: Array<typeof stepArb extends fc.Arbitrary<infer T> ? T : never>): SwarmEvent[] {
  let latest = t0
  return steps.map((step) => {
    latest += step.advanceMs
    const ts = latest - step.backMs
    const { type, agentId, taskId } = step
    if (type === 'agent:joined') return { type, ts, agentId, capacity: 2 }
    if (type === 'agent:left') return { type, ts, agentId }
    if (type === 'task:queued') return { type, ts, taskId }
    if (type === 'task:cancelled') return { type, ts, taskId }
    if (type === 'consensus:round')
      return { type, ts, roundId: `r${ts}`, durationMs: step.durationMs, participants: 3, agreed: true }
    return { type, ts, taskId, agentId } as SwarmEvent
  })
}

async function run(
  events: SwarmEvent[],
  config: { capacity?: number } = {},
): Promise<{ snapshots: SwarmSnapshot[]; errors: SwarmError[] }> {
  const session = createSwarmMonitor({
    tickMs: 1000,
    windowMs: 12_000,
    windowSlots: 3,
    idleTicks: false,
    ...config,
  }).connect(from(events))
  const errors: SwarmError[] = []
  session.errors$.subscribe((error) => errors.push(error))
  return { snapshots: await lastValueFrom(session.snapshots$.pipe(toArray())), errors }
}

/** The run, and the events it reported (every rejection names its event). */
async function replay(events: SwarmEvent[]): Promise<{ snapshots: SwarmSnapshot[]; rejected: Set<unknown> }> {
  const { snapshots, errors } = await run(events, { capacity: 3 })
  return { snapshots, rejected: new Set(errors.map((error) => error.event).filter((event) => event !== undefined)) }
}

/** A snapshot as a comparable value, without what a rejected event may change: the count of invalid events. */
function comparable(snapshot: SwarmSnapshot): unknown {
  return { ...snapshot, swarm: { ...snapshot.swarm, eventsInvalid: 0 } }
}

describe('rejected events', () => {
  // The state an event is checked against is the state it would be applied to: moving event time on to it
  // releases the slots of agents that left more than a window ago, before the event applies.
  const left = (extra: SwarmEvent[]): SwarmEvent[] => [
    { type: 'agent:joined', ts: t0, agentId: 'a' },
    { type: 'task:started', ts: t0, taskId: 't1', agentId: 'a' },
    { type: 'agent:left', ts: t0 + 1000, agentId: 'a' },
    ...extra,
  ]

  it("rejects a late outcome from an agent whose window has expired at the outcome's own time", async () => {
    const { snapshots, errors } = await run(
      left([{ type: 'task:completed', ts: t0 + 1000 + 12_000, taskId: 't1', agentId: 'a' }]),
    )
    expect(errors.map((e) => e.code)).toEqual(['EVENT_UNKNOWN_AGENT'])
    expect(snapshots.at(-1)?.swarm).toMatchObject({ tasksCompleted: 0, eventsValid: 3, eventsInvalid: 1 })
  })

  it("finds a slot for a new agent in the slot released at the join's own time", async () => {
    const { snapshots, errors } = await run(left([{ type: 'agent:joined', ts: t0 + 1000 + 12_000, agentId: 'b' }]), {
      capacity: 1,
    })
    expect(errors).toEqual([])
    expect(snapshots.at(-1)?.agents.map((a) => a.agentId)).toEqual(['b'])
  })

  it('leave no trace: every snapshot is as if they had never been sent (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 80 }), async (steps) => {
        const events = eventsOf(steps)
        const all = await replay(events)
        const kept = events.filter((event) => !all.rejected.has(event))
        const clean = await replay(kept)
        expect(clean.rejected.size).toBe(0)
        expect(all.snapshots.map(comparable)).toEqual(clean.snapshots.map(comparable))
        const last = all.snapshots.at(-1)?.swarm
        if (last) {
          expect(last.eventsValid).toBe(kept.length)
          expect(last.eventsInvalid).toBe(events.length - kept.length)
        }
      }),
      { numRuns: 150 },
    )
  })
})

describe('an event and the tick it causes', () => {
  // A placement the host has not answered is the monitor's proposal and holds no task: an outcome is checked
  // against the agent the host put the task on, so whatever the tick the event causes places or takes back cannot
  // change the verdict. (It did: an unanswered placement counted as the holder until it lapsed.)
  it.each([
    [
      'from the agent the host gave it to, before the placement lapses',
      [
        { type: 'agent:joined', ts: t0, agentId: 'a' },
        { type: 'agent:joined', ts: t0, agentId: 'b' },
        { type: 'task:queued', ts: t0 + 10, taskId: 't' },
        { type: 'queue:depth', ts: t0 + 1200, depth: 0 },
        { type: 'task:completed', ts: t0 + 1400, taskId: 't', agentId: 'b', durationMs: 300 },
      ],
      ['t->a@1000'],
    ],
    [
      'from the agent that held it last, after it left and the task was placed again',
      [
        { type: 'agent:joined', ts: t0, agentId: 'a' },
        { type: 'agent:joined', ts: t0, agentId: 'b' },
        { type: 'task:started', ts: t0 + 10, taskId: 't', agentId: 'a' },
        { type: 'agent:left', ts: t0 + 500, agentId: 'a' },
        { type: 'queue:depth', ts: t0 + 1000, depth: 0 },
        { type: 'task:completed', ts: t0 + 1100, taskId: 't', agentId: 'a' },
      ],
      ['t->b@1000'],
    ],
    [
      'from the agent it was placed on, after the agent that held it last left',
      [
        { type: 'agent:joined', ts: t0, agentId: 'x' },
        { type: 'agent:joined', ts: t0, agentId: 'a' },
        { type: 'task:assigned', ts: t0 + 1, taskId: 't', agentId: 'x' },
        { type: 'agent:left', ts: t0 + 100, agentId: 'x' },
        { type: 'queue:depth', ts: t0 + 600, depth: 1 },
        { type: 'task:completed', ts: t0 + 700, taskId: 't', agentId: 'a', durationMs: 50 },
      ],
      ['t->a@500'],
    ],
    [
      'from another agent at the tick at which the placement lapses',
      [
        { type: 'task:queued', ts: t0 + 1, taskId: 't' },
        { type: 'agent:joined', ts: t0 + 2, agentId: 'a' },
        { type: 'agent:joined', ts: t0 + 500, agentId: 'd', capacity: 2 },
        { type: 'task:completed', ts: t0 + 1000, taskId: 't', agentId: 'd', durationMs: 1 },
      ],
      ['t->a@500', 't->d@1000'],
    ],
  ] as Array<[string, SwarmEvent[], string[]]>)(
    'accepts an outcome for a task placed and not answered, %s',
    async (_, events, placements) => {
      const session = createSwarmMonitor({
        tickMs: 500,
        placementTimeoutMs: 500,
        rebalance: false,
        idleTicks: false,
      }).connect(from(events))
      const errors: SwarmError[] = []
      session.errors$.subscribe((e) => errors.push(e))
      const placed: string[] = []
      session.reassignments$.subscribe((r) => placed.push(`${r.taskId}->${r.toAgentId}@${r.at - t0}`))
      const last = (await lastValueFrom(session.snapshots$.pipe(toArray()))).at(-1)
      expect(errors).toEqual([])
      expect(placed).toEqual(placements)
      expect(last?.swarm).toMatchObject({
        tasksCompleted: 1,
        tasksQueued: 0,
        eventsValid: events.length,
        eventsInvalid: 0,
      })
    },
  )

  it("applies the host's synchronous answers to that tick after the event", () => {
    // b reports t failed at 1000 ms; the tick that event causes places t on a, and the host at once reports a
    // failing it too. The host sent b's report first, so it is the one applied; a's is a duplicate.
    const events$ = new Subject<unknown>()
    const session = createSwarmMonitor({ tickMs: 1000, idleTicks: false }).attach(
      {
        name: 'answers-at-once',
        events$,
        apply: (r) => events$.next({ type: 'task:failed', ts: r.at, taskId: r.taskId, agentId: r.toAgentId }),
      },
      { start: 'immediate' },
    )
    const errors: SwarmError[] = []
    session.errors$.subscribe((e) => errors.push(e))
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'a', capacity: 2 })
    events$.next({ type: 'agent:joined', ts: t0, agentId: 'b' })
    events$.next({ type: 'task:started', ts: t0, taskId: 'busy', agentId: 'b' })
    events$.next({ type: 'task:queued', ts: t0 + 10, taskId: 't' })
    events$.next({ type: 'task:failed', ts: t0 + 1000, taskId: 't', agentId: 'b' })
    expect(errors.map((e) => [e.code, e.message])).toEqual([['EVENT_DUPLICATE', "task 't' already failed"]])
    const snapshot = session.snapshot()
    expect(snapshot.swarm).toMatchObject({ tasksFailed: 1, eventsValid: 5, eventsInvalid: 1 })
    expect(snapshot.agents.map((a) => [a.agentId, a.tasksFailed])).toEqual([
      ['a', 0],
      ['b', 1],
    ])
    session.dispose()
  })
})
