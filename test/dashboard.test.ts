import { mkdirSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { Subject } from 'rxjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { type SwarmServer, startSwarmServer } from '../src/server/swarm-server.js'
import { fakeSession } from './fixtures/fake-session.js'
import { makeSnapshot } from './fixtures/snapshot.js'

// Debian's chromium, driven by playwright-core (no browser download).
let browser: Browser
let server: SwarmServer
const session = fakeSession(makeSnapshot(8))

beforeAll(async () => {
  server = await startSwarmServer(session.source, { port: 0, eventMinIntervalMs: 0 })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  })
})

afterAll(async () => {
  await browser?.close()
  await server?.close()
})

/** Snapshot i of a run: time moves on, throughput and latency vary so the charts have a shape. */
function later(i: number): SwarmSnapshot {
  const s = makeSnapshot(8)
  s.at += i * 5000
  s.seq += i
  s.swarm.throughputPerMin = 30 + 12 * Math.sin(i / 2)
  s.swarm.responseMs = { ...s.swarm.responseMs, p50: 200 + 20 * i, p95: 1200 + 60 * i, p99: 2900 - 40 * i }
  s.agents[3].efficiency = 0.99
  return s
}

describe('dashboard page in headless Chromium', () => {
  it('fills the agent table and draws the charts from live SSE data', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } })
    const problems: string[] = []
    page.on('pageerror', (e) => problems.push(e.message))
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    await page.goto(server.url)

    // The first snapshot arrives over SSE when the page connects.
    await page.waitForFunction(() => document.querySelectorAll('#agents tbody tr').length === 8)
    expect(await page.textContent('#status')).toBe('live')

    // Live data: snapshots, an alert, an insight and a reassignment pushed while the page is open.
    for (let i = 1; i <= 24; i++) session.push(later(i))
    session.alert({ ...makeSnapshot(1).alerts[0], ruleId: 'queue-wait', state: 'firing', at: later(24).at })
    session.reassign({
      taskId: 'task-77',
      fromAgentId: 'agent-1',
      toAgentId: 'agent-3',
      reason: 'rebalance',
      expectedGainMs: 850,
      at: later(24).at,
    })
    await page.waitForFunction(
      () => (window as unknown as { swarmPerfDashboard: { points(): number } }).swarmPerfDashboard.points() >= 20,
    )
    await page.waitForFunction(() => document.querySelector('#reassignments')?.textContent?.includes('task-77'))

    // The throughput line is drawn: count canvas pixels in its stroke colour (#2563eb).
    const strokePixels = await page.evaluate(() => {
      const canvas = document.querySelector('#chart-throughput canvas') as HTMLCanvasElement
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
      let n = 0
      for (let i = 0; i < data.length; i += 4) if (data[i] === 37 && data[i + 1] === 99 && data[i + 2] === 235) n++
      return n
    })
    expect(strokePixels).toBeGreaterThan(50)

    expect(await page.textContent('#alerts')).toContain('queue-wait')
    expect(await page.textContent('#alerts')).toContain('p99-response')
    expect(await page.textContent('#insights')).toContain('move 2 queued tasks from agent-1 to agent-4')
    expect(await page.textContent('#bottlenecks')).toContain('agent-1 p95 is 2.4x the fleet median')
    expect(await page.textContent('#clock')).toContain('snapshot #66')

    // Sorted by efficiency, highest first; a click on the header flips the order.
    const firstAgent = () => page.getAttribute('#agents tbody tr:first-child', 'data-agent')
    expect(await firstAgent()).toBe('agent-3')
    await page.click('#agents th:has-text("Efficiency")')
    expect(await firstAgent()).not.toBe('agent-3')
    await page.click('#agents th:has-text("Agent")')
    expect(await firstAgent()).toBe('agent-0')

    mkdirSync('test-artifacts', { recursive: true })
    await page.screenshot({ path: 'test-artifacts/dashboard.png', fullPage: true })
    expect(problems).toEqual([])

    // The session ends: the page says so and keeps the last figures.
    session.end()
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'session ended')
    expect(await page.locator('#agents tbody tr').count()).toBe(8)
    await page.close()
  })
})

describe('dashboard page on a real monitor', () => {
  it('shows what a live session measures, arriving over SSE', async () => {
    const events$ = new Subject<SwarmEvent>()
    const live = createSwarmMonitor({ tickMs: 1000, idleTicks: false }).connect(events$, { start: 'immediate' })
    const liveServer = await startSwarmServer(live, { port: 0, eventMinIntervalMs: 0 })
    const t0 = 1_700_000_000_000
    let task = 0
    // One second of event time: every agent runs one task of (agent index + 1) x 100 ms.
    const second = (s: number) => {
      for (let a = 0; a < 4; a++) {
        const taskId = `t${task++}`
        const ts = t0 + s * 1000 + a
        events$.next({ type: 'task:queued', ts, taskId, kind: 'code' })
        events$.next({ type: 'task:started', ts, taskId, agentId: `agent-${a}` })
        events$.next({ type: 'task:completed', ts: ts + (a + 1) * 100, taskId, agentId: `agent-${a}` })
      }
    }
    try {
      for (let a = 0; a < 4; a++) events$.next({ type: 'agent:joined', ts: t0, agentId: `agent-${a}`, capacity: 1 })
      second(0)
      second(1)
      const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } })
      await page.goto(liveServer.url)
      await page.waitForFunction(() => document.querySelectorAll('#agents tbody tr').length === 4)
      for (let s = 2; s < 12; s++) second(s)
      await page.waitForFunction(
        () => (window as unknown as { swarmPerfDashboard: { points(): number } }).swarmPerfDashboard.points() >= 8,
      )
      // agent-3 is the slowest (400 ms a task): its p50 cell shows it, as the monitor measured it.
      const row = page.locator('#agents tbody tr[data-agent="agent-3"]')
      expect(await row.textContent()).toContain('400')
      expect(await page.textContent('#status')).toBe('live')
      await page.close()
    } finally {
      await liveServer.close()
      live.dispose()
    }
  })
})
