import { from, lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { type ScriptedTask, scriptEvents, t0 } from './fixtures/events.js'

/** Feeds a constructed event log through a real monitor and collects every analysis output. */
async function run(events: SwarmEvent[], config: Parameters<typeof createSwarmMonitor>[0] = {}) {
  const session = createSwarmMonitor({ rebalance: false, ...config }).connect(from(events))
  const [snapshots, insights, alerts, actions, errors] = await Promise.all([
    lastValueFrom(session.snapshots$.pipe(toArray())),
    lastValueFrom(session.insights$.pipe(toArray())),
    lastValueFrom(session.alerts$.pipe(toArray())),
    lastValueFrom(session.actions$.pipe(toArray())),
    lastValueFrom(session.errors$.pipe(toArray())),
  ])
  return { snapshots, insights, alerts, actions, errors, final: snapshots.at(-1) as SwarmSnapshot }
}

/** `n` tasks on one agent, one after another from `from`, each `serviceMs` long; `fails` of them fail. */
function tasks(
  agentId: string,
  n: number,
  serviceMs: number,
  opts: { from?: number; fails?: number; kind?: string } = {},
) {
  const start = opts.from ?? t0 + 1000
  return Array.from(
    { length: n },
    (_, i): ScriptedTask => ({
      taskId: `${agentId}-t${i}`,
      agentId,
      kind: opts.kind ?? 'work',
      queuedAt: start + i * (serviceMs + 10),
      startedAt: start + i * (serviceMs + 10),
      serviceMs,
      fails: i < (opts.fails ?? 0),
    }),
  )
}

const bottlenecksOf = (s: SwarmSnapshot) => s.bottlenecks.map((b) => `${b.kind}:${b.agentId ?? ''}`)
const insightsOf = (s: SwarmSnapshot) => s.insights.map((i) => `${i.kind}:${i.agentId ?? ''}`)

describe('analysis on event logs through the monitor', () => {
  it('slow-agent: an agent at 2.5x the fleet p50 for its kind, and not when it keeps pace', async () => {
    const slow = scriptEvents(
      ['a1', 'a2', 'a3'],
      [...tasks('a1', 8, 2500), ...tasks('a2', 20, 1000), ...tasks('a3', 20, 1000)],
    )
    const r = await run(slow)
    expect(r.errors).toEqual([])
    expect(bottlenecksOf(r.final)).toEqual(['slow-agent:a1'])
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'investigate', agentId: 'a1' }))
    const even = scriptEvents(
      ['a1', 'a2', 'a3'],
      [...tasks('a1', 20, 1100), ...tasks('a2', 20, 1000), ...tasks('a3', 20, 1000)],
    )
    expect(bottlenecksOf((await run(even)).final)).toEqual([])
  })

  it('failing-agent: 4 of 12 failed; not at 2 of 12', async () => {
    const failing = await run(
      scriptEvents(['a1', 'a2'], [...tasks('a1', 12, 500, { fails: 4 }), ...tasks('a2', 12, 500)]),
    )
    expect(bottlenecksOf(failing.final)).toEqual(['failing-agent:a1'])
    expect(failing.final.bottlenecks[0]).toMatchObject({ value: 8 / 12, threshold: 0.8, severity: 'warning' })
    const fine = await run(scriptEvents(['a1', 'a2'], [...tasks('a1', 12, 500, { fails: 2 }), ...tasks('a2', 12, 500)]))
    expect(bottlenecksOf(fine.final)).toEqual([])
  })

  it('error-spike: 6 failures within the hour raise it (emitted once on insights$); 5 do not', async () => {
    const spread = (fails: number) => [
      ...tasks('a1', 20, 500, { fails: Math.ceil(fails / 2) }),
      ...tasks('a2', 20, 500, { fails: Math.floor(fails / 2) }),
    ]
    const six = await run(scriptEvents(['a1', 'a2'], spread(6)))
    expect(insightsOf(six.final)).toContain('error-spike:')
    expect(six.insights.filter((i) => i.kind === 'error-spike')).toHaveLength(1)
    expect(six.final.insights.find((i) => i.kind === 'error-spike')?.recommendation).toBe(
      'investigate a1 (3 of 6 failures), a2 (3 of 6 failures)',
    )
    const five = await run(scriptEvents(['a1', 'a2'], spread(5)))
    expect(insightsOf(five.final)).not.toContain('error-spike:')
  })

  it('imbalance: queued work piled on one agent is moved by the recommendation and a rebalance action', async () => {
    const events: SwarmEvent[] = [
      { type: 'agent:joined', ts: t0, agentId: 'a1', capacity: 2 },
      { type: 'agent:joined', ts: t0, agentId: 'a2', capacity: 2 },
    ]
    for (let i = 0; i < 8; i++) {
      events.push({ type: 'task:queued', ts: t0 + 100 + i, taskId: `t${i}`, kind: 'work' })
      events.push({ type: 'task:assigned', ts: t0 + 100 + i, taskId: `t${i}`, agentId: 'a1' })
      if (i < 2) events.push({ type: 'task:started', ts: t0 + 200, taskId: `t${i}`, agentId: 'a1' })
    }
    const r = await run(events)
    const imbalance = r.final.insights.find((i) => i.kind === 'imbalance')
    expect(imbalance?.recommendation).toBe('move 4 queued tasks from a1 (load 4) to a2 (load 0)')
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'rebalance' }))
    // The same work spread evenly: no imbalance.
    const even: SwarmEvent[] = events.map((e) =>
      e.type === 'task:assigned' && Number(e.taskId.slice(1)) % 2 === 1 ? { ...e, agentId: 'a2' } : e,
    )
    const started: SwarmEvent[] = even.filter((e) => e.type !== 'task:started')
    started.push(
      { type: 'task:started', ts: t0 + 200, taskId: 't0', agentId: 'a1' },
      { type: 'task:started', ts: t0 + 200, taskId: 't1', agentId: 'a2' },
    )
    expect(insightsOf((await run(started)).final)).not.toContain('imbalance:')
  })

  it('alerts: fires after forMs of event time and resolves when the condition stops, on alerts$', async () => {
    const events: SwarmEvent[] = [{ type: 'agent:joined', ts: t0, agentId: 'a1', capacity: 8 }]
    for (let i = 0; i < 5; i++) {
      events.push({ type: 'task:queued', ts: t0 + 1000, taskId: `t${i}` })
      events.push({ type: 'task:assigned', ts: t0 + 1000, taskId: `t${i}`, agentId: 'a1' })
      events.push({ type: 'task:started', ts: t0 + 1000, taskId: `t${i}`, agentId: 'a1' })
    }
    for (let i = 0; i < 5; i++) events.push({ type: 'task:completed', ts: t0 + 10_500, taskId: `t${i}`, agentId: 'a1' })
    // The monitor ticks on event time as events arrive: a heartbeat every second gives a snapshot every second.
    for (let s = 1; s <= 16; s++) events.push({ type: 'queue:depth', ts: t0 + s * 1000 + 1, depth: 0 })
    events.sort((a, b) => a.ts - b.ts)
    const rule = {
      id: 'busy',
      metric: 'swarm.tasksInFlight',
      op: '>' as const,
      threshold: 3,
      forMs: 3000,
      severity: 'critical' as const,
    }
    const r = await run(events, { analysis: { alerts: [rule] } })
    expect(r.alerts.map((a) => a.state)).toEqual(['firing', 'resolved'])
    const [firing, resolved] = r.alerts
    expect(firing).toMatchObject({ ruleId: 'busy', value: 5, threshold: 3, severity: 'critical' })
    // In flight from t0+1000: the tick at t0+2000 first sees it; forMs later the alert fires.
    expect([firing.since - t0, firing.at - t0]).toEqual([2000, 5000])
    expect(resolved).toMatchObject({ value: 0, since: t0 + 11_000, at: t0 + 11_000 })
    expect(r.final.alerts).toEqual([])
    // Held for less than forMs: never fires.
    const short = await run(events, { analysis: { alerts: [{ ...rule, forMs: 20_000 }] } })
    expect(short.alerts).toEqual([])
  })

  it('no finding about an agent that has left', async () => {
    const events = scriptEvents(['a1', 'a2'], [...tasks('a1', 12, 500, { fails: 6 }), ...tasks('a2', 12, 500)])
    events.push({ type: 'agent:left', ts: t0 + 20_000, agentId: 'a1' })
    const r = await run(events)
    expect(r.final.agents.find((a) => a.agentId === 'a1')?.state).toBe('left')
    expect(
      JSON.stringify([r.final.bottlenecks, r.final.insights.filter((i) => i.kind !== 'error-spike')]),
    ).not.toContain('a1')
  })
})

describe('the other findings on event logs through the monitor', () => {
  const joined = (agentId: string, capabilities?: string[]): SwarmEvent => ({
    type: 'agent:joined',
    ts: t0,
    agentId,
    capacity: 4,
    ...(capabilities ? { capabilities } : {}),
  })

  it('cpu, memory and resource-pressure from host:resources; none on a quiet host', async () => {
    const hot = await run([
      joined('a1'),
      { type: 'host:resources', ts: t0 + 1000, cpu: 0.95, memoryUsedBytes: 95, memoryTotalBytes: 100 },
    ])
    expect(bottlenecksOf(hot.final)).toEqual(['cpu:', 'memory:'])
    expect(insightsOf(hot.final)).toEqual(['resource-pressure:'])
    const quiet = await run([
      joined('a1'),
      { type: 'host:resources', ts: t0 + 1000, cpu: 0.5, memoryUsedBytes: 50, memoryTotalBytes: 100 },
    ])
    expect([...bottlenecksOf(quiet.final), ...insightsOf(quiet.final)]).toEqual([])
  })

  it('queue-backlog above 1000 queued tasks, and no-capable-agent for a capability nobody has', async () => {
    const queue = (n: number, capability?: string): SwarmEvent[] =>
      Array.from({ length: n }, (_, i) => ({
        type: 'task:queued',
        ts: t0 + 1000,
        taskId: `q${i}`,
        ...(capability ? { requiredCapabilities: [capability] } : {}),
      }))
    const backlog = await run([joined('a1', ['python']), ...queue(1001, 'gpu')])
    expect(bottlenecksOf(backlog.final)).toEqual(['queue-backlog:'])
    expect(insightsOf(backlog.final)).toContain('no-capable-agent:')
    const fits = await run([joined('a1', ['python']), ...queue(1000, 'python')])
    expect(bottlenecksOf(fits.final)).toEqual([])
    expect(insightsOf(fits.final)).not.toContain('no-capable-agent:')
  })

  it('message-latency when message p95 is above 1 s', async () => {
    const messages = (delayMs: number): SwarmEvent[] =>
      Array.from({ length: 20 }, (_, i): SwarmEvent[] => [
        { type: 'message:sent', ts: t0 + 1000 + i * 100, messageId: `m${i}`, from: 'a1', to: 'a2' },
        { type: 'message:received', ts: t0 + 1000 + i * 100 + delayMs, messageId: `m${i}`, from: 'a1', to: 'a2' },
      ])
        .flat()
        .sort((a, b) => a.ts - b.ts)
    const slow = await run([joined('a1'), joined('a2'), ...messages(1500)])
    expect(bottlenecksOf(slow.final)).toEqual(['message-latency:'])
    const fast = await run([joined('a1'), joined('a2'), ...messages(300)])
    expect(bottlenecksOf(fast.final)).toEqual([])
  })

  it('specialisation: an agent 2.5x faster at a kind; none when the fleet is even', async () => {
    const fast = await run(
      scriptEvents(['a1', 'a2', 'a3'], [...tasks('a1', 10, 400), ...tasks('a2', 10, 1000), ...tasks('a3', 10, 1000)]),
    )
    expect(insightsOf(fast.final)).toContain('specialisation:a1')
    const even = await run(
      scriptEvents(['a1', 'a2', 'a3'], [...tasks('a1', 10, 900), ...tasks('a2', 10, 1000), ...tasks('a3', 10, 1000)]),
    )
    expect(insightsOf(even.final)).not.toContain('specialisation:a1')
  })

  it('throughput-degradation when completions slow down while work waits', async () => {
    const log = (slowEveryMs: number) => {
      const fastPhase = tasks('a1', 480, 990) // one per second for 8 min
      const slowPhase = tasks('a1', 24, slowEveryMs - 10, { from: t0 + 1000 + 480 * 1000 }).map((t) => ({
        ...t,
        taskId: `${t.taskId}-slow`,
      }))
      const events = scriptEvents(['a1'], [...fastPhase, ...slowPhase])
      // Work that waits the whole time.
      events.splice(1, 0, { type: 'task:queued', ts: t0 + 1, taskId: 'waiting' })
      return events
    }
    const degraded = await run(log(5000))
    expect(insightsOf(degraded.final)).toContain('throughput-degradation:')
    const steady = await run(log(1000))
    expect(insightsOf(steady.final)).not.toContain('throughput-degradation:')
  })

  it('queue-growth when tasks arrive faster than they start; none for a steady queue', async () => {
    const arrivals = (perSecond: number): SwarmEvent[] =>
      Array.from({ length: 60 * perSecond }, (_, i) => ({
        type: 'task:queued',
        ts: t0 + 1000 + Math.floor((i * 1000) / perSecond),
        taskId: `q${i}`,
      }))
    const growing = await run([joined('a1'), ...arrivals(2)])
    expect(insightsOf(growing.final)).toContain('queue-growth:')
    const steady = await run([
      joined('a1'),
      ...Array.from({ length: 20 }, (_, i): SwarmEvent => ({ type: 'task:queued', ts: t0 + 100 + i, taskId: `q${i}` })),
      ...Array.from(
        { length: 60 },
        (_, s): SwarmEvent => ({ type: 'queue:depth', ts: t0 + 1000 + s * 1000, depth: 20 }),
      ),
    ])
    expect(insightsOf(steady.final)).not.toContain('queue-growth:')
  })
})
