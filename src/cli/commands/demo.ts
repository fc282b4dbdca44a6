import { parseArgs } from 'node:util'
import { runDemo } from '../../sim/demo.js'
import { scenarioNames } from '../../sim/scenarios.js'
import { terminalSize } from '../../sim/terminal-view.js'
import { strategyNames } from '../../strategies/config.js'
import { type CliCommand, usageError } from '../command.js'
import { parseSeed } from './simulate.js'

const usage = `Usage: swarm-perf demo [--scenario <name>] [--agents N] [--duration S] [--strategy <name>] [--no-ui]
                       [--seed N] [--no-rebalancer] [--port N] [--no-server]

The main job (npm start): a simulated swarm in real time with the monitor attached. A live terminal view shows
progress, each agent's service-time percentiles and efficiency, alerts and task moves as they happen; the dashboard
and /metrics are served on 127.0.0.1 (the URL is printed). At the end, or on Ctrl-C, it prints the report and the
comparison with and without optimisation (round-robin without the rebalancer vs optimal with it).

Options:
  --scenario <name>   ${scenarioNames.join(', ')} (default failure)
  --agents N          scale the fleet (and the work with it) to N agents
  --duration S        wall-clock seconds the live run takes (default 30); the time scale follows from it
  --strategy <name>   ${strategyNames.join(', ')} (default optimal)
  --no-ui             plain log lines instead of the live view (the default when stdout is not a terminal)
  --seed N            default: the scenario's own seed
  --no-rebalancer     place only; never move queued tasks
  --port N            dashboard port on 127.0.0.1 (default 9464; a free one when taken)
  --no-server         do not serve the dashboard

Exit codes: 0 no task lost or done twice; 1 otherwise; 2 bad usage.
`

export const demo: CliCommand = {
  name: 'demo',
  summary: 'the main job: a simulated swarm in real time with the monitor, live view, dashboard and final report',
  usage,
  async run(argv, io) {
    let values: Record<string, string | boolean | undefined>
    try {
      values = parseArgs({
        args: argv,
        options: {
          scenario: { type: 'string', default: 'failure' },
          agents: { type: 'string' },
          duration: { type: 'string', default: '30' },
          strategy: { type: 'string', default: 'optimal' },
          'no-ui': { type: 'boolean', default: false },
          seed: { type: 'string' },
          'no-rebalancer': { type: 'boolean', default: false },
          port: { type: 'string', default: '9464' },
          'no-server': { type: 'boolean', default: false },
        },
      }).values
    } catch (error) {
      return usageError(io, 'demo', (error as Error).message, usage)
    }
    const scenario = values.scenario as string
    const strategy = values.strategy as string
    if (!scenarioNames.includes(scenario))
      return usageError(
        io,
        'demo',
        `unknown scenario '${scenario}'; expected one of ${scenarioNames.join(', ')}`,
        usage,
      )
    if (!(strategyNames as readonly string[]).includes(strategy))
      return usageError(
        io,
        'demo',
        `unknown strategy '${strategy}'; expected one of ${strategyNames.join(', ')}`,
        usage,
      )
    const duration = Number(values.duration)
    if (!(duration > 0 && Number.isFinite(duration)))
      return usageError(io, 'demo', `--duration must be a positive number of seconds, got '${values.duration}'`, usage)
    let agents: number | undefined
    if (values.agents !== undefined) {
      agents = Number(values.agents)
      if (!Number.isInteger(agents) || agents < 1 || agents > 100_000)
        return usageError(io, 'demo', `--agents must be an integer from 1 to 100000, got '${values.agents}'`, usage)
    }
    const seed = parseSeed(values.seed as string | undefined)
    if (seed === null)
      return usageError(io, 'demo', `--seed must be a non-negative integer, got '${values.seed}'`, usage)
    const port = Number(values.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      return usageError(io, 'demo', `--port must be an integer from 0 to 65535, got '${values.port}'`, usage)

    const ui = !values['no-ui'] && process.stdout.isTTY === true
    const result = await runDemo({
      scenario,
      strategy,
      rebalance: !values['no-rebalancer'],
      seed,
      agents,
      durationMs: duration * 1000,
      ui,
      port: values['no-server'] ? null : port,
      out: io.out,
      signal: io.signal,
      size: () => terminalSize(process.stdout),
    })
    return result.outcome.tasksLost === 0 && result.outcome.tasksDuplicated === 0 ? 0 : 1
  },
}
