import { parseConfig } from '../model/validate.js'
import { exponential, normal, sampleSize } from './distributions.js'
import { createRng } from './rng.js'
import { type AgentGroup, type Scenario, type ScenarioInput, scenarioSchema } from './scenario-schema.js'

/** One agent of a plan, with everything resolved: its speed for every kind it can run, when it joins and leaves. */
export interface PlannedAgent {
  agentId: string
  role: string
  capabilities: string[]
  capacity: number
  /** Speed per task kind it is capable of; kinds it cannot run are absent. */
  speeds: Record<string, number>
  failureProbability: number
  joinAtMs: number
  leaveAtMs: number | null
  leaveReason: 'crash' | 'churn' | null
}

export interface PlannedTask {
  /** The task's id; a retried attempt gets `${jobId}~${attempt}`. */
  jobId: string
  kind: string
  requiredCapabilities: string[]
  /** Work, in ms for an agent of speed 1. */
  sizeMs: number
  /** What the host announces (`task:queued.estimatedMs`): the size with estimation noise. */
  estimatedMs: number
  arrivalMs: number
}

export interface PlannedSlowdown {
  agentId: string
  atMs: number
  factor: number
  untilMs: number | null
}

/** A concrete run: the same scenario and seed always give the same plan. Times are ms from the start of the run. */
export interface SimulationPlan {
  scenario: string
  seed: number
  agents: PlannedAgent[]
  /** Sorted by arrival. */
  tasks: PlannedTask[]
  slowdowns: PlannedSlowdown[]
  maxAttempts: number
}

export interface PlanOptions {
  seed?: number
  /** Scale the fleet to this many agents (groups keep their proportions); task counts and rates scale with it. */
  agents?: number
}

function capableOf(group: Pick<AgentGroup, 'capabilities'>, required: readonly string[]): boolean {
  return required.every((c) => group.capabilities.includes(c))
}

function resolveSpeeds(group: AgentGroup, scenario: Scenario): Record<string, number> {
  const speeds: Record<string, number> = {}
  for (const kind of scenario.kinds) {
    if (capableOf(group, kind.requiredCapabilities)) speeds[kind.name] = group.speeds[kind.name] ?? group.defaultSpeed
  }
  return speeds
}

/** Split `total` over groups in proportion to their counts (largest remainder), every group keeping at least one. */
function scaleCounts(counts: readonly number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0)
  const exact = counts.map((c) => (c / sum) * total)
  const out = exact.map((e, i) => (counts[i] > 0 ? Math.max(1, Math.floor(e)) : 0))
  let left = total - out.reduce((a, b) => a + b, 0)
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i)
  for (let k = 0; left > 0; k = (k + 1) % order.length) {
    if (counts[order[k].i] > 0) {
      out[order[k].i]++
      left--
    }
  }
  for (let i = out.length - 1; left < 0 && i >= 0; i--) {
    while (left < 0 && out[i] > 1) {
      out[i]--
      left++
    }
  }
  return out
}

function agentFrom(group: AgentGroup, index: number, scenario: Scenario, joinAtMs: number): PlannedAgent {
  return {
    agentId: `${group.name}-${index}`,
    role: group.name,
    capabilities: [...group.capabilities],
    capacity: group.capacity,
    speeds: resolveSpeeds(group, scenario),
    failureProbability: group.failureProbability,
    joinAtMs,
    leaveAtMs: null,
    leaveReason: null,
  }
}

/** Validate a scenario (one ConfigError naming every wrong field) and expand it into a concrete plan. */
export function buildPlan(input: ScenarioInput | Scenario, options: PlanOptions = {}): SimulationPlan {
  const scenario = parseConfig(scenarioSchema, input, `scenario ${(input as { name?: string }).name ?? ''}`.trim())
  const seed = options.seed ?? scenario.seed
  const rng = createRng(seed)
  const baseAgents = scenario.agents.reduce((a, g) => a + g.count, 0)
  const scale = options.agents === undefined ? 1 : options.agents / baseAgents
  const counts =
    options.agents === undefined
      ? scenario.agents.map((g) => g.count)
      : scaleCounts(
          scenario.agents.map((g) => g.count),
          options.agents,
        )

  const agents: PlannedAgent[] = []
  scenario.agents.forEach((group, g) => {
    for (let i = 1; i <= counts[g]; i++) agents.push(agentFrom(group, i, scenario, group.joinAtMs))
  })
  const byId = new Map(agents.map((a) => [a.agentId, a]))
  for (const fault of scenario.faults) {
    const agent = byId.get(fault.agentId)
    if (fault.type === 'crash' && agent && agent.leaveAtMs === null) {
      agent.leaveAtMs = fault.atMs
      agent.leaveReason = 'crash'
    }
  }
  const slowdowns: PlannedSlowdown[] = scenario.faults.flatMap((f) =>
    f.type === 'slowdown' && byId.has(f.agentId)
      ? [{ agentId: f.agentId, atMs: f.atMs, factor: f.factor, untilMs: f.durationMs ? f.atMs + f.durationMs : null }]
      : [],
  )

  if (scenario.churn) planChurn(scenario, agents, rng.fork('churn'), scale)

  // Tasks: arrival times, then kind and size per task from their own streams.
  const arrivalRng = rng.fork('arrivals')
  const arrivals: number[] = []
  for (const a of scenario.arrivals) {
    const count = Math.round(a.count * scale)
    if (a.type === 'burst') for (let i = 0; i < count; i++) arrivals.push(a.atMs)
    else {
      let t = a.fromMs
      for (let i = 0; i < count; i++) {
        t += exponential(arrivalRng, 60000 / (a.ratePerMin * scale))
        arrivals.push(t)
      }
    }
  }
  arrivals.sort((a, b) => a - b)
  const kindRng = rng.fork('kinds')
  const sizeRng = rng.fork('sizes')
  const noiseRng = rng.fork('estimates')
  const totalWeight = scenario.kinds.reduce((a, k) => a + k.weight, 0)
  const width = String(arrivals.length).length
  const tasks: PlannedTask[] = arrivals.map((arrivalMs, i) => {
    let pick = kindRng.next() * totalWeight
    let kind = scenario.kinds[scenario.kinds.length - 1]
    for (const k of scenario.kinds) {
      pick -= k.weight
      if (pick < 0) {
        kind = k
        break
      }
    }
    const sizeMs = Math.round(sampleSize(sizeRng, kind.size))
    const estimatedMs = Math.max(1, Math.round(sizeMs * Math.exp(scenario.estimateNoise * normal(noiseRng))))
    return {
      jobId: `task-${String(i + 1).padStart(width, '0')}`,
      kind: kind.name,
      requiredCapabilities: [...kind.requiredCapabilities],
      sizeMs: Math.max(1, sizeMs),
      estimatedMs,
      arrivalMs: Math.round(arrivalMs),
    }
  })
  return { scenario: scenario.name, seed, agents, tasks, slowdowns, maxAttempts: scenario.maxAttempts }
}

/** Agents leave (the longest-lived first is as good as any: pick at random) and fresh ones join, as Poisson streams. */
function planChurn(scenario: Scenario, agents: PlannedAgent[], rng: ReturnType<typeof createRng>, scale: number) {
  const churn = scenario.churn!
  type Change = { at: number; join: boolean }
  const changes: Change[] = []
  for (const [rate, join] of [
    [churn.leaveRatePerMin * scale, false],
    [churn.joinRatePerMin * scale, true],
  ] as const) {
    if (rate <= 0) continue
    for (let t = churn.fromMs + exponential(rng, 60000 / rate); t < churn.untilMs; t += exponential(rng, 60000 / rate))
      changes.push({ at: Math.round(t), join })
  }
  changes.sort((a, b) => a.at - b.at || Number(a.join) - Number(b.join))
  let joined = 0
  for (const change of changes) {
    if (change.join) {
      agents.push(agentFrom(churn.joiner, ++joined, scenario, change.at))
      continue
    }
    const live = agents.filter((a) => a.joinAtMs <= change.at && (a.leaveAtMs === null || a.leaveAtMs > change.at))
    if (live.length <= churn.minAgents) continue
    // Keep every kind runnable: only agents whose leaving leaves another capable live agent for each kind.
    const candidates = live.filter((a) =>
      Object.keys(a.speeds).every((kind) => live.some((b) => b !== a && b.speeds[kind] !== undefined)),
    )
    if (candidates.length === 0) continue
    const leaving = candidates[rng.int(candidates.length)]
    leaving.leaveAtMs = change.at
    leaving.leaveReason = 'churn'
  }
}
