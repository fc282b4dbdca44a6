import { parseArgs } from 'node:util'
import { NEVER } from 'rxjs'
import { agentLabelModes, type ExportOptionsInput } from '../../exporters/config.js'
import { exporters, exportFormats, isExportFormat } from '../../exporters/index.js'
import type { SwarmError } from '../../model/errors.js'
import { ConfigError } from '../../model/errors.js'
import type { SwarmSnapshot } from '../../model/snapshot.js'
import { createSwarmMonitor } from '../../monitor/create-swarm-monitor.js'
import { replayJsonl, UnreadableLogError } from '../../monitor/replay.js'
import { type CliCommand, usageError } from '../command.js'

const usage = `Usage: swarm-perf export --format ${exportFormats.join('|')} [events.jsonl | -] [options]

Replays a recorded log (one SwarmEvent per line; '-' or no file reads stdin) through the monitor and writes the
final snapshot to stdout in the format: Prometheus text 0.0.4, OpenMetrics 1.0, JSON, CSV (one row per agent) or
a Grafana dashboard for the Prometheus metrics (no log needed). Lines the monitor rejects are listed on stderr
with their line numbers.

Options:
  --format <name>            ${exportFormats.join(', ')} (required)
  --agent-label <mode>       per-agent series labelled by ${agentLabelModes.join(', ')} (default id)
  --max-agent-series <n>     cap on agent label values; the rest are summed into "__other__" (default 500)
  --agent-quantiles          also per-agent service-time quantiles (Prometheus, OpenMetrics)

Exit: 0 written, 2 bad usage or unreadable file.
`

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'replay a JSONL event log and write Prometheus, OpenMetrics, JSON, CSV or a Grafana dashboard',
  usage,
  async run(argv, io) {
    let args: ReturnType<typeof parse>
    try {
      args = parse(argv)
    } catch (error) {
      return usageError(io, 'export', error instanceof Error ? error.message : String(error), usage)
    }
    const format = args.values.format
    if (!isExportFormat(format))
      return usageError(io, 'export', format ? `unknown format '${format}'` : 'give --format', usage)
    if (args.positionals.length > 1) return usageError(io, 'export', 'give at most one events file', usage)
    let options: ExportOptionsInput
    try {
      options = exportOptionsFromArgs(args.values)
    } catch (error) {
      return usageError(io, 'export', error instanceof Error ? error.message : String(error), usage)
    }
    const path = args.positionals[0]
    const readStdin = path === '-' || (path === undefined && !process.stdin.isTTY && format !== 'grafana')
    if (path === undefined && !readStdin && format !== 'grafana')
      return usageError(io, 'export', 'give an events file or pipe one in', usage)

    let snapshot: SwarmSnapshot
    try {
      const replay =
        path && path !== '-' ? await replayJsonl(path) : readStdin ? await replayJsonl(process.stdin) : emptyReplay()
      snapshot = replay.snapshot
      for (const e of replay.errors)
        io.err(`swarm-perf export: ${e.code}${e.line ? ` (line ${e.line})` : ''}: ${e.message}\n`)
    } catch (error) {
      if (error instanceof UnreadableLogError) {
        io.err(`swarm-perf export: ${error.message}\n`)
        return 2
      }
      throw error
    }
    try {
      io.out(exporters[format].render(snapshot, options))
    } catch (error) {
      if (error instanceof ConfigError) return usageError(io, 'export', error.message, usage)
      throw error
    }
    return 0
  },
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      'agent-label': { type: 'string' },
      'max-agent-series': { type: 'string' },
      'agent-quantiles': { type: 'boolean' },
    },
  })
}

/** A flag's whole number, or NaN (for an empty string too: Number('') is 0). */
export function wholeNumber(text: string): number {
  const n = text.trim() === '' ? Number.NaN : Number(text)
  return Number.isInteger(n) ? n : Number.NaN
}

/** The exporter options the flags ask for; validated by the exporter's own schema when it renders. */
export function exportOptionsFromArgs(values: {
  'agent-label'?: string
  'max-agent-series'?: string
  'agent-quantiles'?: boolean
}): ExportOptionsInput {
  const options: Record<string, unknown> = {}
  if (values['agent-label'] !== undefined) options.agentLabel = values['agent-label']
  if (values['max-agent-series'] !== undefined) {
    const n = wholeNumber(values['max-agent-series'])
    if (!(n >= 0)) throw new Error('--max-agent-series must be a whole number >= 0')
    options.maxAgentSeries = n
  }
  if (values['agent-quantiles']) options.agentQuantiles = true
  return options as ExportOptionsInput
}

/** A snapshot of a monitor that saw nothing: what a Grafana dashboard needs (the window length). */
function emptyReplay(): { snapshot: SwarmSnapshot; errors: SwarmError[] } {
  const session = createSwarmMonitor({ resources: { sampleEveryMs: 0 } }).connect(NEVER, { start: 'immediate' })
  const snapshot = session.snapshot()
  session.dispose()
  return { snapshot, errors: [] }
}
