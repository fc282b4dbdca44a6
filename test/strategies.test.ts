import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ConfigError } from '../src/model/errors.js'
import type { Reassignment } from '../src/model/reassignment.js'
import type { PlacementContext, Strategy } from '../src/model/strategy.js'
import { byFit, tightestFitChoice } from '../src/strategies/capability-based.js'
import { strategyOptionsSchema } from '../src/strategies/config.js'
import {
  createExpectedCompletion,
  createStrategy,
  type StrategyName,
  strategyNameSchema,
  strategyNames,
  totalExpectedCompletionMs,
} from '../src/strategies/index.js'
import { byLoad, leastLoadedChoice } from '../src/strategies/least-loaded.js'
import { byCompletion, earliestCompletion } from '../src/strategies/performance-based.js'
import { placeGreedy } from '../src/strategies/place-greedy.js'
import { type AgentSpec, context, kind, running, task, tasks } from './strategies-fixtures.js'

const byTask = (placements: Reassignment[]) => Object.fromEntries(placements.map((p) => [p.taskId, p.toAgentId]))
const countPer = (placements: Reassignment[]) => {
  const counts: Record<string, number> = {}
  for (const p of placements) counts[p.toAgentId] = (counts[p.toAgentId] ?? 0) + 1
  return counts
}

describe('strategy registry', () => {
  it('creates every built-in strategy by name', () => {
    for (const name of strategyNames) expect(createStrategy(name).name).toBe(name)
    expect(strategyNameSchema.options).toEqual([...strategyNames])
  })

  it('rejects an unknown name with a ConfigError listing the valid names', () => {
    let error: unknown
    try {
      createStrategy('fastest')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).code).toBe('CONFIG_INVALID')
    expect((error as ConfigError).message).toBe(
      "invalid strategy: strategy: unknown strategy 'fastest'; expected one of round-robin, least-loaded, capability-based, performance-based, optimal",
    )
  })

  it("accepts a user's own strategy object as is and rejects a malformed one", () => {
    const own: Strategy = { name: 'mine', place: () => [] }
    expect(createStrategy(own)).toBe(own)
    expect(() => createStrategy({ name: 'half' } as unknown as Strategy)).toThrow(ConfigError)
    expect(() => createStrategy('toString')).toThrow(ConfigError)
  })

  it('validates strategy options, naming every wrong field', () => {
    expect(() => createStrategy('optimal', { maxQueuedPerSlot: -1, maxTasksPerSolve: 0 })).toThrow(
      /maxQueuedPerSlot: .*; maxTasksPerSolve: /,
    )
  })
})

describe('round-robin', () => {
  it('rotates over capable agents in id order, continuing where the last call stopped', () => {
    const strategy = createStrategy('round-robin', { maxQueuedPerSlot: 10 })
    const ctx = context({ agents: [{ id: 'b' }, { id: 'a' }, { id: 'c' }], unassigned: tasks(4) })
    expect(strategy.place(ctx).map((p) => p.toAgentId)).toEqual(['a', 'b', 'c', 'a'])
    const next = context({ agents: [{ id: 'b' }, { id: 'a' }, { id: 'c' }], unassigned: tasks(2, 'u') })
    expect(strategy.place(next).map((p) => p.toAgentId)).toEqual(['b', 'c'])
  })

  it('skips agents that lack a capability or have left', () => {
    const ctx = context({
      agents: [{ id: 'a', capabilities: ['gpu'] }, { id: 'b' }, { id: 'c', capabilities: ['gpu'], state: 'left' }],
      unassigned: tasks(3, 't', { requiredCapabilities: ['gpu'] }),
    })
    expect(
      createStrategy('round-robin', { maxQueuedPerSlot: 10 })
        .place(ctx)
        .map((p) => p.toAgentId),
    ).toEqual(['a', 'a', 'a'])
  })
})

describe('least-loaded', () => {
  it('fills the agent with the lowest (in flight + queued) / capacity, counting this call', () => {
    const ctx = context({
      agents: [
        { id: 'a', capacity: 1, inFlight: 1 },
        { id: 'b', capacity: 4, inFlight: 2 },
        { id: 'c', capacity: 2 },
      ],
      unassigned: tasks(5),
    })
    const placements = createStrategy('least-loaded').place(ctx)
    // Loads before: a 1, b 0.5, c 0. c takes two (0.5 then 1), b takes one (0.75), then b (1), then a vs c vs b.
    expect(placements.map((p) => p.toAgentId)).toEqual(['c', 'b', 'c', 'b', 'b'])
  })

  it('binds at most capacity * (1 + maxQueuedPerSlot) tasks to an agent; the rest wait', () => {
    const ctx = context({
      agents: [
        { id: 'a', capacity: 2 },
        { id: 'b', capacity: 1, inFlight: 1 },
      ],
      unassigned: tasks(9),
    })
    expect(countPer(createStrategy('least-loaded', { maxQueuedPerSlot: 1 }).place(ctx))).toEqual({ a: 4, b: 1 })
    expect(countPer(createStrategy('least-loaded', { maxQueuedPerSlot: 0 }).place(ctx))).toEqual({ a: 2 })
    // By default nothing is held back.
    expect(countPer(createStrategy('least-loaded').place(ctx))).toEqual({ a: 7, b: 2 })
  })
})

describe('capability-based', () => {
  it('gives each task to the tightest-fitting capable agent, keeping generalists free', () => {
    const ctx = context({
      agents: [
        { id: 'generalist', capabilities: ['code', 'review', 'gpu'] },
        { id: 'coder', capabilities: ['code'] },
        { id: 'reviewer', capabilities: ['code', 'review'] },
      ],
      unassigned: [
        task('c1', { requiredCapabilities: ['code'] }),
        task('r1', { requiredCapabilities: ['review'] }),
        task('g1', { requiredCapabilities: ['gpu'] }),
      ],
    })
    expect(byTask(createStrategy('capability-based').place(ctx))).toEqual({
      c1: 'coder',
      r1: 'reviewer',
      g1: 'generalist',
    })
  })

  it('leaves a task no live agent can run unassigned', () => {
    const ctx = context({
      agents: [
        { id: 'a', capabilities: ['code'] },
        { id: 'b', capabilities: ['gpu'], state: 'left' },
      ],
      unassigned: [task('g', { requiredCapabilities: ['gpu'] }), task('c', { requiredCapabilities: ['code'] })],
    })
    for (const name of strategyNames) expect(byTask(createStrategy(name).place(ctx))).toEqual({ c: 'a' })
  })
})

describe('expected completion model', () => {
  it('without a host estimate, takes the agent kind mean, then its overall mean, the fleet kind mean, a prior', () => {
    const ctx = context({
      agents: [{ id: 'measured', kinds: { build: 200 }, meanMs: 500 }, { id: 'overall', meanMs: 700 }, { id: 'new' }],
      kinds: [kind('build', 300)],
    })
    const model = createExpectedCompletion(ctx, 1234)
    const [measured, overall, fresh] = model.agents
    const build = task('b', { kind: 'build' })
    expect(model.serviceMs(measured, build)).toBe(200)
    expect(model.serviceMs(measured, task('x', { kind: 'test' }))).toBe(500)
    expect(model.serviceMs(overall, build)).toBe(700)
    expect(model.serviceMs(fresh, build)).toBe(300)
    expect(model.serviceMs(fresh, task('p', { kind: 'test' }))).toBe(1234)
  })

  it("scales the host's estimate by the agent's measured speed relative to the fleet", () => {
    const ctx = context({
      agents: [{ id: 'measured', kinds: { build: 200 }, meanMs: 500 }, { id: 'overall', meanMs: 700 }, { id: 'new' }],
      kinds: [kind('build', 300)],
    })
    const model = createExpectedCompletion(ctx)
    const [measured, overall, fresh] = model.agents
    const build = task('b', { kind: 'build', estimatedMs: 600 })
    // Kind against kind: 200 / 300 of the fleet's time.
    expect(model.serviceMs(measured, build)).toBeCloseTo(400, 9)
    // No kind data: overall 700 against the fleet's overall 300.
    expect(model.serviceMs(overall, build)).toBeCloseTo(1400, 9)
    // Nothing measured: the estimate as given.
    expect(model.serviceMs(fresh, build)).toBe(600)
  })

  it('counts queued work at its kind estimate and in-flight work at the overall mean, shared by capacity', () => {
    const ctx = context({
      agents: [{ id: 'a', capacity: 2, inFlight: 1, meanMs: 100, kinds: { build: 400 } }],
      queued: { a: [task('q1', { kind: 'build' }), task('q2', { kind: 'lint' })] },
    })
    const model = createExpectedCompletion(ctx)
    expect(model.backlogMs('a')).toBe(100 + 400 + 100)
    expect(model.completionMs(model.agents[0], task('n', { kind: 'build' }))).toBe(600 / 2 + 400)
  })
})

describe('performance-based', () => {
  it('sends each task where it is expected to finish first, counting the queue it builds', () => {
    const ctx = context({
      agents: [
        { id: 'fast', kinds: { build: 100 } },
        { id: 'slow', kinds: { build: 250 } },
      ],
      unassigned: tasks(3, 't', { kind: 'build' }),
    })
    // fast: 100, then 200 (queued behind the first); slow: 250. The third goes to slow (250 < 300).
    const placements = createStrategy('performance-based', { maxQueuedPerSlot: 5 }).place(ctx)
    expect(placements.map((p) => p.toAgentId)).toEqual(['fast', 'fast', 'slow'])
    expect(placements.every((p) => p.reason === 'place' && p.fromAgentId === undefined)).toBe(true)
    // Versus the mean capable agent: (100 + 250) / 2 - 100.
    expect(placements[0].expectedGainMs).toBe(75)
  })

  it('places higher priority first, so it gets the fastest agent', () => {
    const ctx = context({
      agents: [
        { id: 'fast', kinds: { build: 100 } },
        { id: 'slow', kinds: { build: 900 } },
      ],
      unassigned: [
        task('low', { kind: 'build', queuedAt: 0 }),
        task('high', { kind: 'build', priority: 5, queuedAt: 1 }),
      ],
    })
    expect(createStrategy('performance-based', { maxQueuedPerSlot: 0 }).place(ctx)[0]).toMatchObject({
      taskId: 'high',
      toAgentId: 'fast',
    })
  })
})

// Binding everything at once (bindAheadMs: null): the exact minimum total expected completion time.
describe('optimal, binding every task at once', () => {
  it('beats greedy where the first task would take the agent the second one needs', () => {
    const ctx = context({
      agents: [
        { id: 'x', kinds: { a: 100, b: 110 } },
        { id: 'y', kinds: { a: 200, b: 1000 } },
      ],
      unassigned: [task('ta', { kind: 'a' }), task('tb', { kind: 'b' })],
    })
    const greedy = createStrategy('performance-based', { maxQueuedPerSlot: 0 }).place(ctx)
    const best = createStrategy('optimal', { maxQueuedPerSlot: 0, bindAheadMs: null }).place(ctx)
    expect(byTask(greedy)).toEqual({ ta: 'x', tb: 'y' })
    expect(byTask(best)).toEqual({ ta: 'y', tb: 'x' })
    expect(totalExpectedCompletionMs(ctx, best)).toBe(310)
    expect(totalExpectedCompletionMs(ctx, greedy)).toBe(1100)
  })

  it('orders each agent queue shortest first and uses every slot of a multi-slot agent', () => {
    const ctx = context({
      agents: [{ id: 'a', capacity: 2, kinds: { long: 900, short: 100 } }],
      unassigned: [task('l1', { kind: 'long' }), task('s1', { kind: 'short' }), task('s2', { kind: 'short' })],
    })
    const placements = createStrategy('optimal', { bindAheadMs: null }).place(ctx)
    expect(placements.map((p) => p.taskId)).toEqual(['s1', 's2', 'l1'])
    // Two slots: s1 and s2 at 100 each, l1 after one of them at 1000.
    expect(totalExpectedCompletionMs(ctx, placements)).toBe(100 + 100 + 1000)
  })

  it('solves the first maxTasksPerSolve tasks exactly and places the rest greedily after them', () => {
    const ctx = context({
      agents: [
        { id: 'fast', kinds: { build: 100 } },
        { id: 'slow', kinds: { build: 300 } },
      ],
      unassigned: [...tasks(4, 't', { kind: 'build' }), task('urgent', { kind: 'build', priority: 5, queuedAt: 9 })],
    })
    const placements = createStrategy('optimal', { maxTasksPerSolve: 2, bindAheadMs: null }).place(ctx)
    expect(placements.map((p) => p.taskId)).toEqual(['urgent', 't0', 't1', 't2', 't3'])
    // The batch (urgent, t0) both go to fast (100 + 200 beats 100 + 300); then t1 ties at 300 (fast), t2 to slow
    // (300 < 400), t3 to fast (400 < 600).
    expect(countPer(placements)).toEqual({ fast: 4, slow: 1 })
  })

  it('takes the highest-priority tasks first when room is short', () => {
    const ctx = context({
      agents: [{ id: 'a' }],
      unassigned: [task('old'), task('urgent', { priority: 9, queuedAt: 5 }), task('older', { queuedAt: -1 })],
    })
    expect(
      createStrategy('optimal', { maxQueuedPerSlot: 1, bindAheadMs: null })
        .place(ctx)
        .map((p) => p.taskId)
        .sort(),
    ).toEqual(['older', 'urgent'])
  })
})

// The default: plan everything, bind only what starts within bindAheadMs (250 ms).
describe('optimal, just in time', () => {
  it('binds only what is planned to start soon, the longest task first on the agent that finishes it first', () => {
    const ctx = context({
      agents: [
        { id: 'fast', completed: 5, ratios: { w: 0.5 } },
        { id: 'slow', completed: 5, ratios: { w: 2 } },
      ],
      unassigned: [
        task('small', { kind: 'w', estimatedMs: 100 }),
        task('mid', { kind: 'w', estimatedMs: 600 }),
        task('big', { kind: 'w', estimatedMs: 1000 }),
      ],
    })
    // big: fast 500 beats slow 2000, now. mid: fast again (800 < 1200) but only at 500 ms: left for later.
    // small: slow, now (200 < 850).
    const placements = createStrategy('optimal').place(ctx)
    expect(placements.map((p) => [p.taskId, p.toAgentId])).toEqual([
      ['big', 'fast'],
      ['small', 'slow'],
    ])
    // Bound far enough ahead, mid is bound too, behind big.
    expect(byTask(createStrategy('optimal', { bindAheadMs: 500 }).place(ctx))).toEqual({
      big: 'fast',
      mid: 'fast',
      small: 'slow',
    })
  })

  it('probes an unmeasured agent with the shortest task it can run, and gives it nothing more while it runs', () => {
    const agents = [{ id: 'known', completed: 5, ratios: { w: 1 } }, { id: 'fresh' }]
    const first = context({
      agents,
      unassigned: [
        task('a', { kind: 'w', estimatedMs: 5000 }),
        task('b', { kind: 'w', estimatedMs: 200 }),
        task('c', { kind: 'w', estimatedMs: 800 }),
      ],
    })
    expect(
      createStrategy('optimal')
        .place(first)
        .map((p) => [p.taskId, p.toAgentId]),
    ).toEqual([
      ['b', 'fresh'],
      ['a', 'known'],
    ])
    const later = context({
      agents,
      now: 100,
      unassigned: [task('c', { kind: 'w', estimatedMs: 800 })],
      running: {
        known: [running('a', { kind: 'w', estimatedMs: 5000 })],
        fresh: [running('b', { kind: 'w', estimatedMs: 200 })],
      },
    })
    // fresh is still unmeasured and busy; known is busy for another 4.9 s: c waits.
    expect(createStrategy('optimal').place(later)).toEqual([])
  })

  it('takes the longest task first, but lets a short one that has waited long go ahead', () => {
    const at = (smallQueuedAt: number) =>
      context({
        agents: [{ id: 'a', completed: 5, ratios: { w: 1 } }],
        now: 10_000,
        unassigned: [
          task('big', { kind: 'w', estimatedMs: 4000, queuedAt: 10_000 }),
          task('small', { kind: 'w', estimatedMs: 300, queuedAt: smallQueuedAt }),
        ],
      })
    // Queued together: big first; small would start after it, beyond the horizon.
    expect(byTask(createStrategy('optimal').place(at(10_000)))).toEqual({ big: 'a' })
    // small has waited 10 s: half of that counts toward its size (5300 > 4000), so it goes first.
    expect(byTask(createStrategy('optimal').place(at(0)))).toEqual({ small: 'a' })
  })

  it('counts what remains of the tasks an agent is running', () => {
    const at = (startedAt: number) =>
      context({
        agents: [
          { id: 'a', completed: 5, ratios: { w: 1 } },
          { id: 'b', completed: 5, ratios: { w: 2 } },
        ],
        now: 1000,
        unassigned: [task('t', { kind: 'w', estimatedMs: 300 })],
        running: { a: [running('r', { kind: 'w', estimatedMs: 1000, startedAt })] },
      })
    // r has run 900 of its 1000 ms: a is free in 225 ms (a quarter of the run so far, it overran the rest) and
    // finishes t at 525, before b's 600.
    expect(byTask(createStrategy('optimal').place(at(100)))).toEqual({ t: 'a' })
    // r has run 100 ms: a is busy for 900 more, so b takes t.
    expect(byTask(createStrategy('optimal').place(at(900)))).toEqual({ t: 'b' })
  })

  it('plans busy agents once fewer agents than a scan examines are free now', () => {
    // `fast` is busy for another 50 ms, then finishes the task in 100; the free agents would take 2000.
    const fleet = (free: number) =>
      context({
        agents: [
          { id: 'fast', completed: 5, ratios: { w: 0.1 } },
          ...Array.from({ length: free }, (_, i) => ({ id: `slow-${i}`, completed: 5, ratios: { w: 2 } })),
        ],
        now: 1000,
        unassigned: [task('t', { kind: 'w', estimatedMs: 1000 })],
        running: { fast: [running('r', { kind: 'w', estimatedMs: 500, startedAt: 550 })] },
      })
    expect(byTask(createStrategy('optimal').place(fleet(10)))).toEqual({ t: 'fast' })
    // With a scan's worth of agents free now, the scan ends among them, as it would with every agent planned.
    expect(byTask(createStrategy('optimal').place(fleet(64)))).toEqual({ t: 'slow-0' })
  })
})

// Random contexts: a handful of agents with random capabilities, capacities, loads, speeds and states, and tasks
// with random kinds, priorities and requirements.
const capabilityNames = ['code', 'review', 'gpu']
const kindNames = ['build', 'test', 'deploy']
const agentArb = fc.record({
  capacity: fc.integer({ min: 1, max: 3 }),
  capabilities: fc.subarray(capabilityNames),
  state: fc.constantFrom<'idle' | 'busy' | 'left'>('idle', 'busy', 'busy', 'left'),
  inFlight: fc.integer({ min: 0, max: 3 }),
  meanMs: fc.option(fc.integer({ min: 10, max: 2000 }), { nil: null }),
  kinds: fc.dictionary(fc.constantFrom(...kindNames), fc.integer({ min: 10, max: 2000 }), { maxKeys: 3 }),
})
const taskArb = fc.record({
  kind: fc.option(fc.constantFrom(...kindNames), { nil: null }),
  requiredCapabilities: fc.subarray(capabilityNames, { maxLength: 2 }),
  priority: fc.integer({ min: 0, max: 3 }),
  estimatedMs: fc.option(fc.integer({ min: 1, max: 5000 }), { nil: null }),
})
const contextArb = (maxTasks: number) =>
  fc
    .record({
      agents: fc.array(agentArb, { minLength: 1, maxLength: 5 }),
      tasks: fc.array(taskArb, { maxLength: maxTasks }),
    })
    .map(({ agents, tasks: specs }) =>
      context({
        agents: agents.map((a, i): AgentSpec => ({ id: `a${i}`, ...a })),
        unassigned: specs.map((t, i) => task(`t${i}`, { ...t, queuedAt: i })),
      }),
    )

function checkPlacements(ctx: PlacementContext, placements: Reassignment[], maxQueuedPerSlot: number | null) {
  const pending = new Map(ctx.unassigned.map((t) => [t.taskId, t]))
  const agents = new Map(ctx.snapshot.agents.map((a) => [a.agentId, a]))
  const seen = new Set<string>()
  const added: Record<string, number> = {}
  for (const p of placements) {
    const t = pending.get(p.taskId)
    const target = agents.get(p.toAgentId)
    expect(t, 'only pending tasks are placed').toBeDefined()
    expect(seen.has(p.taskId), 'a task is placed once').toBe(false)
    seen.add(p.taskId)
    expect(target?.state).not.toBe('left')
    for (const c of t!.requiredCapabilities) expect(target!.capabilities).toContain(c)
    expect(p.reason).toBe('place')
    expect(p.fromAgentId).toBeUndefined()
    expect(Number.isFinite(p.expectedGainMs)).toBe(true)
    added[p.toAgentId] = (added[p.toAgentId] ?? 0) + 1
  }
  if (maxQueuedPerSlot === null) return
  for (const [agentId, n] of Object.entries(added)) {
    const a = agents.get(agentId)!
    expect(a.inFlight + a.queued + n).toBeLessThanOrEqual(a.capacity * (1 + maxQueuedPerSlot))
  }
}

describe('the ranked heap of placeGreedy', () => {
  // Larger fleets than contextArb's, with few distinct speeds and loads, so ties are common.
  const fleetArb = (maxTasks: number, maxAgents = 30) =>
    fc
      .record({
        agents: fc.array(
          fc.record({
            capacity: fc.integer({ min: 1, max: 3 }),
            capabilities: fc.subarray(capabilityNames),
            state: fc.constantFrom<'idle' | 'busy' | 'left'>('idle', 'busy', 'busy', 'left'),
            inFlight: fc.integer({ min: 0, max: 2 }),
            meanMs: fc.option(fc.constantFrom(100, 200, 300), { nil: null }),
            kinds: fc.dictionary(fc.constantFrom(...kindNames), fc.constantFrom(100, 200), { maxKeys: 2 }),
          }),
          { minLength: 1, maxLength: maxAgents },
        ),
        tasks: fc.array(taskArb, { maxLength: maxTasks }),
        maxQueuedPerSlot: fc.option(fc.nat(2)),
        draining: fc.array(fc.boolean(), { minLength: maxAgents, maxLength: maxAgents }),
      })
      .map(({ agents, tasks: specs, maxQueuedPerSlot, draining }) => {
        const ctx = context({
          agents: agents.map((a, i): AgentSpec => ({ id: `a${String(i).padStart(2, '0')}`, ...a })),
          unassigned: specs.map((t, i) => task(`t${i}`, { ...t, queuedAt: i })),
        })
        ctx.draining = new Set(ctx.snapshot.agents.filter((_, i) => draining[i]).map((a) => a.agentId))
        return { ctx, maxQueuedPerSlot }
      })

  const pairs = [
    [leastLoadedChoice, byLoad],
    [tightestFitChoice, byFit],
    [earliestCompletion, byCompletion],
  ] as const
  // Far fewer tasks than candidates too: a heap then keeps only as many first-ranked candidates as tasks remain, and
  // placements of other groups take room from them.
  it.each([
    [40, 30],
    [3, 80],
  ])(
    'places every task where the scan of the candidates would, for each ranked strategy (%i tasks, %i agents at most)',
    (maxTasks, maxAgents) => {
      fc.assert(
        fc.property(fleetArb(maxTasks, maxAgents), fc.constantFrom(0, 1, 2), ({ ctx, maxQueuedPerSlot }, which) => {
          const [choose, ranking] = pairs[which]
          const options = strategyOptionsSchema.parse({ maxQueuedPerSlot })
          const scanned = placeGreedy(ctx, options, choose)
          const ranked = placeGreedy(ctx, options, choose, undefined, ranking)
          expect(ranked).toEqual(scanned)
        }),
        { numRuns: 1000 },
      )
    },
  )
})

describe('every strategy on random contexts', () => {
  it('places only pending tasks, once each, on live capable agents with room', () => {
    fc.assert(
      fc.property(
        contextArb(12),
        fc.constantFrom<StrategyName>(...strategyNames),
        fc.option(fc.nat(3)),
        (ctx, name, q) => {
          checkPlacements(ctx, createStrategy(name, { maxQueuedPerSlot: q }).place(ctx), q)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('places on an agent the rebalancer is draining only into its free slots', () => {
    fc.assert(
      fc.property(
        contextArb(12),
        fc.constantFrom<StrategyName>(...strategyNames),
        fc.option(fc.nat(3)),
        fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
        (base, name, q, picks) => {
          const draining = new Set(base.snapshot.agents.filter((_, i) => picks[i]).map((a) => a.agentId))
          const ctx = { ...base, draining }
          const placements = createStrategy(name, { maxQueuedPerSlot: q }).place(ctx)
          checkPlacements(ctx, placements, q)
          for (const agentId of draining) {
            const a = ctx.snapshot.agents.find((x) => x.agentId === agentId)!
            const added = placements.filter((p) => p.toAgentId === agentId).length
            if (added > 0) expect(a.inFlight + a.queued + added).toBeLessThanOrEqual(Math.max(1, a.capacity))
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('optimal never has a larger total expected completion time than greedy performance-based', () => {
    fc.assert(
      fc.property(contextArb(14), (ctx) => {
        const options = { maxQueuedPerSlot: 50, bindAheadMs: null }
        const greedy = createStrategy('performance-based', options).place(ctx)
        const best = createStrategy('optimal', options).place(ctx)
        // With room for everything both place every task some live agent can run.
        expect(best.length).toBe(greedy.length)
        const bestMs = totalExpectedCompletionMs(ctx, best)
        const greedyMs = totalExpectedCompletionMs(ctx, greedy)
        expect(bestMs).toBeLessThanOrEqual(greedyMs + 1e-6 * Math.max(1, greedyMs))
      }),
      { numRuns: 300 },
    )
  })

  it('optimal reaches the brute-force minimum total expected completion time on small instances', () => {
    fc.assert(
      fc.property(contextArb(5), (ctx) => {
        const options = { maxQueuedPerSlot: 50, bindAheadMs: null }
        const best = createStrategy('optimal', options).place(ctx)
        const live = ctx.snapshot.agents.filter((a) => a.state !== 'left')
        const placeable = ctx.unassigned.filter((t) =>
          live.some((a) => t.requiredCapabilities.every((c) => a.capabilities.includes(c))),
        )
        let minimum = Number.POSITIVE_INFINITY
        const choice: Reassignment[] = []
        const search = (i: number) => {
          if (i === placeable.length) {
            minimum = Math.min(minimum, totalExpectedCompletionMs(ctx, choice))
            return
          }
          const t = placeable[i]
          for (const a of live) {
            if (!t.requiredCapabilities.every((c) => a.capabilities.includes(c))) continue
            choice.push({ taskId: t.taskId, toAgentId: a.agentId, reason: 'place', expectedGainMs: 0, at: 0 })
            search(i + 1)
            choice.pop()
          }
        }
        search(0)
        expect(best.length).toBe(placeable.length)
        const bestMs = totalExpectedCompletionMs(ctx, best)
        expect(Math.abs(bestMs - (placeable.length === 0 ? 0 : minimum))).toBeLessThanOrEqual(
          1e-6 * Math.max(1, bestMs),
        )
      }),
      { numRuns: 200 },
    )
  })
})
