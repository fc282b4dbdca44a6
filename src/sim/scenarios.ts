import type { ScenarioInput } from './scenario-schema.js'

/**
 * The named scenarios. All share one heterogeneous fleet design: speeds differ several-fold (0.5x to 4x the
 * reference) and depend on the task kind, and no capability is everywhere (research needs `web`, review needs
 * `code` and `review`). Task sizes are heavy-tailed (bounded Pareto and log-normal). Each is seeded: the same name
 * and seed always give the same run.
 */
const kinds: ScenarioInput['kinds'] = [
  // Sizes are ms of work for a speed-1 agent; tails are heavy but bounded, so one task does not decide a run alone.
  {
    name: 'code',
    requiredCapabilities: ['code'],
    weight: 4,
    size: { type: 'pareto', alpha: 1.8, minMs: 3000, maxMs: 24000 },
  },
  {
    name: 'test',
    requiredCapabilities: ['test'],
    weight: 3,
    size: { type: 'lognormal', medianMs: 4000, sigma: 0.6, maxMs: 20000 },
  },
  {
    name: 'research',
    requiredCapabilities: ['web'],
    weight: 2,
    size: { type: 'pareto', alpha: 1.5, minMs: 2500, maxMs: 24000 },
  },
  {
    name: 'review',
    requiredCapabilities: ['code', 'review'],
    weight: 1,
    size: { type: 'lognormal', medianMs: 2500, sigma: 0.5, maxMs: 10000 },
  },
]

type GroupInput = ScenarioInput['agents'][number]

/** The four agent types, in the order a small fleet takes them. */
const fleetTypes: Record<string, Omit<GroupInput, 'count'>> = {
  // A strong generalist: 4x the reference at everything.
  senior: { name: 'senior', capabilities: ['code', 'test', 'review', 'web'], defaultSpeed: 4 },
  // Code and review only, a little faster at code.
  coder: { name: 'coder', capabilities: ['code', 'review'], speeds: { code: 2.5, review: 2 } },
  // Testing and research, two at a time, slower at research.
  tester: { name: 'tester', capabilities: ['test', 'web'], capacity: 2, speeds: { test: 1.5, research: 1.2 } },
  // Slow at everything it does: 8x slower than a senior.
  junior: { name: 'junior', capabilities: ['code', 'test', 'web'], defaultSpeed: 0.5 },
}

/** A fleet of `n` agents spread over the four types (n = 3: one senior, one coder, one junior). */
function fleet(n: number, overrides: Partial<Record<keyof typeof fleetTypes, Partial<GroupInput>>> = {}): GroupInput[] {
  const order = n === 3 ? ['senior', 'coder', 'junior'] : ['senior', 'coder', 'tester', 'junior']
  const counts = new Map(order.map((t) => [t, 0]))
  for (let i = 0; i < n; i++) counts.set(order[i % order.length], counts.get(order[i % order.length])! + 1)
  return order.map((t) => ({ ...fleetTypes[t], count: counts.get(t)!, ...overrides[t] }))
}

export const scenarios: Record<string, ScenarioInput> = {
  light: {
    name: 'light',
    description: '3 agents, 5 tasks arriving in a burst: the swarm is mostly idle.',
    seed: 1,
    agents: fleet(3),
    kinds,
    arrivals: [{ type: 'burst', atMs: 0, count: 5 }],
  },
  medium: {
    name: 'medium',
    description: '5 agents, 20 tasks: a burst of 8, then a Poisson stream of 12 at 12/min.',
    seed: 1,
    agents: fleet(5),
    kinds,
    arrivals: [
      { type: 'burst', atMs: 0, count: 8 },
      { type: 'poisson', fromMs: 0, ratePerMin: 12, count: 12 },
    ],
  },
  heavy: {
    name: 'heavy',
    description: '8 agents, 50 tasks queued at once: a backlog of about 3x what the fleet clears in one task time.',
    seed: 1,
    agents: fleet(8),
    kinds,
    arrivals: [{ type: 'burst', atMs: 0, count: 50 }],
  },
  overload: {
    name: 'overload',
    description: '8 agents, 100 tasks: a burst of 60, then 40 more at 300/min, faster than the fleet can clear them.',
    seed: 1,
    agents: fleet(8),
    kinds,
    arrivals: [
      { type: 'burst', atMs: 0, count: 60 },
      { type: 'poisson', fromMs: 0, ratePerMin: 300, count: 40 },
    ],
  },
  failure: {
    name: 'failure',
    description:
      '8 agents, 120 tasks (a burst of 40, then 80 at 150/min); juniors fail 15% of attempts and testers 5%, senior-1 slows down 5x at 8 s, coder-2 crashes at 12 s and tester-1 at 20 s.',
    seed: 1,
    agents: fleet(8, { junior: { failureProbability: 0.15 }, tester: { failureProbability: 0.05 } }),
    kinds,
    arrivals: [
      { type: 'burst', atMs: 0, count: 40 },
      { type: 'poisson', fromMs: 0, ratePerMin: 150, count: 80 },
    ],
    faults: [
      { type: 'slowdown', agentId: 'senior-1', atMs: 8000, factor: 5 },
      { type: 'crash', agentId: 'coder-2', atMs: 12000 },
      { type: 'crash', agentId: 'tester-1', atMs: 20000 },
    ],
  },
  churn: {
    name: 'churn',
    description:
      '10 agents, 300 tasks at 200/min; from 5 s to 90 s agents leave and fresh ones join, about 10 of each per minute.',
    seed: 1,
    agents: fleet(10),
    kinds,
    arrivals: [{ type: 'poisson', fromMs: 0, ratePerMin: 200, count: 300 }],
    churn: {
      fromMs: 5000,
      untilMs: 90000,
      leaveRatePerMin: 10,
      joinRatePerMin: 10,
      minAgents: 5,
      joiner: { name: 'joiner', count: 0, capabilities: ['code', 'test', 'review', 'web'], defaultSpeed: 2 },
    },
  },
  large: {
    name: 'large',
    description: '1000 agents, 100,000 tasks as a Poisson stream at 20,000/min, which the fleet keeps up with.',
    seed: 1,
    agents: fleet(1000),
    kinds,
    arrivals: [{ type: 'poisson', fromMs: 0, ratePerMin: 20000, count: 100000 }],
  },
}

export const scenarioNames = Object.keys(scenarios)
