import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Subject } from 'rxjs'
import { afterAll, describe, expect, it } from 'vitest'
import type { SwarmSession } from '../src/model/session.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { type SwarmServer, startSwarmServer } from '../src/server/swarm-server.js'
import { makeEventLog } from './fixtures/event-log.js'

// A real Prometheus (Debian's package) on 127.0.0.1 scrapes two monitor instances, each fed half of one event log.
const dir = mkdtempSync(join(tmpdir(), 'swarm-perf-prometheus-'))
const servers: SwarmServer[] = []
const sessions: SwarmSession[] = []
let prometheus: ChildProcess | undefined
let prometheusLog = ''

afterAll(async () => {
  if (prometheus?.pid && prometheus.exitCode === null) {
    const exited = new Promise((r) => prometheus!.once('exit', r))
    prometheus.kill('SIGTERM')
    await exited
  }
  await Promise.all(servers.map((s) => s.close()))
  for (const s of sessions) s.dispose()
  rmSync(dir, { recursive: true, force: true })
})

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const { port } = probe.address() as { port: number }
  await new Promise((r) => probe.close(r))
  return port
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls until `check` returns a value (bounded): Prometheus needs real scrapes to happen. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, attempts = 120): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    try {
      const value = await check()
      if (value !== undefined) return value
    } catch {
      // not up yet
    }
    await sleep(250)
  }
  throw new Error(`gave up waiting for ${what}; prometheus said:\n${prometheusLog.slice(-2000)}`)
}

type Vector = Array<{ metric: Record<string, string>; value: [number, string] }>

async function query(base: string, promql: string): Promise<Vector> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`)
  const body = (await res.json()) as { status: string; data: { resultType: string; result: Vector }; error?: string }
  if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`)
  return body.data.result
}

describe('real Prometheus scraping two instances', () => {
  it('histogram_quantile(0.99) over both agrees with the exact merged p99 within its bucket', async () => {
    // One seeded log, split by agent into two self-consistent halves.
    const log = makeEventLog({ seed: 20261127, agents: 8, tasks: 4000 })
    const agentOfTask = new Map<string, string>()
    for (const e of log.events) if (e.type === 'task:assigned') agentOfTask.set(e.taskId as string, e.agentId as string)
    const half = (e: Record<string, unknown>) => {
      const agent = (e.agentId as string | undefined) ?? agentOfTask.get(e.taskId as string)!
      return Number(agent.split('-')[1]) < 4 ? 0 : 1
    }
    const halves = [log.events.filter((e) => half(e) === 0), log.events.filter((e) => half(e) === 1)]
    expect(halves[0].length).toBeGreaterThan(1000)
    expect(halves[1].length).toBeGreaterThan(1000)

    const feeds = [new Subject<unknown>(), new Subject<unknown>()]
    for (const feed of feeds) {
      const session = createSwarmMonitor({ resources: { sampleEveryMs: 0 } }).connect(feed, { start: 'immediate' })
      sessions.push(session)
      servers.push(await startSwarmServer(session, { port: 0 }))
    }

    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: swarm-perf',
        '    static_configs:',
        `      - targets: [${servers.map((s) => `'127.0.0.1:${s.port}'`).join(', ')}]`,
        '',
      ].join('\n'),
    )
    // The port is free when probed, but something else may take it before Prometheus binds it: then Prometheus
    // exits, and the next attempt takes another port.
    let base = ''
    for (let attempt = 1; ; attempt++) {
      const promPort = await freePort()
      base = `http://127.0.0.1:${promPort}`
      // The log checked at the end is this attempt's: a failed bind is not an error of the run.
      if (attempt > 1) prometheusLog = ''
      const child = spawn(
        '/usr/bin/prometheus',
        [
          `--config.file=${join(dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(dir, 'data')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      prometheus = child
      child.stdout!.on('data', (d) => (prometheusLog += d))
      child.stderr!.on('data', (d) => (prometheusLog += d))
      const ready = base
      const state = await waitFor('prometheus ready', async () => {
        if (child.exitCode !== null) return 'exited'
        return (await fetch(`${ready}/-/ready`)).ok ? 'ready' : undefined
      })
      if (state === 'ready') break
      if (attempt === 3) throw new Error(`prometheus exited three times; it said:\n${prometheusLog.slice(-2000)}`)
    }

    // Both targets up and scraped at least twice while their counters are still zero, so rate() sees the rise.
    await waitFor('two zero scrapes per target', async () => {
      const r = await query(base, 'count_over_time(swarm_perf_service_time_seconds_count[5m])')
      return r.length === 2 && r.every((s) => Number(s.value[1]) >= 2) ? true : undefined
    })
    const up = await query(base, 'up{job="swarm-perf"}')
    expect(up.map((s) => s.value[1])).toEqual(['1', '1'])

    halves.forEach((events, i) => {
      for (const e of events) feeds[i].next(e)
    })
    const total = log.serviceMs.length
    await waitFor('every completion scraped', async () => {
      const r = await query(base, 'sum(swarm_perf_service_time_seconds_count)')
      return r.length === 1 && Number(r[0].value[1]) === total ? true : undefined
    })
    // One more scrape of both targets after the counts settled, so rate() sees the final counts twice.
    const settledAt = Date.now() / 1000
    await waitFor('a scrape of both targets after the counts settled', async () => {
      const r = await query(base, 'min(timestamp(up{job="swarm-perf"}))')
      return r.length === 1 && Number(r[0].value[1]) > settledAt ? true : undefined
    })

    const result = await query(
      base,
      'histogram_quantile(0.99, sum by (le) (rate(swarm_perf_service_time_seconds_bucket[5m])))',
    )
    expect(result).toHaveLength(1)
    const estimateSeconds = Number(result[0].value[1])

    // The exact p99 over the merged raw service times, and the bucket it falls in.
    const sorted = [...log.serviceMs].sort((a, b) => a - b)
    const exactMs = sorted[Math.ceil(0.99 * sorted.length) - 1]
    const bounds = sessions[0].snapshot().histograms.serviceMs.boundsMs
    const upper = bounds.find((b) => exactMs <= b)!
    const lower = bounds[bounds.indexOf(upper) - 1] ?? 0
    expect(upper).toBeDefined()
    expect(estimateSeconds).toBeGreaterThanOrEqual(lower / 1000)
    expect(estimateSeconds).toBeLessThanOrEqual(upper / 1000)

    // And the two instances' buckets really merged: the +Inf bucket over both is every task.
    const inf = await query(base, 'sum(swarm_perf_service_time_seconds_bucket{le="+Inf"})')
    expect(Number(inf[0].value[1])).toBe(total)
    expect(prometheusLog).not.toMatch(/level=error/)
  }, 120_000)
})
