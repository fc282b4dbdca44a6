import { parseArgs } from 'node:util'
import { compareStrategies, comparisonTableRows, formatTable } from '../../sim/compare-strategies.js'
import { scenarioNames } from '../../sim/scenarios.js'
import { type CliCommand, usageError } from '../command.js'
import { parseRunOptions } from './simulate.js'

const usage = `Usage: swarm-perf compare --scenario <name> [--seed N] [--place-every-ms N] [--json]

Run every placement strategy, with and without the rebalancer, on the same scenario and seed (the simulator with
the monitor attached, virtual time) and print one table: efficiency (lower bound / makespan), makespan, response
time percentiles, throughput, tasks completed, lost and done twice, and reassignments.

Options:
  --scenario <name>   ${scenarioNames.join(', ')}
  --seed N            default: the scenario's own seed
  --place-every-ms N  also place between ticks, every N ms of event time (default: at ticks only)
  --json              print { "scenario", "seed", "lowerBoundMs", "runs": [ simulate's fields + "rebalancer" ] }

Exit codes: 0 no run lost or duplicated a task; 1 some did; 2 bad usage.
`

export const compare: CliCommand = {
  name: 'compare',
  summary: 'run every strategy with and without the rebalancer on one scenario and seed; print one table',
  usage,
  async run(argv, io) {
    let values: { scenario?: string; seed?: string; 'place-every-ms'?: string; json?: boolean }
    try {
      values = parseArgs({
        args: argv,
        options: {
          scenario: { type: 'string' },
          seed: { type: 'string' },
          'place-every-ms': { type: 'string' },
          json: { type: 'boolean', default: false },
        },
      }).values
    } catch (error) {
      return usageError(io, 'compare', (error as Error).message, usage)
    }
    if (!values.scenario) return usageError(io, 'compare', 'missing --scenario', usage)
    if (!scenarioNames.includes(values.scenario))
      return usageError(
        io,
        'compare',
        `unknown scenario '${values.scenario}'; expected one of ${scenarioNames.join(', ')}`,
        usage,
      )
    const run = parseRunOptions(values)
    if ('error' in run) return usageError(io, 'compare', run.error, usage)
    const rows = compareStrategies({ scenario: values.scenario, seed: run.seed, placeEveryMs: run.placeEveryMs })
    const clean = rows.every((r) => r.tasksLost === 0 && r.tasksDuplicated === 0)
    if (values.json) {
      const runs = rows.map(({ wallMs: _wallMs, ...r }) => r)
      io.out(
        `${JSON.stringify({ scenario: values.scenario, seed: rows[0].seed, lowerBoundMs: rows[0].lowerBoundMs, runs }, null, 2)}\n`,
      )
      return clean ? 0 : 1
    }
    io.out(
      `scenario ${values.scenario}, seed ${rows[0].seed}, lower bound on the makespan ${Math.round(rows[0].lowerBoundMs)} ms\n\n`,
    )
    io.out(formatTable(comparisonTableRows(rows)))
    return clean ? 0 : 1
  },
}
