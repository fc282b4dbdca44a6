import { parseArgs } from 'node:util'
import { asyncScheduler, concatMap, defer, NEVER, type Observable, of, type SchedulerLike, timer } from 'rxjs'
import { map } from 'rxjs/operators'
import { agentLabelModes } from '../../exporters/config.js'
import { fromJsonl } from '../../hosts/from-jsonl.js'
import { ConfigError } from '../../model/errors.js'
import type { HostAdapter } from '../../model/host-adapter.js'
import { createSwarmMonitor } from '../../monitor/create-swarm-monitor.js'
import { checkLog } from '../../monitor/replay.js'
import { type SwarmServer, startSwarmServer } from '../../server/swarm-server.js'
import { type CliCommand, usageError } from '../command.js'
import { exportOptionsFromArgs, wholeNumber } from './export.js'

const usage = `Usage: swarm-perf serve [events.jsonl | -] [options]

Monitors a recorded log (or stdin with '-'; with no log the monitor waits, empty) and serves, until Ctrl-C:
  /                  the dashboard page (live charts, agent table, bottlenecks, insights, alerts)
  /metrics           Prometheus text 0.0.4, or OpenMetrics when the scraper asks for it
  /api/snapshot      the latest snapshot as JSON;  /api/agents/<id>  one agent
  /api/export?format=prometheus|openmetrics|json|csv|grafana
  /api/events        Server-Sent Events: snapshot, alert, insight, reassignment, end

Options:
  --port <n>                 port (default 9464; 0 picks a free one)
  --host <addr>              address to bind (default 127.0.0.1; 0.0.0.0 exposes it to the network)
  --token <secret>           require "Authorization: Bearer <secret>" on data endpoints (or set SWARM_PERF_TOKEN)
  --speed <x>                replay the log at x times its event-time pace (default: as fast as it reads)
  --agent-label <mode>       per-agent series labelled by ${agentLabelModes.join(', ')} (default id)
  --max-agent-series <n>     cap on agent label values (default 500)
  --agent-quantiles          also per-agent service-time quantiles on /metrics

Exit: 0 after Ctrl-C, 1 when the port cannot be bound, 2 bad usage or unreadable file.
`

export const serve: CliCommand = {
  name: 'serve',
  summary: 'serve /metrics, the JSON API, live events and the dashboard page for an event log',
  usage,
  async run(argv, io) {
    let args: ReturnType<typeof parse>
    try {
      args = parse(argv)
    } catch (error) {
      return usageError(io, 'serve', error instanceof Error ? error.message : String(error), usage)
    }
    const v = args.values
    if (args.positionals.length > 1) return usageError(io, 'serve', 'give at most one events file', usage)
    const port = v.port === undefined ? 9464 : wholeNumber(v.port)
    if (!(port >= 0 && port <= 65_535)) return usageError(io, 'serve', '--port must be a whole number 0..65535', usage)
    const speed = v.speed === undefined ? null : Number(v.speed)
    if (speed !== null && !(speed > 0)) return usageError(io, 'serve', '--speed must be a number > 0', usage)
    let exportOptions: ReturnType<typeof exportOptionsFromArgs>
    try {
      exportOptions = exportOptionsFromArgs(v)
    } catch (error) {
      return usageError(io, 'serve', error instanceof Error ? error.message : String(error), usage)
    }

    const path = args.positionals[0]
    if (path && path !== '-') {
      try {
        await checkLog(path)
      } catch (error) {
        io.err(`swarm-perf serve: ${error instanceof Error ? error.message : String(error)}\n`)
        return 2
      }
    }
    const source: HostAdapter | null = path ? fromJsonl(path === '-' ? process.stdin : path) : null
    const monitor = createSwarmMonitor({ resources: { sampleEveryMs: 0 } })
    const events$ = source ? (speed ? paceByEventTime(source.events$, speed) : source.events$) : NEVER
    // Paced at event-time speed the log stands in for a live host, so quiet stretches tick as a live one's would.
    const session = source ? monitor.attach({ ...source, events$, recorded: !speed }) : monitor.connect(NEVER)
    const errors = session.errors$.subscribe((e) =>
      io.err(`swarm-perf serve: ${e.code}${e.line ? ` (line ${e.line})` : ''}: ${e.message}\n`),
    )

    let server: SwarmServer
    try {
      server = await startSwarmServer(session, {
        port,
        host: v.host ?? '127.0.0.1',
        token: v.token ?? process.env.SWARM_PERF_TOKEN,
        export: exportOptions,
      })
    } catch (error) {
      errors.unsubscribe()
      session.dispose()
      if (error instanceof ConfigError) return usageError(io, 'serve', error.message, usage)
      io.err(`swarm-perf serve: cannot listen: ${error instanceof Error ? error.message : String(error)}\n`)
      return 1
    }
    io.out(`swarm-perf: dashboard ${server.url}/  metrics ${server.url}/metrics  (Ctrl-C stops)\n`)
    if (!io.signal.aborted) await new Promise<void>((resolve) => io.signal.addEventListener('abort', () => resolve()))
    await server.close()
    errors.unsubscribe()
    session.dispose()
    return 0
  },
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string' },
      speed: { type: 'string' },
      'agent-label': { type: 'string' },
      'max-agent-series': { type: 'string' },
      'agent-quantiles': { type: 'boolean' },
    },
  })
}

/** Emits each event when its `ts`, relative to the first event's and divided by `speed`, has passed in wall time. */
export function paceByEventTime(
  events$: Observable<unknown>,
  speed: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<unknown> {
  return defer(() => {
    let first: number | null = null
    const startedAt = scheduler.now()
    return events$.pipe(
      concatMap((event) => {
        const ts = (event as { ts?: unknown } | null)?.ts
        if (typeof ts !== 'number') return of(event)
        first ??= ts
        const due = startedAt + (ts - first) / speed - scheduler.now()
        return due > 0 ? timer(due, scheduler).pipe(map(() => event)) : of(event)
      }),
    )
  })
}
