import { type ChildProcess, spawn } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { finalReport, runDemo } from '../src/sim/demo.js'
import { buildPlan } from '../src/sim/plan.js'
import { scenarios } from '../src/sim/scenarios.js'
import { createSimulator } from '../src/sim/simulator.js'
import { progressBar, renderFrame, terminalSize } from '../src/sim/terminal-view.js'

const root = new URL('../', import.meta.url)

/** The real CLI in a child process (tsx runs the sources), with its output collected as it comes. */
function cli(args: string[]): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let text = ''
  child.stdout!.on('data', (chunk) => {
    text += chunk
  })
  child.stderr!.on('data', (chunk) => {
    text += chunk
  })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => text, exit }
}

async function waitFor(output: () => string, pattern: RegExp): Promise<RegExpMatchArray> {
  for (;;) {
    const match = output().match(pattern)
    if (match) return match
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

describe('the demo (npm start)', () => {
  it('runs a short scenario with --no-ui --duration, serves /metrics on 127.0.0.1, reports and exits 0', async () => {
    // The server lives as long as the live run: 5 s leaves room to fetch /metrics on a busy machine.
    const run = cli(['demo', '--no-ui', '--duration', '5', '--scenario', 'heavy', '--port', '0'])
    const [, url] = await waitFor(run.output, /dashboard (http:\/\/127\.0\.0\.1:\d+)\//)
    const metrics = await fetch(`${url}/metrics`)
    expect(metrics.status).toBe(200)
    expect(await metrics.text()).toMatch(/^# (HELP|TYPE) /m)
    expect(await run.exit).toBe(0)
    const text = run.output()
    expect(text).toMatch(/progress \d+\/50 done/)
    expect(text).toMatch(/tasks completed\s+50 of 50/)
    expect(text).toMatch(/tasks lost\s+0\n/)
    expect(text).toMatch(/tasks done twice\s+0\n/)
    expect(text).toMatch(/optimal \+ rebalancer: efficiency [\d.]+ vs [\d.]+ for round-robin without the rebalancer/)
    expect(text).not.toContain('\x1b[')
  })

  it('ends cleanly on Ctrl-C with the report so far', async () => {
    const run = cli(['demo', '--no-ui', '--duration', '60', '--scenario', 'failure', '--no-server'])
    await waitFor(run.output, /progress \d+\/120 done/)
    run.child.kill('SIGINT')
    expect(await run.exit).toBe(0)
    const text = run.output()
    expect(text).toContain('interrupted: the report so far')
    expect(text).toMatch(/\(stopped early\)/)
    expect(text).toMatch(/tasks completed\s+\d+ of 120/)
  })

  it('rejects bad flags with exit code 2 and the usage', async () => {
    const run = cli(['demo', '--duration', 'soon'])
    expect(await run.exit).toBe(2)
    expect(run.output()).toContain('--duration must be a positive number of seconds')
  })

  it('paces the same deterministic run it measured: the live outcome equals the virtual-time one', async () => {
    const lines: string[] = []
    const result = await runDemo({
      scenario: 'light',
      strategy: 'optimal',
      rebalance: true,
      durationMs: 300,
      ui: false,
      port: null,
      out: (t) => lines.push(t),
      signal: new AbortController().signal,
      frameMs: 20,
    })
    expect(result.interrupted).toBe(false)
    expect(result.outcome.makespanMs).toBe(result.comparison[0].makespanMs)
    expect(result.outcome.tasksCompleted).toBe(5)
    expect(result.comparison.map((c) => [c.strategy, c.rebalancer])).toEqual([
      ['optimal', true],
      ['round-robin', false],
    ])
    expect(result.timeScale).toBeCloseTo(result.outcome.makespanMs / 300, 6)
  })
})

describe('the live terminal view', () => {
  it('draws at 120 x 40 where the terminal reports no size or 0 (a pty with no size set)', () => {
    expect(terminalSize({ columns: 0, rows: 0 })).toEqual({ columns: 120, rows: 40 })
    expect(terminalSize({})).toEqual({ columns: 120, rows: 40 })
    expect(terminalSize({ columns: 80, rows: 24 })).toEqual({ columns: 80, rows: 24 })
  })

  it('draws a progress bar', () => {
    expect(progressBar(0, 10, 10)).toBe('[..........]   0%')
    expect(progressBar(5, 10, 10)).toBe('[#####.....]  50%')
    expect(progressBar(10, 10, 10)).toBe('[##########] 100%')
  })

  it('renders progress, the per-agent table and the latest happenings, cut to the terminal', () => {
    const sim = createSimulator(buildPlan(scenarios.heavy))
    sim.advanceTo(0)
    const agent = {
      agentId: 'senior-1',
      slot: 0,
      state: 'busy' as const,
      role: 'senior',
      capabilities: ['code'],
      capacity: 1,
      inFlight: 1,
      queued: 2,
      load: 3,
      tasksCompleted: 7,
      tasksFailed: 1,
      successRate: 0.875,
      serviceMs: { p50: 900, p90: 1500, p95: 2000, p99: 12_500, mean: 1000 },
      throughputPerMin: 10,
      recoveryMs: null,
      efficiency: 0.91,
      efficiencyParts: { speed: 1, consistency: 0.8, success: 0.9 },
      byKind: {},
      serviceHistogram: { boundsMs: [], counts: [], count: 0, sumMs: 0 },
      joinedAt: 0,
      lastEventAt: 0,
    }
    const frame = {
      scenario: 'heavy',
      strategy: 'optimal',
      rebalance: true,
      seed: 1,
      timeScale: 2,
      url: 'http://127.0.0.1:9464',
      outcome: sim.outcome(),
      snapshot: {
        agents: [agent, { ...agent, agentId: 'senior-2' }],
        alerts: [],
        swarm: {
          throughputPerMin: 12,
          responseMs: { p50: 1000, p90: 2000, p95: 3000, p99: 4000, p999: 5000 },
          imbalance: 0.25,
          efficiency: 0.9,
        },
      } as never,
      log: ['  1.0s  rebalance task-1: junior-1 -> senior-1'],
      columns: 140,
      rows: 40,
    }
    const lines = renderFrame(frame)
    expect(lines[0]).toBe('swarm-perf demo  scenario heavy (seed 1)  strategy optimal + rebalancer  time x2.0')
    expect(lines[1]).toBe('dashboard http://127.0.0.1:9464/   metrics http://127.0.0.1:9464/metrics')
    expect(lines[2]).toMatch(/^\[\.+\]\s+0%\s+0\/50 tasks/)
    expect(lines[4]).toBe(
      'throughput 12.0/min  response p50 1000ms p95 3000ms p99 4000ms  imbalance 0.25  fleet efficiency 0.90  alerts firing 0',
    )
    expect(lines).toContain('senior-1  busy    1/1       2     7       1  900ms  2000ms  12.5s        0.91')
    expect(lines.at(-1)).toBe('  1.0s  rebalance task-1: junior-1 -> senior-1')
    expect(renderFrame({ ...frame, columns: 40 }).every((l) => l.length <= 40)).toBe(true)
    // A short terminal keeps the header and the latest happenings and cuts the agent table.
    const many = Array.from({ length: 30 }, (_, i) => ({ ...agent, agentId: `agent-${i + 1}` }))
    const short = renderFrame({
      ...frame,
      rows: 20,
      snapshot: { ...(frame.snapshot as object), agents: many } as never,
    })
    expect(short).toContain('... 23 more agents')
    expect(short.length).toBeLessThanOrEqual(20)
    expect(short.at(-1)).toBe('  1.0s  rebalance task-1: junior-1 -> senior-1')
  })

  it('writes a final report that names what was lost and the comparison ratio', () => {
    const sim = createSimulator(buildPlan(scenarios.light))
    const text = finalReport({ scenario: 'light', strategy: 'optimal', rebalance: true }, sim.outcome(), [], 1)
    expect(text).toContain('Report: scenario light, seed 1, strategy optimal + rebalancer, time x1.0 (stopped early)')
    expect(text).toMatch(/swarm efficiency\s+- \(unfinished\)/)
  })
})
