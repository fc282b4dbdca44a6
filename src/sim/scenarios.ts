import type { AgentGroup, ScenarioInput } from './scenario-schema.js'

/**
 * The named scenarios. All share one heterogeneous fleet design: speeds differ several-fold (0.5x to 4x the
 * reference) and depend on the task kind, and no capability is everywhere (research needs `web`, review needs
 * `code` and `review`). Task sizes are heavy-tailed (bounded Pareto and log-normal). Each is seeded: the same name
 * and seed always give the same run.
 */
const kinds: ScenarioInput['kinds'] = [
  // Sizes are ms of work for a speed-1 agent.
  {
    name: 'code',
    requiredCapabilities: ['code'],
    weight: 4,
    size: { type: 'pareto', alpha: 1.6, minMs: 3000, maxMs: 40000 },
  },
  {
    name: 'test',
    requiredCapabilities: ['test'],
    weight: 3,
    size: { type: 'lognormal', medianMs: 4000, sigma: 0.8, maxMs: 40000 },
  },
  {
    name: 'research',
    requiredCapabilities: ['web'],
    weight: 2,
    size: { type: 'pareto', alpha: 1.3, minMs: 2000, maxMs: 50000 },
  },
  {
    name: 'review',
    requiredCapabilities: ['code', 'review'],
    weight: 1,
    size: { type: 'lognormal', medianMs: 2500, sigma: 0.6, maxMs: 20000 },
  },
]

type GroupInput = ScenarioInput['agents'][number]

/** The four agent types, in the order a small fleet takes them. */
const fleetTypes: Record<string, Omit<GroupInput, 'count'>> = {
  // A strong generalist, fastest at code.
  senior: {
    name: 'senior',
    capabilities: ['code', 'test', 'review', 'web'],
    speeds: { code: 4, test: 3, review: 3, research: 2 },
  },
  // Code and review only, fast at them.
  coder: { name: 'coder', capabilities: ['code', 'review'], speeds: { code: 2.5, review: 2 } },
  // Testing and research, two at a time.
  tester: { name: 'tester', capabilities: ['test', 'web'], capacity: 2, speeds: { test: 1.5, research: 1 } },
  // Cheap and slow at everything it does.
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
    description: '8 agents, 50 tasks: a burst of 30 and a Poisson stream of 20 at 30/min, near the fleet capacity.',
    seed: 1,
    agents: fleet(8),
    kinds,
    arrivals: [
      { type: 'burst', atMs: 0, count: 30 },
      { type: 'poisson', fromMs: 0, ratePerMin: 30, count: 20 },
    ],
  },
  overload: {
    name: 'overload',
    description: '8 agents, 100 tasks: a burst of 60 and a stream of 40 at 60/min, far beyond capacity.',
    seed: 1,
    agents: fleet(8),
    kinds,
    arrivals: [
      { type: 'burst', atMs: 0, count: 60 },
      { type: 'poisson', fromMs: 0, ratePerMin: 60, count: 40 },
    ],
  },
  failure: {
    name: 'failure',
    description:
      '8 agents, 80 tasks over ~2 minutes; juniors fail 10% of attempts, senior-1 slows down 5x at 20 s, coder-2 crashes at 30 s and tester-1 at 60 s.',
    seed: 1,
    agents: fleet(8, { junior: { failureProbability: 0.1 } }),
    kinds,
    arrivals: [
      { type: 'burst', atMs: 0, count: 20 },
      { type: 'poisson', fromMs: 0, ratePerMin: 40, count: 60 },
    ],
    faults: [
      { type: 'slowdown', agentId: 'senior-1', atMs: 20000, factor: 5 },
      { type: 'crash', agentId: 'coder-2', atMs: 30000 },
      { type: 'crash', agentId: 'tester-1', atMs: 60000 },
    ],
  },
  churn: {
    name: 'churn',
    description:
      '10 agents, 150 tasks at 50/min; from 10 s on agents leave and fresh ones join, about 5 of each per minute.',
    seed: 1,
    agents: fleet(10),
    kinds,
    arrivals: [{ type: 'poisson', fromMs: 0, ratePerMin: 50, count: 150 }],
    churn: {
      fromMs: 10000,
      untilMs: 170000,
      leaveRatePerMin: 5,
      joinRatePerMin: 5,
      minAgents: 5,
      joiner: {
        ...(fleetTypes.senior as AgentGroup),
        name: 'joiner',
        count: 0,
        speeds: { code: 2, test: 2, review: 2, research: 1.5 },
      },
    },
  },
  large: {
    name: 'large',
    description: '1000 agents, 100,000 tasks as a Poisson stream at 20,000/min (about 80% of the fleet capacity).',
    seed: 1,
    agents: fleet(1000),
    kinds,
    arrivals: [{ type: 'poisson', fromMs: 0, ratePerMin: 20000, count: 100000 }],
  },
}

export const scenarioNames = Object.keys(scenarios)
