/**
 * `npm run bench -- binding [--json] [--seeds 1,2,3]`: how far ahead to bind work, measured on the simulator's
 * scenarios with the monitor attached: the strategies' `maxQueuedPerSlot`, optimal binding everything at once
 * (`bindAheadMs: null`) or just in time (the default, 250), with and without the rebalancer, placing at ticks only
 * (the default) or every 100 ms between them (`placeEveryMs`). For each combination: swarm efficiency (makespan
 * lower bound / makespan, mean over the seeds) and p95 response time. The figures behind the defaults, in README:
 * Strategies.
 */
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { buildPlan } from '../src/sim/plan.js'
import { scenarios } from '../src/sim/scenarios.js'
import { createSimulator } from '../src/sim/simulator.js'
import type { Benchmark } from './index.js'
import { machine, table, versions } from './report.js'

const scenarioNames = ['heavy', 'overload', 'failure', 'churn']
/** Strategy name, and optimal's bindAheadMs (null: bind everything at once). */
const strategies: Array<{ label: string; name: string; bindAheadMs?: number | null }> = [
  { label: 'least-loaded', name: 'least-loaded' },
  { label: 'performance-based', name: 'performance-based' },
  { label: 'optimal, all at once', name: 'optimal', bindAheadMs: null },
  { label: 'optimal, just in time', name: 'optimal', bindAheadMs: 250 },
]
const depths: Array<number | null> = [0, 1, 4, null]
const placements: Array<number | null> = [null, 100]

interface Result {
  scenario: string
  strategy: string
  rebalance: boolean
  maxQueuedPerSlot: number | null
  placeEveryMs: number | null
  efficiency: number
  p95ResponseMs: number
  tasksLost: number
}

function runOnce(
  scenario: string,
  strategy: (typeof strategies)[number],
  rebalance: boolean,
  maxQueuedPerSlot: number | null,
  placeEveryMs: number | null,
  seed: number,
) {
  const plan = buildPlan(scenarios[scenario], { seed })
  const sim = createSimulator(plan, { heartbeatMs: placeEveryMs ?? 1000 })
  const monitor = createSwarmMonitor({
    strategy: strategy.name,
    rebalance,
    tickMs: 1000,
    placeEveryMs,
    strategyOptions: {
      maxQueuedPerSlot,
      ...(strategy.bindAheadMs !== undefined ? { bindAheadMs: strategy.bindAheadMs } : {}),
    },
  })
  const session = monitor.attach(sim, { start: 'immediate' })
  const outcome = sim.run()
  session.dispose()
  return outcome
}

export const binding: Benchmark = {
  name: 'binding',
  summary:
    'strategies x rebalancer x binding (maxQueuedPerSlot, bindAheadMs) x placeEveryMs on the scenarios: efficiency',
  async run({ json, args }) {
    const seedsArg = args[args.indexOf('--seeds') + 1]
    const seeds = args.includes('--seeds') && seedsArg ? seedsArg.split(',').map(Number) : [1, 2, 3]
    const results: Result[] = []
    for (const scenario of scenarioNames)
      for (const placeEveryMs of placements)
        for (const strategy of strategies)
          for (const rebalance of [true, false])
            for (const maxQueuedPerSlot of depths) {
              let efficiency = 0
              let p95 = 0
              let lost = 0
              for (const seed of seeds) {
                const outcome = runOnce(scenario, strategy, rebalance, maxQueuedPerSlot, placeEveryMs, seed)
                efficiency += outcome.efficiency
                p95 += outcome.responseMs.p95 ?? 0
                lost += outcome.tasksLost
              }
              results.push({
                scenario,
                strategy: strategy.label,
                rebalance,
                maxQueuedPerSlot,
                placeEveryMs,
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
            placeEveryMs: r.placeEveryMs === null ? 'ticks' : String(r.placeEveryMs),
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
