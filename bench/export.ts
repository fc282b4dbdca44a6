/**
 * `npm run bench -- export [--json] [--agents 1000,10000] [--scrapers 50] [--scrapes 20]`:
 *  - render: time to render /metrics (Prometheus 0.0.4 and OpenMetrics) from a real monitor snapshot of N agents
 *    (each agent joined and ran 5 tasks), against prom-client 15 on the same data: (a) our samples in a prom-client
 *    Registry through `bindPromClient` (prom-client's formatting), (b) prom-client's own metrics (9 labelled
 *    gauges/counters and a labelled 14-bucket histogram, pre-filled, only `registry.metrics()` timed). Best of 7 after 2 warm-up runs.
 *  - scrape: 50 concurrent scrapers (keep-alive, one socket each) GET /metrics from our server on 127.0.0.1, a fixed
 *    number of scrapes each, while the monitor ingests task events in the same process; latency p50/p99/max.
 */
import { Agent as HttpAgent, request } from 'node:http'
import { createRequire } from 'node:module'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { Subject } from 'rxjs'
import { bindPromClient } from '../src/bridges/bind-prom-client.js'
import { toOpenMetrics } from '../src/exporters/to-open-metrics.js'
import { toPrometheus } from '../src/exporters/to-prometheus.js'
import type { SwarmSession } from '../src/model/session.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { startSwarmServer } from '../src/server/swarm-server.js'
import type { Benchmark } from './index.js'
import { bestOf, machine, table, versions } from './report.js'

const T0 = 1_700_000_000_000
const REPEATS = 7

/**
 * A monitor with `agents` agents that each ran `tasksPerAgent` tasks (in rounds: one task per agent at once, so
 * event time, and with it the number of ticks, stays small); `runLive` then feeds tasks stamped with wall time,
 * as a host would, so snapshots tick once a second while scrapers read.
 */
function liveMonitor(agents: number, tasksPerAgent: number) {
  const events$ = new Subject<unknown>()
  const session = createSwarmMonitor({
    capacity: Math.max(4096, agents * 2),
    resources: { sampleEveryMs: 0 },
    rebalance: false,
  }).connect(events$, { start: 'immediate' })
  let ts = T0
  let task = 0
  let events = 0
  const emit = (event: Record<string, unknown>) => {
    events++
    events$.next(event)
  }
  const serviceMs = () => 20 + ((task * 7919) % 4000)
  for (let a = 0; a < agents; a++)
    emit({ type: 'agent:joined', ts, agentId: `agent-${a}`, role: `role-${a % 8}`, capacity: 2 })
  for (let round = 0; round < tasksPerAgent; round++) {
    const ends: Array<[number, string, string, number]> = []
    for (let a = 0; a < agents; a++) {
      const agentId = `agent-${a}`
      const taskId = `task-${task++}`
      const ms = serviceMs()
      emit({ type: 'task:queued', ts, taskId, kind: `kind-${task % 4}` })
      emit({ type: 'task:assigned', ts, taskId, agentId })
      emit({ type: 'task:started', ts, taskId, agentId })
      ends.push([ts + ms, taskId, agentId, ms])
    }
    ends.sort((x, y) => x[0] - y[0])
    for (const [end, taskId, agentId, ms] of ends)
      emit({ type: 'task:completed', ts: end, taskId, agentId, durationMs: ms })
    ts = ends[ends.length - 1][0] + 1
  }
  const liveStart = performance.now()
  const liveBase = ts
  /** `count` whole tasks on agents round-robin, stamped with the wall time since the live phase began. */
  const runLive = (count: number) => {
    ts = Math.max(ts, liveBase + Math.round(performance.now() - liveStart))
    for (let i = 0; i < count; i++) {
      const agentId = `agent-${task % agents}`
      const taskId = `task-${task++}`
      emit({ type: 'task:queued', ts, taskId, kind: `kind-${task % 4}` })
      emit({ type: 'task:assigned', ts, taskId, agentId })
      emit({ type: 'task:started', ts, taskId, agentId })
      emit({ type: 'task:completed', ts, taskId, agentId, durationMs: serviceMs() })
    }
  }
  return { session, runLive, events: () => events }
}

/** prom-client's own metrics with the same cardinality as our per-agent series, filled from the snapshot. */
function promClientNative(snapshot: SwarmSnapshot): Registry {
  const registry = new Registry()
  const labelNames = ['agent_id']
  const gauges = ['capacity', 'in_flight', 'queued', 'load', 'success', 'throughput', 'efficiency'].map(
    (n) => new Gauge({ name: `peer_agent_${n}`, help: n, labelNames, registers: [registry] }),
  )
  const counters = ['completed', 'failed'].map(
    (n) => new Counter({ name: `peer_agent_${n}_total`, help: n, labelNames, registers: [registry] }),
  )
  const histogram = new Histogram({
    name: 'peer_agent_service_time_seconds',
    help: 'service',
    labelNames,
    buckets: snapshot.histograms.serviceMs.boundsMs.map((b) => b / 1000),
    registers: [registry],
  })
  for (const a of snapshot.agents) {
    const labels = { agent_id: a.agentId }
    const values = [a.capacity, a.inFlight, a.queued, a.load, a.successRate, a.throughputPerMin / 60, a.efficiency]
    gauges.forEach((g, i) => {
      g.set(labels, values[i])
    })
    counters[0].inc(labels, a.tasksCompleted)
    counters[1].inc(labels, a.tasksFailed)
    const h = a.serviceHistogram
    // One observation per counted value, at the bucket's upper bound: same bucket counts as ours.
    h.counts.forEach((n, i) => {
      for (let k = 0; k < n; k++)
        histogram.observe(labels, (h.boundsMs[i] ?? h.boundsMs[h.boundsMs.length - 1] * 2) / 1000)
    })
  }
  return registry
}

async function timeAsync(repeats: number, fn: () => Promise<unknown>): Promise<number> {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now()
    await fn()
    best = Math.min(best, performance.now() - t0)
  }
  return best
}

async function renderRow(agents: number) {
  const { session } = liveMonitor(agents, 5)
  const snapshot = session.snapshot()
  // Every agent gets its own series here (no cap), as prom-client's own metrics do.
  const options = { maxAgentSeries: agents }
  const text = toPrometheus(snapshot, options)
  // Warm both renderers up before timing either (the first runs also pay for the monitor's garbage).
  for (let i = 0; i < 2; i++) {
    toOpenMetrics(snapshot, options)
    toPrometheus(snapshot, options)
  }
  const oursMs = bestOf(REPEATS, () => toPrometheus(snapshot, options))
  const oursOpenMetricsMs = bestOf(REPEATS, () => toOpenMetrics(snapshot, options))
  const bridged = new Registry()
  bindPromClient({ snapshot: () => snapshot, snapshots$: session.snapshots$ }, bridged, options)
  await bridged.metrics()
  const bridgeMs = await timeAsync(REPEATS, () => bridged.metrics())
  const native = promClientNative(snapshot)
  const nativeText = await native.metrics()
  await native.metrics()
  const nativeMs = await timeAsync(REPEATS, () => native.metrics())
  session.dispose()
  return {
    agents,
    samples: text.split('\n').filter((l) => l && !l.startsWith('#')).length,
    bytes: Buffer.byteLength(text),
    oursPrometheusMs: oursMs,
    oursOpenMetricsMs,
    promClientSameSamplesMs: bridgeMs,
    promClientNativeMs: nativeMs,
    promClientNativeSamples: nativeText.split('\n').filter((l) => l && !l.startsWith('#')).length,
    speedupVsPromClient: nativeMs / oursMs,
  }
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]
}

async function scrapeRun(agents: number, scrapers: number, scrapesEach: number) {
  const live = liveMonitor(agents, 5)
  const server = await startSwarmServer(live.session as SwarmSession, {
    port: 0,
    eventMinIntervalMs: 1000,
    export: { maxAgentSeries: agents },
  })
  const eventsBefore = live.events()
  let ingesting = true
  // Ingest in the same process between scrapes: 50 tasks (200 events) per turn of the event loop.
  const ingest = () => {
    if (!ingesting) return
    live.runLive(50)
    setImmediate(ingest)
  }
  setImmediate(ingest)
  const agent = new HttpAgent({ keepAlive: true, maxSockets: scrapers })
  const latencies: number[] = []
  let bytes = 0
  let failures = 0
  const scrapeOnce = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now()
      const req = request({ host: '127.0.0.1', port: server.port, path: '/metrics', agent }, (res) => {
        res.on('data', (d: Buffer) => (bytes += d.length))
        res.on('error', () => {})
        res.on('end', () => {
          latencies.push(performance.now() - t0)
          resolve()
        })
      })
      // A failed scrape is counted, not retried.
      req.on('error', () => {
        failures++
        resolve()
      })
      req.end()
    })
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: scrapers }, async () => {
      for (let i = 0; i < scrapesEach; i++) await scrapeOnce()
    }),
  )
  const elapsedMs = performance.now() - t0
  ingesting = false
  const ingested = live.events() - eventsBefore
  agent.destroy()
  await server.close()
  live.session.dispose()
  latencies.sort((a, b) => a - b)
  return {
    agents,
    scrapers,
    scrapes: latencies.length,
    failures,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies[latencies.length - 1],
    scrapesPerSec: latencies.length / (elapsedMs / 1000),
    meanBytes: Math.round(bytes / Math.max(1, latencies.length)),
    eventsIngestedPerSec: ingested / (elapsedMs / 1000),
  }
}

function installedVersions(names: readonly string[]): Record<string, string> {
  const require = createRequire(import.meta.url)
  return Object.fromEntries(names.map((n) => [n, (require(`${n}/package.json`) as { version: string }).version]))
}

function listArg(args: string[], name: string, fallback: number[]): number[] {
  const i = args.indexOf(`--${name}`)
  return i >= 0 && args[i + 1] ? args[i + 1].split(',').map(Number) : fallback
}

export const exportBenchmark: Benchmark = {
  name: 'export',
  summary: 'render /metrics for 1000 and 10,000 agents vs prom-client; scrape p99 under 50 scrapers while ingesting',
  async run({ json, args }) {
    const agentCounts = listArg(args, 'agents', [1000, 10_000])
    const [scrapers] = listArg(args, 'scrapers', [50])
    const [scrapesEach] = listArg(args, 'scrapes', [20])
    const render = []
    for (const n of agentCounts) render.push(await renderRow(n))
    const scrape = [await scrapeRun(1000, scrapers, scrapesEach)]
    if (!json) {
      process.stdout.write(`render /metrics from one snapshot (best of 7, ms)\n${table(render)}\n`)
      process.stdout.write(
        `scrape latency, ${scrapers} concurrent scrapers x ${scrapesEach}, ingesting meanwhile\n${table(scrape)}\n`,
      )
    }
    return {
      benchmark: 'export',
      command: `npm run bench -- export${json ? ' --json' : ''}`,
      machine: machine(),
      // bench/report.ts's versions() cannot resolve packages from ESM here; read them directly.
      versions: { ...versions([]), ...installedVersions(['assemblyscript', 'prom-client']) },
      render,
      scrape,
    }
  },
}
