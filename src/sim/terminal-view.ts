import type { Alert } from '../model/finding.js'
import type { Reassignment } from '../model/reassignment.js'
import type { AgentSnapshot, SwarmSnapshot } from '../model/snapshot.js'
import type { SimulationOutcome } from './outcome.js'

/** What one frame of the live view shows. Plain data: the view is a pure function of it, so tests can render it. */
export interface DemoFrame {
  scenario: string
  strategy: string
  rebalance: boolean
  seed: number
  /** Virtual ms per wall ms. */
  timeScale: number
  url: string | null
  outcome: SimulationOutcome
  snapshot: SwarmSnapshot | null
  /** The latest happenings, oldest first, already formatted. */
  log: readonly string[]
  /** Terminal width and height (the agent table is cut to fit). */
  columns: number
  rows: number
}

const seconds = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`
const millis = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? '-' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms)}ms`

/**
 * The size to draw at: the terminal's, or 120 x 40 where it reports none, or 0 (a pseudo-terminal with no size set
 * reports 0 columns, and every frame came out as blank lines).
 */
export function terminalSize(out: { columns?: number; rows?: number }): { columns: number; rows: number } {
  return { columns: out.columns || 120, rows: out.rows || 40 }
}

export function progressBar(done: number, total: number, width: number): string {
  const share = total > 0 ? Math.min(1, done / total) : 1
  const filled = Math.round(share * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%`
}

/** One line per event worth watching: alerts, moves (not first placements), agents leaving. */
export function describeAlert(alert: Alert, startTs: number): string {
  const value = alert.value === null ? '-' : Number.isInteger(alert.value) ? alert.value : alert.value.toFixed(3)
  return `${seconds(alert.at - startTs).padStart(7)}  alert ${alert.state} ${alert.severity} ${alert.ruleId}: ${alert.metric} = ${value} (threshold ${alert.threshold})`
}

export function describeMove(r: Reassignment, startTs: number): string {
  const gain = r.expectedGainMs > 0 ? `, expected gain ${millis(r.expectedGainMs)}` : ''
  return `${seconds(r.at - startTs).padStart(7)}  ${r.reason} ${r.taskId}: ${r.fromAgentId ?? 'pool'} -> ${r.toAgentId}${gain}`
}

function agentRow(a: AgentSnapshot) {
  return [
    a.agentId,
    a.state,
    `${a.inFlight}/${a.capacity}`,
    String(a.queued),
    String(a.tasksCompleted),
    String(a.tasksFailed),
    millis(a.serviceMs.p50),
    millis(a.serviceMs.p95),
    millis(a.serviceMs.p99),
    a.state === 'left' ? '-' : a.efficiency.toFixed(2),
  ]
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i <= 1 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd()
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)]
}

/** The whole screen for one frame, as lines (no escape codes). */
export function renderFrame(frame: DemoFrame): string[] {
  const o = frame.outcome
  const s = frame.snapshot
  const lines: string[] = []
  lines.push(
    `swarm-perf demo  scenario ${frame.scenario} (seed ${frame.seed})  strategy ${frame.strategy}${frame.rebalance ? ' + rebalancer' : ''}  time x${frame.timeScale.toFixed(1)}`,
  )
  if (frame.url) lines.push(`dashboard ${frame.url}/   metrics ${frame.url}/metrics`)
  const barWidth = Math.max(10, Math.min(50, frame.columns - 40))
  lines.push(
    `${progressBar(o.tasksCompleted, o.tasksTotal, barWidth)}  ${o.tasksCompleted}/${o.tasksTotal} tasks  virtual ${seconds(o.nowMs)}`,
  )
  lines.push(
    `waiting ${o.waiting}  moves ${o.reassignments}  refused ${o.refused}  restarts ${o.restarts}  failed attempts ${o.attemptsFailed}  lost ${o.tasksLost}  duplicated ${o.tasksDuplicated}  makespan lower bound ${seconds(o.lowerBoundMs)}`,
  )
  if (s) {
    const r = s.swarm.responseMs
    lines.push(
      `throughput ${s.swarm.throughputPerMin.toFixed(1)}/min  response p50 ${millis(r.p50)} p95 ${millis(r.p95)} p99 ${millis(r.p99)}  imbalance ${s.swarm.imbalance.toFixed(2)}  fleet efficiency ${s.swarm.efficiency.toFixed(2)}  alerts firing ${s.alerts.length}`,
    )
  }
  lines.push('')
  const logRows = Math.min(8, frame.log.length)
  const agents = s ? [...s.agents].sort((a, b) => a.agentId.localeCompare(b.agentId, 'en', { numeric: true })) : []
  const room = Math.max(3, frame.rows - lines.length - logRows - 5)
  const shown = agents.length > room ? agents.slice(0, room - 1) : agents
  lines.push(
    ...table(
      ['agent', 'state', 'busy', 'queued', 'done', 'failed', 'p50', 'p95', 'p99', 'efficiency'],
      shown.map(agentRow),
    ),
  )
  if (shown.length < agents.length) lines.push(`... ${agents.length - shown.length} more agents`)
  lines.push('')
  lines.push(...frame.log.slice(-logRows))
  return lines.map((l) => (l.length > frame.columns ? l.slice(0, frame.columns) : l))
}

/** Redraw in place: cursor home, the frame, clear what is left of the old one. */
export function ansiFrame(lines: readonly string[]): string {
  return `\x1b[H${lines.map((l) => `${l}\x1b[K`).join('\n')}\n\x1b[J`
}
