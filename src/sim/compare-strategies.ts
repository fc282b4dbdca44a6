import { strategyNames } from '../strategies/config.js'
import { type RunScenarioOptions, runScenario, type ScenarioRun } from './run-scenario.js'

/** The fields `swarm-perf simulate` prints, in this order (the contract). */
export interface SimulateSummary {
  scenario: string
  strategy: string
  seed: number
  efficiency: number
  makespanMs: number
  lowerBoundMs: number
  responseMs: { p50: number | null; p95: number | null; p99: number | null }
  throughputPerMin: number
  tasksCompleted: number
  tasksLost: number
  tasksDuplicated: number
  reassignments: number
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits
const roundOrNull = (v: number | null) => (v === null ? null : round(v, 1))

export function summarizeRun(run: ScenarioRun): SimulateSummary {
  const o = run.outcome
  return {
    scenario: o.scenario,
    strategy: run.strategy,
    seed: o.seed,
    efficiency: round(o.efficiency, 4),
    makespanMs: round(o.makespanMs, 1),
    lowerBoundMs: round(o.lowerBoundMs, 1),
    responseMs: {
      p50: roundOrNull(o.responseMs.p50),
      p95: roundOrNull(o.responseMs.p95),
      p99: roundOrNull(o.responseMs.p99),
    },
    throughputPerMin: round(o.throughputPerMin, 2),
    tasksCompleted: o.tasksCompleted,
    tasksLost: o.tasksLost,
    tasksDuplicated: o.tasksDuplicated,
    reassignments: o.reassignments,
  }
}

export interface ComparisonRow extends SimulateSummary {
  rebalancer: boolean
  wallMs: number
}

/** Every built-in strategy, with and without the rebalancer, on the same scenario and seed. */
export function compareStrategies(
  options: Omit<RunScenarioOptions, 'strategy' | 'rebalance'>,
  strategies: readonly string[] = strategyNames,
): ComparisonRow[] {
  const rows: ComparisonRow[] = []
  for (const strategy of strategies) {
    for (const rebalance of [false, true]) {
      const run = runScenario({ ...options, strategy, rebalance })
      rows.push({ ...summarizeRun(run), rebalancer: rebalance, wallMs: round(run.wallMs, 1) })
    }
  }
  return rows
}

/** A fixed-width text table: numbers right-aligned, everything else left-aligned. */
export function formatTable(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)\n'
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const cell = (v: unknown) =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? v.toLocaleString('en-US')
        : Math.abs(v) >= 100
          ? Math.round(v).toLocaleString('en-US')
          : v.toFixed(Math.abs(v) >= 1 ? 2 : 3)
      : v === null || v === undefined
        ? '-'
        : String(v)
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] == null))
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (values: string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  return [
    line(columns),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => line(columns.map((c) => cell(r[c])))),
  ]
    .join('\n')
    .concat('\n')
}

/** One table row per comparison run, the columns a reader compares first. */
export function comparisonTableRows(rows: readonly ComparisonRow[]): Record<string, unknown>[] {
  return rows.map((r) => ({
    strategy: r.strategy,
    rebalancer: r.rebalancer ? 'on' : 'off',
    efficiency: r.efficiency,
    makespanMs: Math.round(r.makespanMs),
    p50Ms: r.responseMs.p50 === null ? null : Math.round(r.responseMs.p50),
    p95Ms: r.responseMs.p95 === null ? null : Math.round(r.responseMs.p95),
    p99Ms: r.responseMs.p99 === null ? null : Math.round(r.responseMs.p99),
    perMin: r.throughputPerMin,
    done: r.tasksCompleted,
    lost: r.tasksLost,
    dup: r.tasksDuplicated,
    moves: r.reassignments,
  }))
}
