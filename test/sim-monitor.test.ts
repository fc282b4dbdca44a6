import { describe, expect, it } from 'vitest'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { compareStrategies } from '../src/sim/compare-strategies.js'
import { buildPlan } from '../src/sim/plan.js'
import { attachMonitor, runScenario } from '../src/sim/run-scenario.js'
import { scenarios } from '../src/sim/scenarios.js'
import { createSimulator } from '../src/sim/simulator.js'
import { strategyNames } from '../src/strategies/config.js'

/** The simulator with the real monitor attached: every placement comes from the monitor's strategy via apply(). */
describe('the simulator with the monitor attached', () => {
  it.each(['light', 'medium', 'heavy', 'overload', 'failure', 'churn'])(
    'completes every task of %s exactly once, with no error from the monitor',
    (scenario) => {
      const run = runScenario({ scenario, strategy: 'optimal', rebalance: true })
      expect(run.outcome).toMatchObject({ finished: true, tasksLost: 0, tasksDuplicated: 0, timedOut: false })
      expect(run.outcome.tasksCompleted + run.outcome.tasksGivenUp).toBe(run.outcome.tasksTotal)
      expect(run.errors.filter((e) => e.code !== 'REASSIGNMENT_REFUSED')).toEqual([])
      expect(run.snapshot?.swarm.tasksCompleted).toBe(run.outcome.tasksCompleted)
    },
  )

  it.each(['failure', 'churn'])(
    'loses and doubles nothing in %s under every strategy, with and without the rebalancer',
    (scenario) => {
      const rows = compareStrategies({ scenario })
      expect(rows).toHaveLength(strategyNames.length * 2)
      for (const row of rows) {
        expect({
          strategy: row.strategy,
          rebalancer: row.rebalancer,
          lost: row.tasksLost,
          dup: row.tasksDuplicated,
        }).toEqual({
          strategy: row.strategy,
          rebalancer: row.rebalancer,
          lost: 0,
          dup: 0,
        })
      }
    },
  )

  it('places nothing but through apply(): every assignment follows a reassignment the monitor emitted', () => {
    const { sim, session } = attachMonitor({ scenario: 'failure', strategy: 'optimal', rebalance: true })
    const decided: string[] = []
    session.reassignments$.subscribe((r) => decided.push(`${r.taskId}>${r.toAgentId}`))
    const events: SwarmEvent[] = []
    sim.events$.subscribe((e) => events.push(e))
    const outcome = sim.run()
    session.dispose()
    const applied = events.filter((e) => e.type === 'reassignment:applied').map((e) => `${e.taskId}>${e.toAgentId}`)
    const refused = events.filter((e) => e.type === 'reassignment:refused')
    expect(applied.length + refused.length).toBe(decided.length)
    expect(new Set(applied).size).toBeLessThanOrEqual(decided.length)
    for (const a of applied) expect(decided).toContain(a)
    // Every task:assigned is preceded by its reassignment:applied.
    let pendingApplied = 0
    for (const e of events) {
      if (e.type === 'reassignment:applied') pendingApplied++
      if (e.type === 'task:assigned') expect(pendingApplied--).toBeGreaterThan(0)
    }
    // Crashes restart running tasks from scratch and the monitor places them again.
    expect(outcome.restarts).toBeGreaterThan(0)
    expect(outcome.reassignments).toBeGreaterThan(0)
  })

  it('is deterministic with the monitor: the same seed gives identical figures, another seed does not', () => {
    const a = runScenario({ scenario: 'churn', strategy: 'performance-based', seed: 3 }).outcome
    const b = runScenario({ scenario: 'churn', strategy: 'performance-based', seed: 3 }).outcome
    const c = runScenario({ scenario: 'churn', strategy: 'performance-based', seed: 4 }).outcome
    expect(b).toEqual(a)
    expect(c.makespanMs).not.toBe(a.makespanMs)
  })

  it('keeps the monitor ticking while the swarm waits for placements (the heartbeat)', () => {
    // A burst at t=0 and nothing else: without heartbeats the monitor's event-time clock never reaches its first
    // tick, so nothing is ever placed; with them every task completes.
    const run = (heartbeatMs: number) => {
      const sim = createSimulator(buildPlan(scenarios.heavy), { heartbeatMs, maxDurationMs: 120_000 })
      const session = createSwarmMonitor({ strategy: 'optimal', idleTicks: false }).attach(sim, { start: 'immediate' })
      const outcome = sim.run()
      session.dispose()
      return outcome
    }
    expect(run(1_000_000)).toMatchObject({ finished: false, timedOut: true, tasksCompleted: 0, tasksLost: 50 })
    expect(run(1000)).toMatchObject({ finished: true, tasksCompleted: 50, tasksLost: 0 })
    const ticking = runScenario({ scenario: 'heavy', strategy: 'round-robin', rebalance: false, tickMs: 250 })
    // A snapshot at least every tick until the end: the monitor's clock never stopped.
    expect(ticking.snapshot!.seq).toBeGreaterThanOrEqual(Math.floor(ticking.outcome.makespanMs / 250) - 1)
  })
})
