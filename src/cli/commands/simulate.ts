import { parseArgs } from 'node:util'
import { ConfigError } from '../../model/errors.js'
import { formatTable, summarizeRun } from '../../sim/compare-strategies.js'
import { runScenario } from '../../sim/run-scenario.js'
import { scenarioNames } from '../../sim/scenarios.js'
import { strategyNames } from '../../strategies/config.js'
import { type CliCommand, usageError } from '../command.js'

const usage = `Usage: swarm-perf simulate --scenario <name> --strategy <name> [--seed N] [--place-every-ms N] [--json]
       [--no-rebalancer]

Run a named scenario on the seeded swarm simulator with the monitor attached (it places every task through the
simulated host's apply()), in virtual time, and print what was measured:
{ "scenario", "strategy", "seed", "efficiency", "makespanMs", "lowerBoundMs", "responseMs": {p50, p95, p99},
  "throughputPerMin", "tasksCompleted", "tasksLost", "tasksDuplicated", "reassignments" }
efficiency = lowerBoundMs / makespanMs (README: Simulator).

Options:
  --scenario <name>   ${scenarioNames.join(', ')}
  --strategy <name>   ${strategyNames.join(', ')} (default optimal)
  --seed N            default: the scenario's own seed
  --place-every-ms N  also place between ticks, every N ms of event time (the monitor's placeEveryMs;
                      default: at ticks only)
  --no-rebalancer     place only; never move queued tasks
  --json              print the JSON object (default: a table)

Exit codes: 0 every task completed once; 1 tasks lost or done twice; 2 bad usage.
`

/** Parse a non-negative integer seed, or null. */
export function parseSeed(text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined
  return /^\d+$/.test(text) && Number(text) <= 0xffffffff ? Number(text) : null
}

/**
 * The run options simulate and compare share: `--seed` and `--place-every-ms` (a positive number of ms), each
 * undefined when not given; or what is wrong with them.
 */
export function parseRunOptions(values: {
  seed?: string
  'place-every-ms'?: string
}): { seed?: number; placeEveryMs?: number } | { error: string } {
  const seed = parseSeed(values.seed)
  if (seed === null) return { error: `--seed must be a non-negative integer, got '${values.seed}'` }
  const every = values['place-every-ms']
  const placeEveryMs = every === undefined ? undefined : Number(every)
  if (placeEveryMs !== undefined && !(every?.trim() !== '' && Number.isFinite(placeEveryMs) && placeEveryMs > 0))
    return { error: `--place-every-ms must be a positive number of ms, got '${every}'` }
  return { seed, placeEveryMs }
}

export const simulate: CliCommand = {
  name: 'simulate',
  summary: 'run a named scenario on the swarm simulator with the monitor attached and print the measured figures',
  usage,
  async run(argv, io) {
    let values: {
      scenario?: string
      strategy?: string
      seed?: string
      'place-every-ms'?: string
      json?: boolean
      'no-rebalancer'?: boolean
    }
    try {
      values = parseArgs({
        args: argv,
        options: {
          scenario: { type: 'string' },
          strategy: { type: 'string', default: 'optimal' },
          seed: { type: 'string' },
          'place-every-ms': { type: 'string' },
          json: { type: 'boolean', default: false },
          'no-rebalancer': { type: 'boolean', default: false },
        },
      }).values
    } catch (error) {
      return usageError(io, 'simulate', (error as Error).message, usage)
    }
    if (!values.scenario) return usageError(io, 'simulate', 'missing --scenario', usage)
    if (!scenarioNames.includes(values.scenario))
      return usageError(
        io,
        'simulate',
        `unknown scenario '${values.scenario}'; expected one of ${scenarioNames.join(', ')}`,
        usage,
      )
    const strategy = values.strategy ?? 'optimal'
    if (!(strategyNames as readonly string[]).includes(strategy))
      return usageError(
        io,
        'simulate',
        `unknown strategy '${strategy}'; expected one of ${strategyNames.join(', ')}`,
        usage,
      )
    const run = parseRunOptions(values)
    if ('error' in run) return usageError(io, 'simulate', run.error, usage)
    const { seed, placeEveryMs } = run
    let summary: ReturnType<typeof summarizeRun>
    try {
      summary = summarizeRun(
        runScenario({ scenario: values.scenario, strategy, rebalance: !values['no-rebalancer'], seed, placeEveryMs }),
      )
    } catch (error) {
      if (error instanceof ConfigError) return usageError(io, 'simulate', error.message, usage)
      throw error
    }
    if (values.json) io.out(`${JSON.stringify(summary, null, 2)}\n`)
    else {
      const { responseMs, ...rest } = summary
      io.out(
        formatTable(
          Object.entries({
            ...rest,
            rebalancer: !values['no-rebalancer'],
            p50Ms: responseMs.p50,
            p95Ms: responseMs.p95,
            p99Ms: responseMs.p99,
          }).map(([figure, value]) => ({ figure, value: typeof value === 'number' ? value : String(value) })),
        ),
      )
    }
    return summary.tasksLost === 0 && summary.tasksDuplicated === 0 ? 0 : 1
  },
}
