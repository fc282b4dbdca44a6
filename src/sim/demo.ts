import { setTimeout as sleep } from 'node:timers/promises'
import type { SwarmSnapshot } from '../model/snapshot.js'
import { type ComparisonRow, comparisonTableRows, formatTable, summarizeRun } from './compare-strategies.js'
import { type StartedServer, startDashboard } from './dashboard.js'
import type { SimulationOutcome } from './outcome.js'
import { attachMonitor, runScenario } from './run-scenario.js'
import { scenarios } from './scenarios.js'
import { ansiFrame, type DemoFrame, describeAlert, describeMove, renderFrame } from './terminal-view.js'

export interface DemoOptions {
  scenario: string
  strategy: string
  rebalance: boolean
  seed?: number
  /** Scale the scenario's fleet (and its work) to this many agents. */
  agents?: number
  /** Wall-clock length of the live run; the time scale is chosen so the scenario ends in it. */
  durationMs: number
  /** The live terminal view (a TTY); otherwise plain log lines. */
  ui: boolean
  /** Serve the dashboard and /metrics on 127.0.0.1 while the demo runs; null: no server. */
  port: number | null
  out(text: string): void
  /** Aborted on Ctrl-C: the demo ends at once with the report so far. */
  signal: AbortSignal
  /** Terminal size for the live view. */
  size?: () => { columns: number; rows: number }
  /** Wall ms between frames (default 100 with the view, 250 without). */
  frameMs?: number
}

export interface DemoResult {
  outcome: SimulationOutcome
  interrupted: boolean
  timeScale: number
  /** The same scenario and seed in virtual time: the strategy shown, and without / with optimisation. */
  comparison: ComparisonRow[]
  url: string | null
}

const withoutOptimisation = { strategy: 'round-robin', rebalance: false } as const
const withOptimisation = { strategy: 'optimal', rebalance: true } as const

/**
 * The main job: a simulated swarm in real time with the monitor attached. The same deterministic simulator as
 * `simulate`, paced by a time scale so the scenario takes `durationMs` of wall time; a live view of progress,
 * per-agent percentiles and efficiency, alerts and moves; the dashboard and /metrics when a port is given; at the
 * end (or on Ctrl-C) the report and the comparison with and without optimisation.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = options.out
  // Placement between ticks: the scenarios' tasks take seconds, so a slot freed mid-tick should not wait for the
  // tick. Every 20 ms on fleets of up to 100 agents, where a pass costs microseconds; every 100 ms on larger ones,
  // where each pass plans hundreds of free agents (README: Strategies).
  const fleetSize = options.agents ?? scenarios[options.scenario]?.agents.reduce((n, group) => n + group.count, 0) ?? 0
  const placeEveryMs = fleetSize <= 100 ? 20 : 100
  const base = { scenario: options.scenario, seed: options.seed, agents: options.agents, placeEveryMs }
  const log = (line: string) => {
    if (!options.ui) out(`${line}\n`)
    recent.push(line)
    if (recent.length > 50) recent.shift()
  }
  const recent: string[] = []

  // The run is deterministic: a run in virtual time first gives its makespan (hence the time scale) and the
  // figures of the comparison, before the live run shows the same swarm at human speed.
  out(`preparing: scenario ${options.scenario} in virtual time with and without optimisation\n`)
  const comparison: ComparisonRow[] = []
  const runs = [{ strategy: options.strategy, rebalance: options.rebalance }, withoutOptimisation, withOptimisation]
  for (const r of runs) {
    if (comparison.some((c) => c.strategy === r.strategy && c.rebalancer === r.rebalance)) continue
    if (options.signal.aborted) break
    const run = runScenario({ ...base, ...r })
    comparison.push({ ...summarizeRun(run), rebalancer: r.rebalance, wallMs: Math.round(run.wallMs) })
    await sleep(0) // let Ctrl-C in between runs
  }
  const planned = comparison[0]
  const timeScale = planned ? Math.max(planned.makespanMs, 1) / Math.max(options.durationMs, 1) : 1

  const { sim, session } = attachMonitor({ ...base, strategy: options.strategy, rebalance: options.rebalance })
  let snapshot: SwarmSnapshot | null = null
  session.snapshots$.subscribe((s) => {
    snapshot = s
  })
  session.alerts$.subscribe((a) => log(describeAlert(a, sim.startTs)))
  session.reassignments$.subscribe((r) => {
    if (r.fromAgentId !== undefined || r.reason !== 'place') log(describeMove(r, sim.startTs))
  })
  sim.events$.subscribe((e) => {
    const at = `${((e.ts - sim.startTs) / 1000).toFixed(1)}s`.padStart(7)
    if (e.type === 'agent:left') log(`${at}  agent ${e.agentId} left (${e.reason ?? 'left'})`)
    else if (e.type === 'agent:joined' && e.ts > sim.startTs) log(`${at}  agent ${e.agentId} joined`)
    else if (e.type === 'reassignment:refused') log(`${at}  host refused ${e.taskId} -> ${e.toAgentId}: ${e.reason}`)
  })

  let server: StartedServer | null = null
  if (options.port !== null && !options.signal.aborted) {
    server = await startDashboard(session, options.port)
    if (!options.ui) out(`dashboard ${server.url}/  metrics ${server.url}/metrics\n`)
  }

  const size = options.size ?? (() => ({ columns: 120, rows: 40 }))
  const frame = (): DemoFrame => ({
    scenario: options.scenario,
    strategy: options.strategy,
    rebalance: options.rebalance,
    seed: sim.plan.seed,
    timeScale,
    url: server?.url ?? null,
    outcome: sim.outcome(),
    snapshot,
    log: recent,
    ...size(),
  })
  const frameMs = options.frameMs ?? (options.ui ? 100 : 250)
  let nextProgress = 0.1
  if (options.ui) out('\x1b[?25l\x1b[2J')
  const started = performance.now()
  try {
    while (!sim.done && !options.signal.aborted) {
      try {
        await sleep(frameMs, undefined, { signal: options.signal })
      } catch {
        break // aborted
      }
      sim.advanceTo((performance.now() - started) * timeScale)
      const o = sim.outcome()
      if (options.ui) out(ansiFrame(renderFrame(frame())))
      else if (o.tasksTotal > 0 && o.tasksCompleted / o.tasksTotal >= nextProgress) {
        while (o.tasksCompleted / o.tasksTotal >= nextProgress) nextProgress += 0.1
        const s = snapshot as SwarmSnapshot | null
        out(
          `${`${(o.nowMs / 1000).toFixed(1)}s`.padStart(7)}  progress ${o.tasksCompleted}/${o.tasksTotal} done, ${o.waiting} waiting, ${o.reassignments} moves` +
            (s
              ? `, throughput ${s.swarm.throughputPerMin.toFixed(1)}/min, p95 response ${s.swarm.responseMs.p95 === null ? '-' : Math.round(s.swarm.responseMs.p95)} ms`
              : '') +
            '\n',
        )
      }
    }
  } finally {
    const interrupted = !sim.done
    sim.stop() // completes the host's events: the session flushes its final snapshot and closes
    if (options.ui) out(`${ansiFrame(renderFrame(frame()))}\x1b[?25h\n`)
    await server?.close()
    if (interrupted) out('\ninterrupted: the report so far\n')
  }
  const outcome = sim.outcome()
  out(finalReport(options, outcome, comparison, timeScale))
  return { outcome, interrupted: !outcome.finished, timeScale, comparison, url: server?.url ?? null }
}

export function finalReport(
  options: Pick<DemoOptions, 'scenario' | 'strategy' | 'rebalance'>,
  outcome: SimulationOutcome,
  comparison: readonly ComparisonRow[],
  timeScale: number,
): string {
  const lines: string[] = []
  lines.push('')
  lines.push(
    `Report: scenario ${options.scenario}, seed ${outcome.seed}, strategy ${options.strategy}${options.rebalance ? ' + rebalancer' : ''}, time x${timeScale.toFixed(1)}${outcome.finished ? '' : ' (stopped early)'}`,
  )
  const r = outcome.responseMs
  lines.push(
    formatTable([
      { figure: 'tasks completed', value: `${outcome.tasksCompleted} of ${outcome.tasksTotal}` },
      { figure: 'tasks lost', value: outcome.tasksLost },
      { figure: 'tasks done twice', value: outcome.tasksDuplicated },
      { figure: 'makespan (virtual)', value: `${Math.round(outcome.makespanMs)} ms` },
      { figure: 'lower bound', value: `${Math.round(outcome.lowerBoundMs)} ms` },
      { figure: 'swarm efficiency', value: outcome.finished ? outcome.efficiency.toFixed(3) : '- (unfinished)' },
      {
        figure: 'response p50 / p95 / p99',
        value: [r.p50, r.p95, r.p99].map((v) => (v === null ? '-' : `${Math.round(v)} ms`)).join(' / '),
      },
      { figure: 'throughput', value: `${outcome.throughputPerMin.toFixed(1)}/min` },
      { figure: 'moves (reassignments)', value: outcome.reassignments },
      { figure: 'refused by the host', value: outcome.refused },
      { figure: 'restarted after a crash', value: outcome.restarts },
      { figure: 'failed attempts (retried)', value: outcome.attemptsFailed },
    ]).trimEnd(),
  )
  if (comparison.length > 0) {
    lines.push('')
    lines.push('With and without optimisation (the same scenario and seed, whole runs in virtual time):')
    lines.push(formatTable(comparisonTableRows(comparison)).trimEnd())
    const without = comparison.find((c) => c.strategy === withoutOptimisation.strategy && !c.rebalancer)
    const withOpt = comparison.find((c) => c.strategy === withOptimisation.strategy && c.rebalancer)
    if (without && withOpt && without.efficiency > 0) {
      lines.push(
        `optimal + rebalancer: efficiency ${withOpt.efficiency.toFixed(3)} vs ${without.efficiency.toFixed(3)} for round-robin without the rebalancer (${(withOpt.efficiency / without.efficiency).toFixed(2)}x); makespan ${Math.round(withOpt.makespanMs)} vs ${Math.round(without.makespanMs)} ms`,
      )
    }
  }
  return `${lines.join('\n')}\n`
}
