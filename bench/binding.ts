/**
 * `npm run bench -- binding [--json] [--seeds 1,2,3]`: how far ahead to bind work (the strategies'
 * `maxQueuedPerSlot`), measured on the simulator's scenarios with the monitor attached, with and without the
 * rebalancer. For each scenario, strategy, rebalancer setting and binding depth: swarm efficiency (makespan lower bound / makespan, mean over the seeds) and
 * p95 response time. The figures behind the default (bind everything: `null`), in README: Strategies.
 */
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { buildPlan } from '../src/sim/plan.js'
import { scenarios } from '../src/sim/scenarios.js'
import { createSimulator } from '../src/sim/simulator.js'
import type { Benchmark } from './index.js'
import { machine, table, versions } from './report.js'

const scenarioNames = ['heavy', 'overload', 'failure', 'churn']
const strategyNames = ['least-loaded', 'performance-based', 'optimal']
const depths: Array<number | null> = [0, 1, 4, null]

interface Result {
  scenario: string
  strategy: string
  rebalance: boolean
  maxQueuedPerSlot: number | null
  efficiency: number
  p95ResponseMs: number
  tasksLost: number
}

function runOnce(
  scenario: string,
  strategy: string,
  rebalance: boolean,
  maxQueuedPerSlot: number | null,
  seed: number,
) {
  const plan = buildPlan(scenarios[scenario], { seed })
  const sim = createSimulator(plan, { heartbeatMs: 1000 })
  const monitor = createSwarmMonitor({ strategy, rebalance, tickMs: 1000, strategyOptions: { maxQueuedPerSlot } })
  const session = monitor.attach(sim, { start: 'immediate' })
  const outcome = sim.run()
  session.dispose()
  return outcome
}

export const binding: Benchmark = {
  name: 'binding',
  summary: 'strategies x rebalancer x binding depth (maxQueuedPerSlot) on the simulator scenarios: efficiency',
  async run({ json, args }) {
    const seedsArg = args[args.indexOf('--seeds') + 1]
    const seeds = args.includes('--seeds') && seedsArg ? seedsArg.split(',').map(Number) : [1, 2, 3]
    const results: Result[] = []
    for (const scenario of scenarioNames)
      for (const strategy of strategyNames)
        for (const rebalance of [true, false])
          for (const maxQueuedPerSlot of depths) {
            let efficiency = 0
            let p95 = 0
            let lost = 0
            for (const seed of seeds) {
              const outcome = runOnce(scenario, strategy, rebalance, maxQueuedPerSlot, seed)
              efficiency += outcome.efficiency
              p95 += outcome.responseMs.p95 ?? 0
              lost += outcome.tasksLost
            }
            results.push({
              scenario,
              strategy,
              rebalance,
              maxQueuedPerSlot,
              efficiency: Math.round((efficiency / seeds.length) * 1000) / 1000,
              p95ResponseMs: Math.round(p95 / seeds.length),
              tasksLost: lost,
            })
          }
    if (!json) {
      process.stdout.write(
        table(
          results.map((r) => ({
            scenario: r.scenario,
            strategy: r.strategy,
            rebalancer: r.rebalance ? 'on' : 'off',
            maxQueuedPerSlot: r.maxQueuedPerSlot === null ? 'null (all)' : String(r.maxQueuedPerSlot),
            efficiency: r.efficiency,
            'p95 response ms': r.p95ResponseMs,
            lost: r.tasksLost,
          })),
        ),
      )
      process.stdout.write(`seeds ${seeds.join(',')}; ${JSON.stringify(machine())}\n${JSON.stringify(versions([]))}\n`)
    }
    return { seeds, results, machine: machine(), versions: versions([]) }
  },
}
