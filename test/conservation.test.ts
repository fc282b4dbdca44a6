// Conservation through the whole monitor: random joins, leaves and queued tasks, a fake host that applies or
// refuses every reassignment, starts and finishes work, and requeues the work of an agent that leaves. A task
// must end exactly once, and no reassignment may name a task that has started or finished.
import fc from 'fast-check'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import type { SwarmError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { type StrategyName, strategyNames } from '../src/strategies/index.js'

const tickMs = 1000
const capabilityNames = ['code', 'gpu']

interface HostAgent {
  id: string
  capabilities: string[]
  capacity: number
  live: boolean
  queue: string[]
  running: Map<string, { doneAt: number; fails: boolean }>
}

interface HostTask {
  id: string
  requiredCapabilities: string[]
  state: 'unassigned' | 'queued' | 'running' | 'ended'
  agentId: string | null
  /** Steps of service when it runs. */
  steps: number
  fails: boolean
  outcomes: number
}

const stepArb = fc.record({
  join: fc.option(fc.record({ capabilities: fc.subarray(capabilityNames), capacity: fc.integer({ min: 1, max: 3 }) }), {
    freq: 3,
  }),
  /** Index into the live agents (modulo), when present. */
  leave: fc.option(fc.nat(), { freq: 6 }),
  queue: fc.array(
    fc.record({
      requiredCapabilities: fc.subarray(capabilityNames, { maxLength: 1 }),
      kind: fc.constantFrom('build', 'test'),
      priority: fc.integer({ min: 0, max: 2 }),
      steps: fc.integer({ min: 1, max: 4 }),
      fails: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
    { maxLength: 3 },
  ),
  /** Steps of event time before the next one (0: same tick). */
  gap: fc.integer({ min: 0, max: 2 }),
})

const scenarioArb = fc.record({
  strategy: fc.constantFrom<StrategyName>(...strategyNames),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 25 }),
  /** Host answers to the first reassignments, in order: true = refuse. Later ones are applied (or nothing ends). */
  refusals: fc.array(fc.boolean(), { maxLength: 40 }),
  maxQueuedPerSlot: fc.integer({ min: 0, max: 2 }),
  // optimal: bind just in time or everything at once; placement at ticks only, or between them too.
  bindAheadMs: fc.constantFrom(null, 250),
  placeEveryMs: fc.constantFrom(null, 250),
})

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never
type Step = Scenario['steps'][number]

/**
 * A run that evacuates: an agent that fails too often leaves work to move. About 4 in 100 random runs do, so 60 of
 * them miss it one time in twelve; this one always runs first, so the coverage check below cannot flake.
 */
const evacuatingScenario: Scenario = JSON.parse(
  '{"strategy":"capability-based","steps":[{"join":{"capabilities":["gpu"],"capacity":2},"leave":2022678990,"queue":[{"requiredCapabilities":["code"],"kind":"build","priority":2,"steps":4,"fails":true}],"gap":2},{"join":{"capabilities":["code","gpu"],"capacity":2},"leave":610556285,"queue":[{"requiredCapabilities":[],"kind":"test","priority":1,"steps":2,"fails":false},{"requiredCapabilities":[],"kind":"test","priority":0,"steps":2,"fails":true}],"gap":1},{"join":{"capabilities":[],"capacity":3},"leave":863615253,"queue":[{"requiredCapabilities":[],"kind":"build","priority":1,"steps":1,"fails":false}],"gap":0},{"join":{"capabilities":["code","gpu"],"capacity":3},"leave":862660449,"queue":[{"requiredCapabilities":[],"kind":"build","priority":0,"steps":4,"fails":false},{"requiredCapabilities":[],"kind":"test","priority":0,"steps":1,"fails":false},{"requiredCapabilities":[],"kind":"test","priority":0,"steps":1,"fails":false}],"gap":2},{"join":{"capabilities":["code","gpu"],"capacity":1},"leave":1894214370,"queue":[{"requiredCapabilities":[],"kind":"test","priority":2,"steps":3,"fails":false}],"gap":1},{"join":{"capabilities":["gpu"],"capacity":3},"leave":851438801,"queue":[{"requiredCapabilities":[],"kind":"test","priority":0,"steps":3,"fails":false},{"requiredCapabilities":["code"],"kind":"test","priority":1,"steps":1,"fails":true}],"gap":1}],"refusals":[false,true,false],"maxQueuedPerSlot":2,"bindAheadMs":250,"placeEveryMs":250}',
)

function runScenario(scenario: Scenario) {
  const events$ = new Subject<unknown>()
  const monitor = createSwarmMonitor({
    tickMs,
    strategy: scenario.strategy,
    strategyOptions: { maxQueuedPerSlot: scenario.maxQueuedPerSlot, bindAheadMs: scenario.bindAheadMs },
    placeEveryMs: scenario.placeEveryMs,
    rebalance: true,
    rebalancer: {
      minDwellMs: 0,
      minGainMs: 0,
      maxMovesPerTick: 4,
      cooldownMs: 3 * tickMs,
      imbalanceThreshold: 0.1,
      evacuation: { minSamples: 2, minSuccessRate: 0.6 },
    },
  })
  const session = monitor.connect(events$, { start: 'immediate' })
  const agents = new Map<string, HostAgent>()
  const tasks = new Map<string, HostTask>()
  const violations: string[] = []
  const errors: SwarmError[] = []
  const reassignments: Reassignment[] = []
  const outbox: SwarmEvent[] = []
  let now = 0
  let refusalIndex = 0
  let refused = 0
  let requeuedRunning = 0
  let nextAgent = 0
  let nextTask = 0

  session.errors$.subscribe((e) => errors.push(e))
  session.reassignments$.subscribe((r) => {
    reassignments.push(r)
    const task = tasks.get(r.taskId)
    const target = agents.get(r.toAgentId)
    if (!task) return void violations.push(`${r.taskId}: unknown task`)
    if (task.state === 'running' || task.state === 'ended')
      violations.push(`${r.taskId}: ${r.reason} names a task that is ${task.state}`)
    else if (r.fromAgentId === undefined && task.state !== 'unassigned')
      violations.push(`${r.taskId}: placed while already queued at ${task.agentId} (doubled)`)
    else if (r.fromAgentId !== undefined && (task.state !== 'queued' || task.agentId !== r.fromAgentId))
      violations.push(`${r.taskId}: moved from ${r.fromAgentId} but the host has it ${task.state} at ${task.agentId}`)
    if (!target?.live) violations.push(`${r.taskId}: sent to ${r.toAgentId}, which is not live`)
    else if (!task.requiredCapabilities.every((c) => target.capabilities.includes(c)))
      violations.push(`${r.taskId}: sent to ${r.toAgentId}, which lacks a capability`)
    if (violations.length > 0) return
    const refuse = scenario.refusals[refusalIndex++] ?? false
    if (refuse) {
      refused++
      outbox.push({ type: 'reassignment:refused', ts: now, taskId: r.taskId, toAgentId: r.toAgentId, reason: 'busy' })
      return
    }
    if (task.agentId !== null) {
      const from = agents.get(task.agentId)!
      from.queue.splice(from.queue.indexOf(task.id), 1)
    }
    task.state = 'queued'
    task.agentId = target!.id
    target!.queue.push(task.id)
    outbox.push({
      type: 'reassignment:applied',
      ts: now,
      taskId: r.taskId,
      toAgentId: r.toAgentId,
      ...(r.fromAgentId ? { fromAgentId: r.fromAgentId } : {}),
    })
    outbox.push({ type: 'task:assigned', ts: now, taskId: r.taskId, agentId: target!.id })
  })

  const send = (event: SwarmEvent) => events$.next(event)
  const flush = () => {
    while (outbox.length > 0) send(outbox.shift()!)
  }
  const join = (capabilities: string[], capacity: number) => {
    const id = `a${nextAgent++}`
    agents.set(id, { id, capabilities, capacity, live: true, queue: [], running: new Map() })
    send({ type: 'agent:joined', ts: now, agentId: id, capabilities, capacity })
  }
  const requeue = (taskId: string) => {
    const task = tasks.get(taskId)!
    task.state = 'unassigned'
    task.agentId = null
  }

  /** One step of the host at `now`: answers first, then the program's changes, then outcomes, then starts. */
  const step = (program: Step | null) => {
    // A first event at this time lets the monitor tick on what it already knows; its decisions come back at once.
    send({ type: 'queue:depth', ts: now, depth: [...tasks.values()].filter((t) => t.state === 'unassigned').length })
    flush()
    if (program?.join) join(program.join.capabilities, program.join.capacity)
    const live = [...agents.values()].filter((a) => a.live)
    if (program?.leave != null && live.length > 0) {
      const agent = live[program.leave % live.length]
      agent.live = false
      // The host takes back everything the agent held, running or not; the monitor does the same on agent:left.
      requeuedRunning += agent.running.size
      for (const id of [...agent.queue, ...agent.running.keys()]) requeue(id)
      agent.queue = []
      agent.running.clear()
      send({ type: 'agent:left', ts: now, agentId: agent.id })
    }
    for (const spec of program?.queue ?? []) {
      const id = `t${nextTask++}`
      tasks.set(id, {
        id,
        requiredCapabilities: spec.requiredCapabilities,
        state: 'unassigned',
        agentId: null,
        steps: spec.steps,
        fails: spec.fails,
        outcomes: 0,
      })
      send({
        type: 'task:queued',
        ts: now,
        taskId: id,
        kind: spec.kind,
        requiredCapabilities: spec.requiredCapabilities,
        priority: spec.priority,
      })
    }
    for (const agent of agents.values()) {
      if (!agent.live) continue
      for (const [id, run] of agent.running) {
        if (run.doneAt > now) continue
        agent.running.delete(id)
        const task = tasks.get(id)!
        task.state = 'ended'
        task.outcomes++
        send({ type: run.fails ? 'task:failed' : 'task:completed', ts: now, taskId: id, agentId: agent.id })
      }
      while (agent.running.size < agent.capacity && agent.queue.length > 0) {
        const id = agent.queue.shift()!
        const task = tasks.get(id)!
        task.state = 'running'
        agent.running.set(id, { doneAt: now + task.steps * tickMs, fails: task.fails })
        send({ type: 'task:started', ts: now, taskId: id, agentId: agent.id })
      }
    }
  }

  join(['code'], 1)
  for (const program of scenario.steps) {
    step(program)
    now += program.gap * tickMs
    if (program.gap === 0) now += 1
  }
  // Drain: an agent that can run anything joins and stays; every task must then end.
  join([...capabilityNames], 2)
  for (let i = 0; i < 400 && [...tasks.values()].some((t) => t.state !== 'ended'); i++) {
    now += tickMs
    step(null)
  }
  now += tickMs
  step(null)
  const final = session.snapshot()
  events$.complete()
  return { tasks, violations, errors, reassignments, final, refused, requeuedRunning }
}

describe('conservation through the monitor', () => {
  it('ends every task exactly once and never names a started or finished task, whatever the host does', () => {
    // What the random runs exercised, so that the property cannot pass by never reaching the hard cases.
    const seen = { place: 0, rebalance: 0, evacuate: 0, refused: 0, requeuedRunning: 0 }
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { tasks, violations, errors, final, reassignments, refused, requeuedRunning } = runScenario(scenario)
        for (const r of reassignments) seen[r.reason as 'place' | 'rebalance' | 'evacuate']++
        seen.refused += refused
        seen.requeuedRunning += requeuedRunning
        expect(violations).toEqual([])
        expect(errors.filter((e) => e.code !== 'REASSIGNMENT_REFUSED')).toEqual([])
        for (const task of tasks.values()) {
          expect(task.state, `${task.id} ended`).toBe('ended')
          expect(task.outcomes, `${task.id} ended once`).toBe(1)
        }
        const ended = [...tasks.values()]
        const s = final.swarm
        expect(s.tasksCompleted).toBe(ended.filter((t) => !t.fails).length)
        expect(s.tasksFailed).toBe(ended.filter((t) => t.fails).length)
        expect(final.queue.unassigned).toBe(0)
        for (const agent of final.agents)
          expect([agent.agentId, agent.inFlight, agent.queued]).toEqual([agent.agentId, 0, 0])
      }),
      { numRuns: 60, examples: [[evacuatingScenario]] },
    )
    for (const [what, count] of Object.entries(seen)) expect(count, what).toBeGreaterThan(0)
  })

  it('conserves tasks when a busy agent sheds work to a newcomer and then leaves mid-task', () => {
    // The host refuses the second answer; the first agent leaves while running. A bound high enough that every task
    // waits at the first agent, so the newcomer gets work by moves (under a bound of 2, placements fill the
    // newcomer at once and, counted against the bound, leave nothing to move).
    const batch = (): Step => ({
      join: null,
      leave: null,
      queue: Array.from({ length: 3 }, () => ({
        requiredCapabilities: [],
        kind: 'build' as const,
        priority: 0,
        steps: 3,
        fails: false,
      })),
      gap: 1,
    })
    const { violations, reassignments, tasks } = runScenario({
      strategy: 'round-robin',
      maxQueuedPerSlot: 20,
      bindAheadMs: null,
      placeEveryMs: null,
      refusals: [false, true],
      steps: [
        { join: null, leave: null, queue: [], gap: 1 },
        ...Array.from({ length: 4 }, batch),
        { join: { capabilities: ['code'], capacity: 2 }, leave: null, queue: [], gap: 3 },
        { join: null, leave: 0, queue: [], gap: 3 },
      ],
    })
    expect(violations).toEqual([])
    expect(reassignments.some((r) => r.reason === 'place')).toBe(true)
    expect(reassignments.some((r) => r.reason === 'rebalance' || r.reason === 'evacuate')).toBe(true)
    expect(tasks.size).toBe(12)
    expect([...tasks.values()].every((t) => t.state === 'ended' && t.outcomes === 1)).toBe(true)
  })
})
