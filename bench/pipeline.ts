/**
 * `npm run bench -- pipeline [--json] [--tasks N] [--soak [N]]`: the monitor end to end. Prebuilt task events
 * (queued, assigned, started, completed) over 1000 agents flow from an Observable through validation, ingest, the
 * WASM kernels, event-time ticks (snapshot, analysis, rebalancer; the host assigns every task itself, so the
 * strategy has nothing to place) to the final snapshot. The peer is prom-client, the usual way a Node service
 * measures latency, fed the same completions as a Summary and a Histogram with an agent label; ours and each peer
 * are the best of three after a warm-up. Then the time of one tick with 10,000 agents; two rows place waiting
 * tasks, and in the second the placed tasks wait a round at their agents, so the rebalancer has work to weigh. `--soak` runs only a long run of a busy 10,000-agent fleet instead (see `soak`).
 */
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Histogram, Registry, Summary } from 'prom-client'
import { from, lastValueFrom, Subject } from 'rxjs'
import type { AgentSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import type { SwarmMonitorConfigInput } from '../src/monitor/config.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { EventHeap } from '../src/sim/event-heap.js'
import { mulberry32 as rng } from '../src/sim/mulberry32.js'
import type { Benchmark } from './index.js'
import { machine, table, versions } from './report.js'

const t0 = 1_700_000_000_000

/**
 * Agents join, then `tasks` tasks arrive `gapMs` apart in event time, each served by one agent in 1..1000 ms. The
 * gap sets how many events fall in one tick: 0.5 ms (2,000 tasks/s, 8,000 events per tick) is a busy swarm;
 * 0.004 ms (1,000,000 events per second of event time) is the rate the goal names.
 */
function buildEvents(agents: number, tasks: number, seed: number, gapMs: number): SwarmEvent[] {
  const random = rng(seed)
  const events: SwarmEvent[] = []
  for (let a = 0; a < agents; a++) events.push({ type: 'agent:joined', ts: t0, agentId: `agent-${a}`, capacity: 4 })
  // Completions waiting for their time, ordered by (ts, order of creation): the order a sorted list with stable
  // insertion gives, without its quadratic cost (minutes at the goal's density).
  const ends = new EventHeap<SwarmEvent>()
  const kinds = ['plan', 'code', 'test', 'review']
  for (let i = 0; i < tasks; i++) {
    const ts = t0 + i * gapMs
    const agentId = `agent-${i % agents}`
    const taskId = `task-${i}`
    while (ends.peekTime() <= ts) events.push(ends.pop() as SwarmEvent)
    events.push({ type: 'task:queued', ts, taskId, kind: kinds[i & 3] })
    events.push({ type: 'task:assigned', ts, taskId, agentId })
    events.push({ type: 'task:started', ts, taskId, agentId })
    const serviceMs = 1 + Math.floor(random() * 999)
    ends.push(ts + serviceMs, { type: 'task:completed', ts: ts + serviceMs, taskId, agentId })
  }
  while (ends.size > 0) events.push(ends.pop() as SwarmEvent)
  return events
}

async function monitorRun(events: SwarmEvent[]): Promise<{ ms: number; ticks: number; completed: number }> {
  const session = createSwarmMonitor({ capacity: 1024 }).connect(from(events))
  let ticks = 0
  session.snapshots$.subscribe(() => ticks++)
  const t = performance.now()
  const last = await lastValueFrom(session.snapshots$)
  return { ms: performance.now() - t, ticks, completed: last.swarm.tasksCompleted }
}

function promClientRun(events: SwarmEvent[], kind: 'summary' | 'histogram'): number {
  const registry = new Registry()
  const metric =
    kind === 'summary'
      ? new Summary({ name: 'service_seconds', help: 'h', labelNames: ['agent'], registers: [registry] })
      : new Histogram({ name: 'service_seconds', help: 'h', labelNames: ['agent'], registers: [registry] })
  const started = new Map<string, number>()
  const t = performance.now()
  for (const e of events) {
    if (e.type === 'task:started') started.set(e.taskId, e.ts)
    else if (e.type === 'task:completed') {
      const s = started.get(e.taskId)!
      started.delete(e.taskId)
      metric.observe({ agent: e.agentId }, (e.ts - s) / 1000)
    }
  }
  return performance.now() - t
}

/**
 * A fleet of `agents` agents on a monitor ticking once a second of event time: before each of `ticks` ticks, `share`
 * of them complete a task, and `waiting` new tasks are queued for the strategy to place at the tick (the host
 * takes each placement: the task is assigned, runs and completes in the next round; with `queueARound`, it is
 * assigned in the next round and waits at its agent through a tick before it runs, so the rebalancer has
 * confirmed queued work to weigh at every tick). `each` gets the tick's index and the time of the event that
 * crossed the boundary. Returns the session, still open, for the caller to read and dispose.
 */
function runFleet(
  agents: number,
  share: number,
  ticks: number,
  each: (i: number, ms: number) => void,
  config: SwarmMonitorConfigInput = {},
  waiting = 0,
  queueARound = false,
) {
  const events$ = new Subject<SwarmEvent>()
  const session = createSwarmMonitor({ capacity: agents, tickMs: 1000, ...config }).connect(events$, {
    start: 'immediate',
  })
  const placed: Array<{ taskId: string; agentId: string }> = []
  const queued: Array<{ taskId: string; agentId: string }> = []
  session.reassignments$.subscribe((r) => placed.push({ taskId: r.taskId, agentId: r.toAgentId }))
  let ts = t0
  for (let a = 0; a < agents; a++) events$.next({ type: 'agent:joined', ts, agentId: `agent-${a}`, capacity: 2 })
  let task = 0
  // Every agent draws its service times from the same distribution. (A service time derived from the task's number
  // gave each agent one constant time at a 100% share, and a third of the fleet a specialisation insight per tick.)
  const random = rng(7)
  const feed = (perAgent: number, share = 1, offset = 0) => {
    const step = Math.max(1, Math.round(1 / share))
    for (let r = 0; r < perAgent; r++) {
      for (let a = offset % step; a < agents; a += step) {
        const taskId = `t${task++}`
        const agentId = `agent-${a}`
        events$.next({ type: 'task:started', ts, taskId, agentId })
        events$.next({ type: 'task:completed', ts: ts + 1 + Math.floor(random() * 500), taskId, agentId })
      }
    }
  }
  feed(3)
  for (let i = 0; i < ticks; i++) {
    // New samples for `share` of the agents since the last tick (started at it, done within half a second), then
    // time the event that crosses the next boundary: one tick a round.
    feed(1, share, i)
    // The host takes last tick's placements (they run and complete this round, or a round later), and new tasks
    // wait for this tick.
    for (const { taskId, agentId } of queued.splice(0)) {
      events$.next({ type: 'task:started', ts, taskId, agentId })
      events$.next({ type: 'task:completed', ts: ts + 1 + Math.floor(random() * 500), taskId, agentId })
    }
    for (const { taskId, agentId } of placed.splice(0)) {
      events$.next({ type: 'task:assigned', ts, taskId, agentId })
      if (queueARound) {
        queued.push({ taskId, agentId })
        continue
      }
      events$.next({ type: 'task:started', ts, taskId, agentId })
      events$.next({ type: 'task:completed', ts: ts + 1 + Math.floor(random() * 500), taskId, agentId })
    }
    for (let w = 0; w < waiting; w++) events$.next({ type: 'task:queued', ts, taskId: `w${task++}` })
    ts = Math.ceil((ts + 1000) / 1000) * 1000
    const t = performance.now()
    events$.next({ type: 'queue:depth', ts, depth: 0 })
    each(i, performance.now() - t)
  }
  return session
}

function stats(times: number[]): { medianMs: number; meanMs: number; minMs: number } {
  const meanMs = times.reduce((sum, t) => sum + t, 0) / times.length
  const sorted = [...times].sort((a, b) => a - b)
  return { medianMs: sorted[sorted.length >> 1], meanMs, minMs: sorted[0] }
}

/** Untimed ticks before the tick rows time any (the default window is 60 s of one-second ticks), and timed ones. */
const tickWarmUp = 70
const tickTimed = 30

/**
 * One tick with `agents` agents, of which `share` completed a task since the last tick (the rest keep their cached
 * figures until the window rotates): the median, mean and fastest of 30 ticks, in ms, once the rolling window has
 * filled (70 ticks of one second: the default window is 60 s). Earlier ticks are not what a monitor lives in: while
 * the window fills, nothing expires and the history is short. The 30 ticks include three where the sub-windows
 * rotate; the mean carries those and the garbage collection of the retained snapshots.
 */
function tickMs(
  agents: number,
  share: number,
  waiting = 0,
  queueARound = false,
): { medianMs: number; meanMs: number; minMs: number } {
  const times: number[] = []
  runFleet(
    agents,
    share,
    tickWarmUp + tickTimed,
    (i, ms) => {
      if (i >= tickWarmUp) times.push(ms)
    },
    {},
    waiting,
    queueARound,
  ).dispose()
  return stats(times)
}

/**
 * `--soak [N] [--history-agent-entries E]`: N ticks (default 700, past the 600-snapshot history) of 10,000 agents
 * that all have new samples every tick, then the heap after a full collection and what the history holds. With the
 * history's entry budget lifted (E = 1e9) this runs out of Node's heap, as every monitor did before the budget.
 */
function soak(ticks: number, historyAgentEntries?: number) {
  v8.setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const times: number[] = []
  const config = historyAgentEntries === undefined ? {} : { historyAgentEntries }
  const session = runFleet(10_000, 1, ticks, (_, ms) => times.push(ms), config)
  gc()
  const heapUsedMB = process.memoryUsage().heapUsed / 2 ** 20
  const history = session.history()
  session.dispose()
  return {
    agents: 10_000,
    ticks,
    historyAgentEntries: historyAgentEntries ?? 'default',
    heapUsedMB,
    historySnapshots: history.length,
    historyWithAgents: history.filter((s) => !s.agentsOmitted).length,
    ...stats(times.slice(10)),
  }
}

/**
 * The floor under a tick where every agent has new samples: building `agents` entries of the snapshot's shape
 * (an AgentSnapshot with its nested objects, one task kind, the default 15 buckets) and nothing else, with the
 * last 50 kept as the history keeps them at 10,000 agents (`historyAgentEntries` 500,000). The same ticks as
 * `tickMs` (30 timed after 70, so the 50 are kept from tick 50 on). No percentile, scoring or analysis: what a
 * snapshot of plain objects costs at the least.
 */
function allocationFloorMs(agents: number): { medianMs: number; meanMs: number; minMs: number } {
  const kept: AgentSnapshot[][] = []
  const boundsMs = [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20480, 40960, 81920]
  const ids = Array.from({ length: agents }, (_, a) => `agent-${a}`)
  const times: number[] = []
  for (let tick = 0; tick < tickWarmUp + tickTimed; tick++) {
    const t = performance.now()
    const entries: AgentSnapshot[] = new Array(agents)
    for (let a = 0; a < agents; a++) {
      const counts: number[] = []
      for (let b = 0; b <= boundsMs.length; b++) counts.push(tick + b)
      const v = tick + a
      entries[a] = {
        agentId: ids[a],
        slot: a,
        state: 'busy',
        role: null,
        capabilities: [],
        capacity: 2,
        inFlight: 1,
        queued: 0,
        load: 0.5,
        tasksCompleted: v,
        tasksFailed: 0,
        successRate: 1,
        serviceMs: { p50: v, p90: v, p95: v, p99: v, mean: v },
        throughputPerMin: v,
        recoveryMs: null,
        efficiency: 0.5,
        efficiencyParts: { speed: v, consistency: 1, success: 1 },
        byKind: { '(none)': { completed: v, failed: 0, meanServiceMs: v, estimateRatio: null, estimated: 0 } },
        serviceHistogram: { boundsMs, counts, count: v, sumMs: v },
        joinedAt: t0,
        lastEventAt: t0 + v,
      }
    }
    kept.push(entries)
    if (kept.length > 50) kept.shift()
    if (tick >= tickWarmUp) times.push(performance.now() - t)
  }
  return stats(times)
}

export const pipeline: Benchmark = {
  name: 'pipeline',
  summary: 'events/s end to end (1000 agents) vs prom-client, and the tick time with 10,000 agents',
  async run({ json, args }) {
    const tasksArg = args.indexOf('--tasks')
    const tasks = tasksArg >= 0 ? Number(args[tasksArg + 1]) : 400_000
    const soakArg = args.indexOf('--soak')
    if (soakArg >= 0) {
      const n = Number(args[soakArg + 1])
      const entriesArg = args.indexOf('--history-agent-entries')
      const entries = entriesArg >= 0 ? Number(args[entriesArg + 1]) : undefined
      if (entries !== undefined && !(Number.isInteger(entries) && entries >= 0)) {
        throw new Error(`--history-agent-entries needs a whole number of entries, got '${args[entriesArg + 1]}'`)
      }
      const result = soak(Number.isInteger(n) && n > 0 ? n : 700, entries)
      if (!json) {
        process.stdout.write(
          `pipeline --soak: ${result.ticks} ticks of 10,000 agents, every agent with new samples every tick\n\n${table([result])}`,
        )
      }
      return { machine: machine(), versions: versions(['rxjs', 'zod']), soak: result }
    }
    const densities = [
      { scenario: 'end-to-end, 1M events per event-time second', gapMs: 0.004 },
      { scenario: 'end-to-end, 8,000 events per tick', gapMs: 0.5 },
    ]
    const runs: Array<{ scenario: string; events: SwarmEvent[]; best: Awaited<ReturnType<typeof monitorRun>> }> = []
    for (const { scenario, gapMs } of densities) {
      const events = buildEvents(1000, tasks, 42, gapMs)
      // Warm up the JIT and the WASM tier-up on a slice, then measure the best of three runs.
      await monitorRun(events.slice(0, 200_000))
      let best = { ms: Number.POSITIVE_INFINITY, ticks: 0, completed: 0 }
      for (let i = 0; i < 3; i++) {
        const r = await monitorRun(events)
        if (r.ms < best.ms) best = r
      }
      runs.push({ scenario, events, best })
    }
    const events = runs[0].events
    const completions = events.filter((e) => e.type === 'task:completed').length
    // The peer as ours: warmed up on a slice, then the best of three.
    const peerMs = (kind: 'summary' | 'histogram') => {
      promClientRun(events.slice(0, 100_000), kind)
      let best = Number.POSITIVE_INFINITY
      for (let i = 0; i < 3; i++) best = Math.min(best, promClientRun(events, kind))
      return best
    }
    const summaryMs = peerMs('summary')
    const histogramMs = peerMs('histogram')
    const ticks = [
      { agents: 1000, newSamples: '100%', ...tickMs(1000, 1) },
      { agents: 10_000, newSamples: '100%', ...tickMs(10_000, 1) },
      { agents: 10_000, newSamples: '10%', ...tickMs(10_000, 0.1) },
      { agents: 10_000, newSamples: '1%', ...tickMs(10_000, 0.01) },
      { agents: 10_000, newSamples: '1%, 100 tasks placed', ...tickMs(10_000, 0.01, 100) },
      { agents: 10_000, newSamples: '1%, 100 placed, 100 queued', ...tickMs(10_000, 0.01, 100, true) },
      { agents: 10_000, newSamples: 'floor: entries only', ...allocationFloorMs(10_000) },
    ]

    const eventsPerSec = events.length / (runs[0].best.ms / 1000)
    const results = [
      ...runs.map(({ scenario, events: evs, best }) => ({
        name: 'swarm-perf',
        scenario,
        events: evs.length,
        ms: best.ms,
        eventsPerSec: evs.length / (best.ms / 1000),
        completionsPerSec: completions / (best.ms / 1000),
        ticks: best.ticks,
      })),
      {
        name: 'prom-client Summary (agent label)',
        scenario: 'completions only',
        events: completions,
        ms: summaryMs,
        eventsPerSec: null,
        completionsPerSec: completions / (summaryMs / 1000),
        ticks: null,
      },
      {
        name: 'prom-client Histogram (agent label)',
        scenario: 'completions only',
        events: completions,
        ms: histogramMs,
        eventsPerSec: null,
        completionsPerSec: completions / (histogramMs / 1000),
        ticks: null,
      },
    ]
    const ratios = {
      completionsVsPromSummary: results[0].completionsPerSec / results[2].completionsPerSec,
      completionsVsPromHistogram: results[0].completionsPerSec / results[3].completionsPerSec,
      eventsPerSecVsGoal: eventsPerSec / 1_000_000,
      tick10kVsGoal: ticks[1].medianMs / 10,
      tick10kOnePercentVsGoal: ticks[3].medianMs / 10,
      tick10kPlacingVsGoal: ticks[4].medianMs / 10,
      tick10kQueuedVsGoal: ticks[5].medianMs / 10,
      entriesFloorVsGoal: ticks[6].medianMs / 10,
    }
    if (!json) {
      process.stdout.write(
        `pipeline: ${tasks.toLocaleString('en-US')} tasks (4 events each), 1000 agents; ours and each peer the best of 3 after a warm-up\n\n`,
      )
      process.stdout.write(table(results))
      process.stdout.write(
        `\none tick (snapshot, analysis, rebalancer; the strategy when tasks wait) with the given share of agents having new samples:\n\n${table(ticks)}`,
      )
      process.stdout.write(
        `\nratios: completions/s ${ratios.completionsVsPromSummary.toFixed(1)}x prom-client Summary, ${ratios.completionsVsPromHistogram.toFixed(1)}x Histogram; events/s ${ratios.eventsPerSecVsGoal.toFixed(2)}x the 1M/s goal; 10k-agent tick (median) ${ratios.tick10kVsGoal.toFixed(2)}x the 10 ms budget with every agent having new samples, ${ratios.tick10kOnePercentVsGoal.toFixed(2)}x with 1%, ${ratios.tick10kPlacingVsGoal.toFixed(2)}x with 1% and 100 tasks placed, ${ratios.tick10kQueuedVsGoal.toFixed(2)}x with 100 more queued; building 10,000 plain entries alone ${ratios.entriesFloorVsGoal.toFixed(2)}x\n`,
      )
    }
    return { machine: machine(), versions: versions(['rxjs', 'zod', 'prom-client']), results, ticks, ratios }
  },
}
