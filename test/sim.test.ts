import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Reassignment } from '../src/model/reassignment.js'
import { type SwarmEvent, swarmEventSchema } from '../src/model/swarm-event.js'
import { boundedPareto, sampleSize } from '../src/sim/distributions.js'
import { makespanLowerBound } from '../src/sim/makespan-lower-bound.js'
import { buildPlan, type SimulationPlan } from '../src/sim/plan.js'
import { createRng } from '../src/sim/rng.js'
import type { ScenarioInput } from '../src/sim/scenario-schema.js'
import { scenarioNames, scenarios } from '../src/sim/scenarios.js'
import { createSimulator, type SimulatedSwarm } from '../src/sim/simulator.js'

/**
 * A minimal stand-in for the monitor: it tracks live agents and waiting tasks from the events alone and, on every
 * heartbeat, places each waiting task on the capable live agent with the fewest tasks, through `apply` only.
 * It calls apply re-entrantly, from inside its event handler, exactly as the monitor does.
 */
function attachPlacer(sim: SimulatedSwarm) {
  const live = new Map<string, { capabilities: string[]; tasks: number }>()
  const queued = new Map<string, { taskId: string; requiredCapabilities: string[] }>()
  const pool: string[] = []
  const at = new Map<string, string>()
  const events: SwarmEvent[] = []
  sim.events$.subscribe((e) => {
    events.push(e)
    switch (e.type) {
      case 'agent:joined':
        live.set(e.agentId, { capabilities: e.capabilities ?? [], tasks: 0 })
        break
      case 'agent:left':
        live.delete(e.agentId)
        for (const [taskId, agentId] of at) {
          if (agentId !== e.agentId) continue
          at.delete(taskId)
          pool.push(taskId)
        }
        break
      case 'task:queued':
        queued.set(e.taskId, { taskId: e.taskId, requiredCapabilities: e.requiredCapabilities ?? [] })
        pool.push(e.taskId)
        break
      case 'task:assigned': {
        at.set(e.taskId, e.agentId)
        const agent = live.get(e.agentId)
        if (agent) agent.tasks++
        break
      }
      case 'task:completed':
      case 'task:failed': {
        at.delete(e.taskId)
        const agent = live.get(e.agentId)
        if (agent) agent.tasks--
        break
      }
      case 'queue:depth': {
        const waiting = pool.splice(0)
        for (const taskId of waiting) {
          const task = queued.get(taskId)!
          let best: string | null = null
          for (const [agentId, agent] of live) {
            if (!task.requiredCapabilities.every((c) => agent.capabilities.includes(c))) continue
            if (best === null || agent.tasks < live.get(best)!.tasks) best = agentId
          }
          if (best === null) pool.push(taskId)
          else {
            live.get(best)!.tasks++
            sim.apply({ taskId, toAgentId: best, reason: 'place', expectedGainMs: 0, at: e.ts })
          }
        }
        break
      }
    }
  })
  return events
}

const place = (taskId: string, toAgentId: string, fromAgentId?: string): Reassignment => ({
  taskId,
  toAgentId,
  ...(fromAgentId ? { fromAgentId } : {}),
  reason: fromAgentId ? 'rebalance' : 'place',
  expectedGainMs: 0,
  at: 0,
})

/** Two agents (fast a-1 with code+web, slow b-1 with code only), tasks given explicitly. */
function tinyScenario(overrides: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: 'tiny',
    description: 'test',
    seed: 7,
    agents: [
      { name: 'a', count: 1, capabilities: ['code', 'web'], defaultSpeed: 2 },
      { name: 'b', count: 1, capabilities: ['code'], defaultSpeed: 1 },
    ],
    kinds: [
      { name: 'code', requiredCapabilities: ['code'], size: { type: 'fixed', ms: 1000 } },
      { name: 'research', requiredCapabilities: ['web'], weight: 0.000001, size: { type: 'fixed', ms: 4000 } },
    ],
    arrivals: [{ type: 'burst', atMs: 0, count: 3 }],
    estimateNoise: 0,
    ...overrides,
  }
}

function record(sim: SimulatedSwarm): SwarmEvent[] {
  const events: SwarmEvent[] = []
  sim.events$.subscribe((e) => events.push(e))
  return events
}

const shape = (e: SwarmEvent) => {
  const { ts: _ts, ...rest } = e
  return rest
}

describe('seeded randomness', () => {
  it('gives the same stream for the same seed and a different one for another seed', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, createRng(seed).next)
    const a = createRng(42)
    const b = createRng(42)
    expect(Array.from({ length: 100 }, () => a.next())).toEqual(Array.from({ length: 100 }, () => b.next()))
    expect(draw(1)).not.toEqual(draw(2))
    expect(createRng(3).fork('x').next()).toBe(createRng(3).fork('x').next())
    expect(createRng(3).fork('x').next()).not.toBe(createRng(3).fork('y').next())
  })

  it('draws bounded Pareto sizes inside their bounds, with a heavy tail', () => {
    const rng = createRng(9)
    const values = Array.from({ length: 20000 }, () => boundedPareto(rng, 1.3, 100, 10000))
    expect(Math.min(...values)).toBeGreaterThanOrEqual(100)
    expect(Math.max(...values)).toBeLessThanOrEqual(10000)
    const sorted = [...values].sort((a, b) => a - b)
    // Median of a Pareto(1.3) from 100 is 100 * 2^(1/1.3) ~ 170; the mean sits far above it.
    expect(sorted[10000]).toBeGreaterThan(150)
    expect(sorted[10000]).toBeLessThan(190)
    const mean = values.reduce((a, b) => a + b, 0) / values.length
    expect(mean).toBeGreaterThan(1.5 * sorted[10000])
    expect(sampleSize(rng, { type: 'lognormal', medianMs: 10, sigma: 3, maxMs: 50 })).toBeLessThanOrEqual(50)
  })
})

describe('scenario plans', () => {
  it('has every named scenario with the agent and task counts of the issue', () => {
    const counts = Object.fromEntries(
      scenarioNames.map((name) => {
        const plan = buildPlan(scenarios[name])
        return [name, [plan.agents.filter((a) => a.joinAtMs === 0).length, plan.tasks.length]]
      }),
    )
    expect(counts).toMatchObject({
      light: [3, 5],
      medium: [5, 20],
      heavy: [8, 50],
      overload: [8, 100],
      large: [1000, 100000],
    })
    expect(scenarioNames).toEqual(expect.arrayContaining(['failure', 'churn']))
  })

  it('uses heterogeneous agents: speeds several-fold apart, capabilities not everywhere', () => {
    const plan = buildPlan(scenarios.heavy)
    const codeSpeeds = plan.agents.flatMap((a) => (a.speeds.code ? [a.speeds.code] : []))
    expect(Math.max(...codeSpeeds) / Math.min(...codeSpeeds)).toBeGreaterThanOrEqual(4)
    for (const kind of ['code', 'test', 'research', 'review'])
      expect(plan.agents.filter((a) => a.speeds[kind] === undefined).length).toBeGreaterThan(0)
  })

  it('builds the same plan for the same seed and another for another seed', () => {
    expect(buildPlan(scenarios.churn, { seed: 5 })).toEqual(buildPlan(scenarios.churn, { seed: 5 }))
    expect(buildPlan(scenarios.churn, { seed: 5 }).tasks).not.toEqual(buildPlan(scenarios.churn, { seed: 6 }).tasks)
  })

  it('makes agents leave and join in the churn scenario, and crash and slow down in the failure scenario', () => {
    const churn = buildPlan(scenarios.churn)
    expect(churn.agents.filter((a) => a.leaveReason === 'churn').length).toBeGreaterThanOrEqual(4)
    expect(churn.agents.filter((a) => a.joinAtMs > 0).length).toBeGreaterThanOrEqual(4)
    const failure = buildPlan(scenarios.failure)
    expect(failure.agents.filter((a) => a.leaveReason === 'crash').map((a) => a.agentId)).toEqual([
      'coder-2',
      'tester-1',
    ])
    expect(failure.slowdowns).toEqual([{ agentId: 'senior-1', atMs: 8000, factor: 5, untilMs: null }])
  })

  it('scales the fleet and the work with --agents', () => {
    const plan = buildPlan(scenarios.heavy, { agents: 16 })
    expect(plan.agents).toHaveLength(16)
    expect(plan.tasks).toHaveLength(100)
  })

  it('rejects a bad scenario with one error naming every wrong field', () => {
    expect(() =>
      buildPlan({ ...tinyScenario(), agents: [{ name: 'x', count: -1, capabilities: [] }], arrivals: [] }),
    ).toThrowError(/agents\.0\.count.*arrivals/)
  })
})

describe('makespan lower bound', () => {
  it('is the issue formula in the simple case: max(total work / total speed, longest task on the fastest agent)', () => {
    const plan: SimulationPlan = {
      scenario: 'x',
      seed: 1,
      maxAttempts: 1,
      slowdowns: [],
      agents: [
        {
          agentId: 'f',
          role: 'r',
          capabilities: [],
          capacity: 1,
          speeds: { k: 2 },
          failureProbability: 0,
          joinAtMs: 0,
          leaveAtMs: null,
          leaveReason: null,
        },
        {
          agentId: 's',
          role: 'r',
          capabilities: [],
          capacity: 1,
          speeds: { k: 1 },
          failureProbability: 0,
          joinAtMs: 0,
          leaveAtMs: null,
          leaveReason: null,
        },
      ],
      tasks: [1000, 1000, 1000].map((sizeMs, i) => ({
        jobId: `t${i}`,
        kind: 'k',
        requiredCapabilities: [],
        sizeMs,
        estimatedMs: sizeMs,
        arrivalMs: 0,
      })),
    }
    // Total work 3000 at total speed 3: 1000 ms; longest task 1000 / 2 = 500 ms.
    expect(makespanLowerBound(plan)).toBeCloseTo(1000, 6)
    plan.tasks[0].sizeMs = 9000
    // Work 11000 / 3 = 3667; longest 9000 / 2 = 4500.
    expect(makespanLowerBound(plan)).toBeCloseTo(4500, 6)
  })

  it('never exceeds the makespan a run achieves, whatever the scenario, seed and fleet', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('light', 'medium', 'heavy', 'overload', 'failure', 'churn'),
        fc.integer({ min: 0, max: 10000 }),
        fc.integer({ min: 3, max: 12 }),
        (name, seed, agents) => {
          const sim = createSimulator(buildPlan(scenarios[name], { seed, agents }))
          attachPlacer(sim)
          const outcome = sim.run()
          expect(outcome.finished).toBe(true)
          expect(outcome.lowerBoundMs).toBeGreaterThan(0)
          expect(outcome.makespanMs).toBeGreaterThanOrEqual(outcome.lowerBoundMs - 1e-6)
        },
      ),
      // overload's own plan every time, whatever else the random runs draw.
      { numRuns: 40, examples: [['overload', 1, 8]] },
    )
  })
})

describe('the simulator as a host', () => {
  it('runs every scenario to the end with every task completed once: none lost, none duplicated', () => {
    for (const name of scenarioNames) {
      const sim = createSimulator(buildPlan(scenarios[name]))
      const events = attachPlacer(sim)
      const outcome = sim.run()
      expect(outcome.finished, name).toBe(true)
      expect(outcome.tasksLost, name).toBe(0)
      expect(outcome.tasksDuplicated, name).toBe(0)
      expect(outcome.tasksCompleted + outcome.tasksGivenUp, name).toBe(outcome.tasksTotal)
      // Conservation from the event stream itself: each task id completes at most once, and each original task once.
      const completed = events.filter((e) => e.type === 'task:completed').map((e) => e.taskId)
      expect(new Set(completed).size, name).toBe(completed.length)
      const jobs = new Set(completed.map((id) => id.split('~')[0]))
      expect(jobs.size, name).toBe(outcome.tasksCompleted)
      expect(outcome.efficiency, name).toBeGreaterThan(0)
      expect(outcome.efficiency, name).toBeLessThanOrEqual(1)
    }
  })

  it('is deterministic: the same seed gives the same events and outcome, another seed does not', () => {
    const run = (seed: number) => {
      const sim = createSimulator(buildPlan(scenarios.failure, { seed }))
      const events = attachPlacer(sim)
      return { outcome: sim.run(), events }
    }
    const a = run(11)
    const b = run(11)
    expect(b.events).toEqual(a.events)
    expect(b.outcome).toEqual(a.outcome)
    expect(run(12).events).not.toEqual(a.events)
  })

  it('emits only events that pass the SwarmEvent schema, in time order', () => {
    const sim = createSimulator(buildPlan(scenarios.churn))
    const events = attachPlacer(sim)
    sim.run()
    for (const e of events) expect(swarmEventSchema.safeParse(e).success).toBe(true)
    for (let i = 1; i < events.length; i++) expect(events[i].ts).toBeGreaterThanOrEqual(events[i - 1].ts)
  })

  it('emits a heartbeat at least once per heartbeat interval while work remains, and none after the end', () => {
    const sim = createSimulator(buildPlan(scenarios.heavy), { heartbeatMs: 500 })
    const events = attachPlacer(sim)
    sim.run()
    const beats = events.filter((e) => e.type === 'queue:depth').map((e) => e.ts - sim.startTs)
    const last = Math.max(...events.filter((e) => e.type === 'task:completed').map((e) => e.ts - sim.startTs))
    let previous = 0
    for (const t of beats) {
      expect(t - previous).toBeLessThanOrEqual(500)
      previous = t
    }
    expect(last - previous).toBeLessThanOrEqual(500)
    expect(beats.every((t) => t <= last)).toBe(true)
  })

  it('places nothing by itself: without apply(), no task is assigned and the run times out with the tasks lost', () => {
    const sim = createSimulator(buildPlan(tinyScenario()), { maxDurationMs: 10000 })
    const events = record(sim)
    const outcome = sim.run()
    expect(events.some((e) => e.type === 'task:assigned' || e.type === 'task:started')).toBe(false)
    expect(outcome.timedOut).toBe(true)
    expect(outcome.tasksLost).toBe(3)
  })
})

describe('apply(): the adapter contract', () => {
  function started() {
    const sim = createSimulator(buildPlan(tinyScenario()))
    const events = record(sim)
    sim.advanceTo(0)
    return { sim, events }
  }

  it('answers a placement with reassignment:applied then task:assigned, then starts it on a free agent', () => {
    const { sim, events } = started()
    const ids = events.filter((e) => e.type === 'task:queued').map((e) => e.taskId)
    events.length = 0
    sim.apply(place(ids[0], 'a-1'))
    expect(events.map(shape)).toEqual([
      { type: 'reassignment:applied', taskId: ids[0], toAgentId: 'a-1' },
      { type: 'task:assigned', taskId: ids[0], agentId: 'a-1' },
      { type: 'task:started', taskId: ids[0], agentId: 'a-1' },
    ])
    // Speed 2, size 1000: completes 500 ms later.
    sim.advanceTo(500)
    expect(events.at(-1)).toEqual({ type: 'task:completed', ts: sim.startTs + 500, taskId: ids[0], agentId: 'a-1' })
  })

  it('queues a task behind a busy agent and moves it (not started) to another agent on request', () => {
    const { sim, events } = started()
    const ids = events.filter((e) => e.type === 'task:queued').map((e) => e.taskId)
    sim.apply(place(ids[0], 'a-1'))
    sim.apply(place(ids[1], 'a-1'))
    events.length = 0
    sim.apply(place(ids[1], 'b-1', 'a-1'))
    expect(events.map(shape)).toEqual([
      { type: 'reassignment:applied', taskId: ids[1], toAgentId: 'b-1', fromAgentId: 'a-1' },
      { type: 'task:assigned', taskId: ids[1], agentId: 'b-1' },
      { type: 'task:started', taskId: ids[1], agentId: 'b-1' },
    ])
    expect(sim.outcome()).toMatchObject({ placements: 2, reassignments: 1, refused: 0 })
  })

  it('refuses, with a reason, what a real host could not do', () => {
    const { sim, events } = started()
    const ids = events.filter((e) => e.type === 'task:queued').map((e) => e.taskId)
    sim.apply(place(ids[0], 'a-1'))
    sim.apply(place(ids[1], 'a-1'))
    events.length = 0
    sim.apply(place(ids[0], 'b-1', 'a-1')) // running
    sim.apply(place('nope', 'b-1'))
    sim.apply(place(ids[2], 'zzz'))
    sim.apply(place(ids[1], 'b-1', 'b-1')) // stale source
    sim.apply(place(ids[1], 'a-1')) // already there
    const refusals = events.map(shape)
    expect(refusals).toEqual([
      { type: 'reassignment:refused', taskId: ids[0], toAgentId: 'b-1', reason: 'task already started' },
      { type: 'reassignment:refused', taskId: 'nope', toAgentId: 'b-1', reason: 'unknown task' },
      { type: 'reassignment:refused', taskId: ids[2], toAgentId: 'zzz', reason: 'target agent is not live' },
      { type: 'reassignment:refused', taskId: ids[1], toAgentId: 'b-1', reason: 'task is queued at a-1, not b-1' },
      { type: 'reassignment:refused', taskId: ids[1], toAgentId: 'a-1', reason: 'task is already queued at a-1' },
    ])
    sim.advanceTo(500)
    events.length = 0
    sim.apply(place(ids[0], 'b-1'))
    expect(events.map(shape)).toEqual([
      { type: 'reassignment:refused', taskId: ids[0], toAgentId: 'b-1', reason: 'task already finished' },
    ])
  })

  it('refuses a placement on an agent without the required capabilities', () => {
    const sim = createSimulator(
      buildPlan(
        tinyScenario({ kinds: [{ name: 'research', requiredCapabilities: ['web'], size: { type: 'fixed', ms: 10 } }] }),
      ),
    )
    const events = record(sim)
    sim.advanceTo(0)
    const id = events.find((e) => e.type === 'task:queued')!.taskId
    events.length = 0
    sim.apply(place(id, 'b-1'))
    expect(events.map(shape)).toEqual([
      { type: 'reassignment:refused', taskId: id, toAgentId: 'b-1', reason: 'target agent lacks capabilities web' },
    ])
  })

  it('handles apply() called from inside its own emit after that emit returns, never recursively', () => {
    const sim = createSimulator(buildPlan(tinyScenario()))
    let depth = 0
    let maxDepth = 0
    const seen: string[] = []
    sim.events$.subscribe((e) => {
      depth++
      maxDepth = Math.max(maxDepth, depth)
      seen.push(`${e.type} ${'taskId' in e ? e.taskId : ''}`.trim())
      if (e.type === 'task:queued') {
        sim.apply(place(e.taskId, 'a-1'))
        // Not applied yet: nothing was emitted while we are still handling this event.
        expect(seen.at(-1)).toBe(`task:queued ${e.taskId}`)
      }
      depth--
    })
    sim.advanceTo(0)
    expect(maxDepth).toBe(1)
    expect(seen.slice(0, 8)).toEqual([
      'agent:joined',
      'agent:joined',
      'task:queued task-1',
      'task:queued task-2',
      'task:queued task-3',
      'reassignment:applied task-1',
      'task:assigned task-1',
      'task:started task-1',
    ])
  })

  it("returns a crashed agent's tasks for placement and restarts a running one from scratch, counting it once", () => {
    const sim = createSimulator(
      buildPlan(
        tinyScenario({
          arrivals: [{ type: 'burst', atMs: 0, count: 2 }],
          faults: [{ type: 'crash', agentId: 'a-1', atMs: 300 }],
        }),
      ),
    )
    const events = record(sim)
    sim.advanceTo(0)
    const ids = events.filter((e) => e.type === 'task:queued').map((e) => e.taskId)
    sim.apply(place(ids[0], 'a-1')) // runs 0..500 at speed 2
    sim.apply(place(ids[1], 'a-1')) // queued behind it
    events.length = 0
    sim.advanceTo(300)
    expect(events.map(shape)).toEqual([{ type: 'agent:left', agentId: 'a-1', reason: 'crash' }])
    expect(sim.outcome().restarts).toBe(1)
    // The monitor places both again; the old agent is gone, so the move names no source.
    sim.apply(place(ids[0], 'b-1', 'a-1'))
    sim.apply(place(ids[1], 'b-1'))
    sim.advanceTo(Number.POSITIVE_INFINITY)
    const completions = events.filter((e) => e.type === 'task:completed')
    // b-1 has speed 1: the restarted task takes its full 1000 ms from 300, the next one 1000 ms more.
    expect(completions.map((e) => [e.taskId, e.agentId, e.ts - sim.startTs])).toEqual([
      [ids[0], 'b-1', 1300],
      [ids[1], 'b-1', 2300],
    ])
    const outcome = sim.outcome()
    expect(outcome).toMatchObject({
      finished: true,
      tasksCompleted: 2,
      tasksLost: 0,
      tasksDuplicated: 0,
      reassignments: 2,
    })
  })

  it('stretches a running task when its agent slows down', () => {
    const sim = createSimulator(
      buildPlan(
        tinyScenario({
          arrivals: [{ type: 'burst', atMs: 0, count: 1 }],
          faults: [{ type: 'slowdown', agentId: 'b-1', atMs: 400, factor: 4 }],
        }),
      ),
    )
    const events = record(sim)
    sim.advanceTo(0)
    sim.apply(place(events.find((e) => e.type === 'task:queued')!.taskId, 'b-1'))
    sim.run()
    // 400 ms of work at speed 1, the remaining 600 at speed 1/4: 2400 ms more.
    expect(events.find((e) => e.type === 'task:completed')!.ts - sim.startTs).toBeCloseTo(2800, 6)
  })

  it('retries a failed attempt as a new task and counts the task once', () => {
    const sim = createSimulator(
      buildPlan(
        tinyScenario({
          agents: [{ name: 'a', count: 1, capabilities: ['code', 'web'], failureProbability: 0.5 }],
          arrivals: [{ type: 'burst', atMs: 0, count: 40 }],
        }),
      ),
    )
    const events = attachPlacer(sim)
    const outcome = sim.run()
    const failed = events.filter((e) => e.type === 'task:failed')
    expect(failed.length).toBeGreaterThan(5)
    expect(outcome.attemptsFailed).toBe(failed.length)
    expect(outcome.tasksCompleted + outcome.tasksGivenUp).toBe(40)
    expect(outcome.tasksDuplicated).toBe(0)
    expect(events.filter((e) => e.type === 'task:queued').length).toBe(40 + failed.length - outcome.tasksGivenUp)
  })
})
