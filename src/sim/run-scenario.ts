import type { SwarmError } from '../model/errors.js'
import { ConfigError } from '../model/errors.js'
import type { SwarmSession } from '../model/session.js'
import type { SwarmSnapshot } from '../model/snapshot.js'
import { createSwarmMonitor } from '../monitor/create-swarm-monitor.js'
import type { SimulationOutcome } from './outcome.js'
import { buildPlan } from './plan.js'
import type { ScenarioInput } from './scenario-schema.js'
import { scenarioNames, scenarios } from './scenarios.js'
import { createSimulator, type SimulatedSwarm } from './simulator.js'

export interface RunScenarioOptions {
  /** A named scenario or a scenario object. */
  scenario: string | ScenarioInput
  /** Placement strategy name (default 'optimal'). */
  strategy?: string
  /** Whether the rebalancer moves queued tasks (default true). */
  rebalance?: boolean
  /** Default: the scenario's own seed. */
  seed?: number
  /** Scale the fleet (and the work with it) to this many agents. */
  agents?: number
  /** The monitor's tick in event time (default 1000). */
  tickMs?: number
  /** The monitor's placement interval between ticks (default null: at ticks only). */
  placeEveryMs?: number | null
}

export interface ScenarioRun {
  outcome: SimulationOutcome
  strategy: string
  rebalance: boolean
  /** The session's last snapshot. */
  snapshot: SwarmSnapshot | null
  /** Everything the session reported on errors$ (a clean run has none). */
  errors: SwarmError[]
  /** Wall-clock ms the run took, monitor included. */
  wallMs: number
}

export function resolveScenario(scenario: string | ScenarioInput): ScenarioInput {
  if (typeof scenario !== 'string') return scenario
  const found = Object.hasOwn(scenarios, scenario) ? scenarios[scenario] : undefined
  if (!found)
    throw new ConfigError('invalid scenario', [
      { path: 'scenario', message: `unknown scenario '${scenario}'; expected one of ${scenarioNames.join(', ')}` },
    ])
  return found
}

/** A simulator for the options, with the monitor attached to it as a host (placements only through apply()). */
export function attachMonitor(options: RunScenarioOptions): { sim: SimulatedSwarm; session: SwarmSession } {
  const plan = buildPlan(resolveScenario(options.scenario), { seed: options.seed, agents: options.agents })
  const tickMs = options.tickMs ?? 1000
  const placeEveryMs = options.placeEveryMs ?? null
  // The simulator reports its queue depth as often as the monitor places: event time moves on in quiet spells.
  const sim = createSimulator(plan, { heartbeatMs: Math.min(tickMs, placeEveryMs ?? tickMs) })
  const monitor = createSwarmMonitor({
    strategy: options.strategy ?? 'optimal',
    rebalance: options.rebalance ?? true,
    tickMs,
    placeEveryMs,
    // The simulator's own heartbeat keeps event time moving; wall-clock idle ticks would run ahead of virtual time
    // whenever the demo paces slower than real time.
    idleTicks: false,
    // Room for every agent a run can see (churn adds agents) and events exactly in order.
    capacity: Math.max(4096, plan.agents.length * 2),
  })
  // The simulator emits synchronously once driven: subscribe now, before the first advance.
  const session = monitor.attach(sim, { start: 'immediate' })
  return { sim, session }
}

/** Run a scenario to the end with the monitor attached and return what was measured. Synchronous. */
export function runScenario(options: RunScenarioOptions): ScenarioRun {
  const t0 = performance.now()
  const { sim, session } = attachMonitor(options)
  const errors: SwarmError[] = []
  let snapshot: SwarmSnapshot | null = null
  session.errors$.subscribe((e) => errors.push(e))
  session.snapshots$.subscribe((s) => {
    snapshot = s
  })
  const outcome = sim.run()
  session.dispose()
  return {
    outcome,
    strategy: options.strategy ?? 'optimal',
    rebalance: options.rebalance ?? true,
    snapshot,
    errors,
    wallMs: performance.now() - t0,
  }
}
