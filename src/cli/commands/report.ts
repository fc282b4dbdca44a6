import { parseArgs } from 'node:util'
import type { SwarmSnapshot } from '../../model/snapshot.js'
import { replayJsonl, UnreadableLogError } from '../../monitor/replay.js'
import { type CliCommand, usageError } from '../command.js'

const usage = `Usage: swarm-perf report <events.jsonl> [--format json|table]

Replays a recorded log (one SwarmEvent per line) through the monitor and prints the final snapshot: JSON (the
snapshot as documented in the README, plus "errors": [{line, code, message}] for bad lines and "alertHistory":
every alert transition) or a table. Exits 0 after a replay, 2 when the file is missing or unreadable.
`

export const report: CliCommand = {
  name: 'report',
  summary: 'replay a JSONL event log and print the final snapshot',
  usage,
  async run(argv, io) {
    let args: ReturnType<typeof parse>
    try {
      args = parse(argv)
    } catch (error) {
      return usageError(io, 'report', error instanceof Error ? error.message : String(error), usage)
    }
    if (args.positionals.length > 1) return usageError(io, 'report', 'give one events file', usage)
    const [path] = args.positionals
    const format = args.values.format
    if (!path || (format !== 'json' && format !== 'table')) {
      return usageError(io, 'report', path ? `unknown format '${format}'` : 'give the events file', usage)
    }
    let result: Awaited<ReturnType<typeof replayJsonl>>
    try {
      result = await replayJsonl(path)
    } catch (error) {
      if (error instanceof UnreadableLogError) {
        io.err(`swarm-perf report: ${error.message}\n`)
        return 2
      }
      throw error
    }
    const errors = result.errors.map((e) => ({ line: e.line ?? null, code: e.code, message: e.message }))
    if (format === 'json') {
      io.out(`${JSON.stringify({ ...result.snapshot, alertHistory: result.alerts, errors }, null, 2)}\n`)
    } else {
      io.out(renderTable(result.snapshot, errors.length))
    }
    return 0
  },
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'json' } },
  })
}

const fmt = (v: number | null, digits = 1) => (v === null ? '-' : v.toFixed(digits))

function renderTable(s: SwarmSnapshot, errorCount: number): string {
  const w = s.swarm
  const lines = [
    `snapshot at ${new Date(s.at).toISOString()} (window ${s.window.durationMs / 1000} s)`,
    `agents ${w.agents}  completed ${w.tasksCompleted}  failed ${w.tasksFailed}  queued ${w.tasksQueued}  in flight ${w.tasksInFlight}`,
    `throughput ${fmt(w.throughputPerMin)}/min  error rate ${fmt(w.errorRate * 100)}%  imbalance ${fmt(w.imbalance, 2)}  efficiency ${fmt(w.efficiency, 2)}`,
    `response ms p50 ${fmt(w.responseMs.p50)} p95 ${fmt(w.responseMs.p95)} p99 ${fmt(w.responseMs.p99)}   service ms p50 ${fmt(w.serviceMs.p50)} p95 ${fmt(w.serviceMs.p95)} p99 ${fmt(w.serviceMs.p99)}`,
    `events valid ${w.eventsValid}  invalid ${w.eventsInvalid} (${errorCount} reported)`,
    '',
    `${'agent'.padEnd(20)} ${'state'.padEnd(5)} ${'done'.padStart(6)} ${'fail'.padStart(5)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'p99'.padStart(9)} ${'load'.padStart(5)} ${'eff'.padStart(5)}`,
    ...s.agents.map(
      (a) =>
        `${a.agentId.slice(0, 20).padEnd(20)} ${a.state.padEnd(5)} ${String(a.tasksCompleted).padStart(6)} ${String(a.tasksFailed).padStart(5)} ${fmt(a.serviceMs.p50).padStart(9)} ${fmt(a.serviceMs.p95).padStart(9)} ${fmt(a.serviceMs.p99).padStart(9)} ${fmt(a.load, 2).padStart(5)} ${fmt(a.efficiency, 2).padStart(5)}`,
    ),
  ]
  if (s.bottlenecks.length > 0)
    lines.push('', 'bottlenecks:', ...s.bottlenecks.map((b) => `  ${b.kind}: ${b.evidence}`))
  if (s.insights.length > 0) lines.push('', 'insights:', ...s.insights.map((i) => `  ${i.kind}: ${i.recommendation}`))
  return `${lines.join('\n')}\n`
}
