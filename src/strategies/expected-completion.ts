import type { Reassignment } from '../model/reassignment.js'
import type { AgentKindStats, AgentSnapshot } from '../model/snapshot.js'
import type { PendingTask, PlacementContext, RunningTask } from '../model/strategy.js'

/**
 * The expected-completion model every strategy and the rebalancer share, so that "better" means the same thing
 * to all of them.
 *
 * Service time of a task on an agent (ms):
 *   - when the host gave the task an `estimatedMs`: that estimate times the agent's estimate ratio (its measured
 *     serviceMs / estimatedMs, `byKind[kind].estimateRatio`; else over all its kinds). Sizes are heavy-tailed, so
 *     the task's own estimate beats any mean, and a ratio to the estimate is not biased by which tasks the agent
 *     happened to get (a mean of raw times is: give the long tasks to the fast agents and they look slow). An
 *     agent without such a ratio takes the fleet's median ratio for the kind, scaled by how its raw means compare
 *     with the fleet's when it has any; with no ratio anywhere the estimate is taken at its word.
 *   - otherwise the first known of: the agent's measured mean for the task's kind (`byKind[kind].meanServiceMs`),
 *     its overall measured mean (`serviceMs.mean`), the fleet's mean for the kind (`snapshot.kinds`), and the prior
 *     (`priorServiceMs`, 1000 ms unless configured).
 *
 * Backlog of an agent (ms of work): each queued task at its service estimate for that agent, plus what remains of
 * each running task. With the context's `runningAt`, that is the task's expected service less the time it has run
 * (an overrunning task is expected to run on for a quarter of its time so far: heavy tails make a long run
 * likelier to be longer still); without it, the agent's overall mean per in-flight task (the memoryless guess).
 *
 * Expected completion of a task appended to an agent of capacity k: backlog / k + service. This is a fluid model:
 * the k slots share the backlog evenly. Under it, total completion time of the tasks given to one agent is
 * minimised by shortest-first, and over all agents it is an exact assignment problem (see optimal.ts).
 */
export interface ExpectedCompletionModel {
  /** Live agents (state is not 'left'), in snapshot order. */
  readonly agents: readonly AgentSnapshot[]
  agent(agentId: string): AgentSnapshot | undefined
  serviceMs(agent: AgentSnapshot, task: Pick<PendingTask, 'kind' | 'estimatedMs'>): number
  /** Expected time left (ms from now) of each task the agent is running, in start order. */
  remainingMs(agent: AgentSnapshot): number[]
  /** Whether anything was measured about the agent's speed (a completion, or an estimate ratio). */
  measured(agent: AgentSnapshot): boolean
  /** Work ahead of a task appended now, ms of service summed over the agent's queue and in-flight tasks. */
  backlogMs(agentId: string): number
  /** backlog / capacity + service: when the task would finish if appended to the agent now. */
  completionMs(agent: AgentSnapshot, task: PendingTask): number
  /**
   * Tasks the agent holds (in flight plus queued), including work added in this call. `agent`, its entry when at hand,
   * spares a look-up by id (on a large fleet the first one builds a map of every agent).
   */
  occupancy(agentId: string, agent?: AgentSnapshot): number
  /** occupancy / capacity of one of `agents` (no look-up by id). */
  loadOf(agent: AgentSnapshot): number
  /** backlogMs of one of `agents` (no look-up by id). */
  backlogOf(agent: AgentSnapshot): number
  /** Whether the context lists the agent as draining (see PlacementContext.draining). */
  draining(agentId: string): boolean
  /** Record work given to (positive) or taken from (negative) an agent within this call (`agent` as for occupancy). */
  addWork(agentId: string, serviceMs: number, tasks: number, agent?: AgentSnapshot): void
  /** Live agents holding every capability the task requires (cached per set of requirements). */
  capable(task: PendingTask): readonly AgentSnapshot[]
  /**
   * Mean expected completion of the task over its capable agents (an even sample of at most `referenceAgents`) as
   * the call began; null when none is capable.
   */
  meanCompletionMs(task: PendingTask): number | null
}

export const defaultPriorServiceMs = 1000
const noTasks: readonly PendingTask[] = Object.freeze([])
/** Agents sampled for the mean capable agent behind a placement's `expectedGainMs`. */
export const referenceAgents = 64

export function isLive(agent: AgentSnapshot): boolean {
  return agent.state !== 'left'
}

/** A task never goes to an agent lacking one of its required capabilities, nor to one that has left. */
export function canRun(agent: AgentSnapshot, task: PendingTask): boolean {
  if (!isLive(agent)) return false
  const required = task.requiredCapabilities
  if (required.length === 0) return true
  const have = agent.capabilities
  for (const capability of required) if (!have.includes(capability)) return false
  return true
}

/** Placement order: higher `priority` first, then oldest first (stable). */
export function placementOrder(tasks: readonly PendingTask[]): PendingTask[] {
  return tasks
    .map((task, index) => ({ task, index }))
    .sort((a, b) => b.task.priority - a.task.priority || a.task.queuedAt - b.task.queuedAt || a.index - b.index)
    .map((entry) => entry.task)
}

export function createExpectedCompletion(
  ctx: PlacementContext,
  priorServiceMs: number = defaultPriorServiceMs,
): ExpectedCompletionModel {
  const { snapshot } = ctx
  const agents = snapshot.agents.filter(isLive)
  // Built on the first look-up by id: a call that reaches agents through `agents` and `capable` (a greedy placement
  // with a ranking) need not hash every id of a large fleet.
  let byIdMap: Map<string, AgentSnapshot> | null = null
  const byId = {
    get: (agentId: string) => {
      if (byIdMap === null) {
        byIdMap = new Map()
        for (const a of snapshot.agents) byIdMap.set(a.agentId, a)
      }
      return byIdMap.get(agentId)
    },
  }

  const fleetKindMs = new Map<string, number>()
  let fleetSum = 0
  let fleetCount = 0
  for (const kind of snapshot.kinds) {
    if (kind.meanServiceMs === null || !Number.isFinite(kind.meanServiceMs)) continue
    fleetKindMs.set(kind.kind, kind.meanServiceMs)
    fleetSum += kind.meanServiceMs * kind.completed
    fleetCount += kind.completed
  }
  const fleetOverallMs = fleetCount > 0 ? fleetSum / fleetCount : null
  const fleetMeanMs = fleetOverallMs ?? priorServiceMs

  /**
   * The agent's measured service time over the fleet's (2 = twice as slow): for the kind when both know it, else
   * overall, else 1. (A mean over the tasks the agent happened to get: biased when sizes were not spread evenly.)
   */
  const serviceRatio = (agent: AgentSnapshot, kind: string | null): number => {
    if (kind !== null) {
      const own = agent.byKind[kind]?.meanServiceMs
      const fleet = fleetKindMs.get(kind)
      if (own != null && Number.isFinite(own) && fleet !== undefined && fleet > 0) return own / fleet
    }
    const overall = agent.serviceMs.mean
    if (overall !== null && Number.isFinite(overall) && fleetOverallMs !== null && fleetOverallMs > 0)
      return overall / fleetOverallMs
    return 1
  }

  // Estimate ratios, computed on first use and kept for the call: a strategy over thousands of agents pays only
  // for the agents and kinds it asks about.
  const ownRatios = new Map<AgentSnapshot, number | null>()
  /** The agent's serviceMs / estimatedMs over all its kinds (weighted by samples); null when it has none. */
  const ownRatio = (agent: AgentSnapshot): number | null => {
    let ratio = ownRatios.get(agent)
    if (ratio !== undefined) return ratio
    let sum = 0
    let count = 0
    for (const kind in agent.byKind) {
      const stats = agent.byKind[kind]
      const kindRatio = usableRatio(stats)
      if (kindRatio === null) continue
      sum += kindRatio * (stats.estimated as number)
      count += stats.estimated as number
    }
    ratio = count > 0 ? sum / count : null
    ownRatios.set(agent, ratio)
    return ratio
  }
  let fleetRatios: Map<string | null, number | null> | null = null
  /** The live fleet's median estimate ratio for the kind (else over all kinds); null when nobody has one. */
  const fleetRatio = (kind: string | null): number | null => {
    if (fleetRatios === null) {
      const byKind = new Map<string, number[]>()
      const overall: number[] = []
      for (const agent of agents) {
        const own = ownRatio(agent)
        if (own === null) continue
        overall.push(own)
        for (const k in agent.byKind) {
          const kindRatio = usableRatio(agent.byKind[k])
          if (kindRatio === null) continue
          let list = byKind.get(k)
          if (!list) byKind.set(k, (list = []))
          list.push(kindRatio)
        }
      }
      const overallMedian = median(overall)
      fleetRatios = new Map<string | null, number | null>([[null, overallMedian]])
      for (const [k, list] of byKind) fleetRatios.set(k, median(list))
    }
    const forKind = kind === null ? undefined : fleetRatios.get(kind)
    return forKind ?? fleetRatios.get(null) ?? null
  }

  const ratios = new Map<AgentSnapshot, Map<string | null, number>>()
  /** serviceMs / estimatedMs expected of the agent for the kind. */
  const estimateRatio = (agent: AgentSnapshot, kind: string | null): number => {
    let perKind = ratios.get(agent)
    if (!perKind) ratios.set(agent, (perKind = new Map()))
    let ratio = perKind.get(kind)
    if (ratio !== undefined) return ratio
    const stats = kind === null ? undefined : agent.byKind[kind]
    const forKind = stats ? usableRatio(stats) : null
    if (forKind !== null) ratio = forKind
    else {
      const own = ownRatio(agent)
      // Without a ratio of its own: the fleet's, scaled by how the agent's raw times compare with the fleet's.
      const fleet = own === null ? fleetRatio(kind) : null
      ratio = own ?? (fleet === null ? serviceRatio(agent, kind) : fleet * serviceRatio(agent, kind))
    }
    perKind.set(kind, ratio)
    return ratio
  }

  const serviceMs = (agent: AgentSnapshot, task: Pick<PendingTask, 'kind' | 'estimatedMs'>): number => {
    const kind = task.kind
    // The host's size estimate carries what a kind mean cannot (this task's own size); the measurements say how
    // this agent's times compare with the estimates.
    if (task.estimatedMs !== null && Number.isFinite(task.estimatedMs))
      return task.estimatedMs * estimateRatio(agent, kind)
    if (kind !== null) {
      const own = agent.byKind[kind]?.meanServiceMs
      if (own != null && Number.isFinite(own)) return own
    }
    const overall = agent.serviceMs.mean
    if (overall !== null && Number.isFinite(overall)) return overall
    if (kind !== null) {
      const fleet = fleetKindMs.get(kind)
      if (fleet !== undefined) return fleet
    }
    return priorServiceMs
  }

  const remaining = new Map<AgentSnapshot, number[]>()
  const remainingMs = (agent: AgentSnapshot): number[] => {
    let list = remaining.get(agent)
    if (list) return list
    if (ctx.runningAt) {
      const running = ctx.runningAt(agent.agentId)
      // Nothing kept for an agent running nothing (most of a large fleet at a tick): a fresh empty list is as cheap.
      if (running.length === 0) return []
      list = running.map((task: RunningTask) => {
        const ranMs = Math.max(0, ctx.now - task.startedAt)
        return Math.max(serviceMs(agent, task) - ranMs, ranMs / 4)
      })
    } else list = new Array<number>(agent.inFlight).fill(agent.serviceMs.mean ?? fleetMeanMs)
    remaining.set(agent, list)
    return list
  }

  // Each agent's work as the call began, computed on first use; this call's additions apart.
  const initialWork = new Map<string, number>()
  const initialWorkOf = (agentId: string, known?: AgentSnapshot): number => {
    let work = initialWork.get(agentId)
    if (work !== undefined) return work
    work = 0
    const agent = known ?? byId.get(agentId)
    if (agent) {
      const queuedTasks = ctx.queuedAt.get(agentId) ?? noTasks
      for (const task of queuedTasks) work += serviceMs(agent, task)
      if (ctx.runningAt && isLive(agent)) for (const ms of remainingMs(agent)) work += ms
      else {
        // The snapshot may count queued tasks the context does not list (a host that reports only depths).
        const unlisted = Math.max(0, agent.queued - queuedTasks.length)
        work += (agent.inFlight + unlisted) * (agent.serviceMs.mean ?? fleetMeanMs)
      }
    }
    initialWork.set(agentId, work)
    return work
  }
  // Tasks each agent holds (in flight plus queued, listed or only counted), this call's placements included:
  // strategies ask for every candidate of every task, so it is one lookup once known. (Keeping only the agents a call
  // changed measured the same on 100 and 1000 agents with 512 tasks and about 5% quicker on 10,000 with 100: not
  // worth a second rule.)
  const held = new Map<string, number>()
  const occupancy = (agentId: string, known?: AgentSnapshot): number => {
    let count = held.get(agentId)
    if (count !== undefined) return count
    const agent = known ?? byId.get(agentId)
    const listed = ctx.queuedAt.get(agentId)?.length ?? 0
    count = agent ? agent.inFlight + Math.max(agent.queued, listed) : listed
    held.set(agentId, count)
    return count
  }
  const addedWork = new Map<string, number>()
  const backlogMs = (agentId: string, known?: AgentSnapshot) =>
    Math.max(0, initialWorkOf(agentId, known) + (addedWork.get(agentId) ?? 0))

  const capableBySignature = new Map<string, AgentSnapshot[]>()
  const signatureOf = (task: PendingTask) =>
    task.requiredCapabilities.length === 0 ? '' : [...task.requiredCapabilities].sort().join('\u0000')
  const capable = (task: PendingTask): AgentSnapshot[] => {
    const signature = signatureOf(task)
    let list = capableBySignature.get(signature)
    if (!list) capableBySignature.set(signature, (list = agents.filter((agent) => canRun(agent, task))))
    return list
  }
  // Per set of requirements and kind: the mean wait, and the mean estimate ratio (tasks with an estimate) or mean
  // service (tasks without), over the capable agents as the call began.
  const reference = new Map<string, { waitMs: number; ratio: number; serviceMs: number } | null>()
  const meanCompletionMs = (task: PendingTask): number | null => {
    const withEstimate = task.estimatedMs !== null && Number.isFinite(task.estimatedMs)
    const key = `${signatureOf(task)}\u0001${task.kind ?? ''}\u0001${withEstimate ? 'e' : 'm'}`
    let ref = reference.get(key)
    if (ref === undefined) {
      const list = capable(task)
      if (list.length === 0) ref = null
      else {
        let waitMs = 0
        let ratio = 0
        let service = 0
        // A reference figure: over an even sample of at most `referenceAgents`, so a call over thousands of agents
        // does not pay for every agent's backlog.
        const step = Math.max(1, Math.ceil(list.length / referenceAgents))
        let n = 0
        for (let i = 0; i < list.length; i += step, n++) {
          const agent = list[i]
          waitMs += initialWorkOf(agent.agentId, agent) / Math.max(1, agent.capacity)
          if (withEstimate) ratio += estimateRatio(agent, task.kind)
          else service += serviceMs(agent, task)
        }
        ref = { waitMs: waitMs / n, ratio: ratio / n, serviceMs: service / n }
      }
      reference.set(key, ref)
    }
    if (ref === null) return null
    return ref.waitMs + (withEstimate ? (task.estimatedMs as number) * ref.ratio : ref.serviceMs)
  }

  return {
    agents,
    capable,
    meanCompletionMs,
    agent: (agentId) => byId.get(agentId),
    serviceMs,
    remainingMs,
    measured: (agent) => agent.tasksCompleted > 0 || ownRatio(agent) !== null,
    backlogMs,
    completionMs(agent, task) {
      return backlogMs(agent.agentId, agent) / Math.max(1, agent.capacity) + serviceMs(agent, task)
    },
    occupancy,
    loadOf: (agent) => occupancy(agent.agentId, agent) / Math.max(1, agent.capacity),
    backlogOf: (agent) => backlogMs(agent.agentId, agent),
    draining: (agentId) => ctx.draining?.has(agentId) ?? false,
    addWork(agentId, ms, tasks, agent) {
      addedWork.set(agentId, (addedWork.get(agentId) ?? 0) + ms)
      held.set(agentId, Math.max(0, occupancy(agentId, agent) + tasks))
    },
  }
}

/**
 * Total expected completion time of a set of placements under the fluid model, each agent running the tasks it
 * was given shortest-first across its k slots (the best order for that agent). The yardstick the optimal strategy
 * minimises and the tests compare strategies by.
 */
export function totalExpectedCompletionMs(
  ctx: PlacementContext,
  placements: readonly Reassignment[],
  priorServiceMs: number = defaultPriorServiceMs,
): number {
  const model = createExpectedCompletion(ctx, priorServiceMs)
  const tasks = new Map(ctx.unassigned.map((task) => [task.taskId, task]))
  const perAgent = new Map<string, number[]>()
  for (const placement of placements) {
    const agent = model.agent(placement.toAgentId)
    const task = tasks.get(placement.taskId)
    if (!agent || !task) throw new Error(`placement of ${placement.taskId} on ${placement.toAgentId} is unknown`)
    const list = perAgent.get(agent.agentId) ?? []
    list.push(model.serviceMs(agent, task))
    perAgent.set(agent.agentId, list)
  }
  let total = 0
  for (const [agentId, services] of perAgent) {
    const agent = model.agent(agentId)!
    const k = Math.max(1, agent.capacity)
    services.sort((a, b) => b - a)
    total += (services.length * model.backlogMs(agentId)) / k
    // Longest first in this list: the i-th longest runs with floor(i / k) tasks after it on its slot.
    services.forEach((service, i) => {
      total += service * (Math.floor(i / k) + 1)
    })
  }
  return total
}

/**
 * Expected completion of a placement versus the mean capable agent as the call began (the `expectedGainMs` of a
 * placement).
 */
export function placementGainMs(model: ExpectedCompletionModel, task: PendingTask, chosenCompletionMs: number): number {
  const mean = model.meanCompletionMs(task)
  return mean === null ? 0 : mean - chosenCompletionMs
}

/** The kind's estimate ratio when it rests on at least one sample and is finite; else null. */
function usableRatio(stats: AgentKindStats): number | null {
  const ratio = stats.estimateRatio
  return ratio != null && (stats.estimated ?? 0) > 0 && Number.isFinite(ratio) ? ratio : null
}

function median(values: readonly number[] | undefined): number | null {
  if (!values || values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
