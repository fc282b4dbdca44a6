import type { Reassignment } from '../model/reassignment.js'
import type { AgentSnapshot } from '../model/snapshot.js'
import type { PendingTask, PlacementContext } from '../model/strategy.js'

/**
 * The expected-completion model every strategy and the rebalancer share, so that "better" means the same thing
 * to all of them.
 *
 * Service time of a task on an agent (ms):
 *   - when the host gave the task an `estimatedMs`: that estimate times the agent's measured speed relative to the
 *     fleet (its mean for the kind over the fleet's mean for the kind; else its overall mean over the fleet's
 *     overall mean; else 1, an unmeasured agent counting as average). Sizes are heavy-tailed, so the task's own
 *     estimate beats any mean; the ratio carries what was measured about the agent.
 *   - otherwise the first known of: the agent's measured mean for the task's kind (`byKind[kind].meanServiceMs`),
 *     its overall measured mean (`serviceMs.mean`), the fleet's mean for the kind (`snapshot.kinds`), and the prior
 *     (`priorServiceMs`, 1000 ms unless configured).
 *
 * Backlog of an agent (ms of work): each queued task at its service estimate for that agent, plus each in-flight
 * task at the agent's overall mean (the context does not say which kind is running, nor since when: a full mean is
 * the memoryless estimate of what remains).
 *
 * Expected completion of a task appended to an agent of capacity k: backlog / k + service. This is a fluid model:
 * the k slots share the backlog evenly. Under it, total completion time of the tasks given to one agent is
 * minimised by shortest-first, and over all agents it is an exact assignment problem (see optimal.ts).
 */
export interface ExpectedCompletionModel {
  /** Live agents (state is not 'left'), in snapshot order. */
  readonly agents: readonly AgentSnapshot[]
  agent(agentId: string): AgentSnapshot | undefined
  serviceMs(agent: AgentSnapshot, task: PendingTask): number
  /** Work ahead of a task appended now, ms of service summed over the agent's queue and in-flight tasks. */
  backlogMs(agentId: string): number
  /** backlog / capacity + service: when the task would finish if appended to the agent now. */
  completionMs(agent: AgentSnapshot, task: PendingTask): number
  /** Tasks the agent holds (in flight plus queued), including work added in this call. */
  occupancy(agentId: string): number
  /** Record work given to (positive) or taken from (negative) an agent within this call. */
  addWork(agentId: string, serviceMs: number, tasks: number): void
  /** Live agents holding every capability the task requires (cached per set of requirements). */
  capable(task: PendingTask): readonly AgentSnapshot[]
  /** Mean expected completion of the task over its capable agents as the call began; null when none is capable. */
  meanCompletionMs(task: PendingTask): number | null
}

export const defaultPriorServiceMs = 1000

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
  const byId = new Map(snapshot.agents.map((agent) => [agent.agentId, agent]))

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

  const serviceMs = (agent: AgentSnapshot, task: PendingTask): number => {
    const kind = task.kind
    // The host's size estimate carries what a kind mean cannot (this task's own size); the measurements say how
    // this agent compares with the fleet.
    if (task.estimatedMs !== null && Number.isFinite(task.estimatedMs))
      return task.estimatedMs * serviceRatio(agent, kind)
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

  const backlog = new Map<string, number>()
  const held = new Map<string, number>()
  for (const agent of snapshot.agents) {
    const runningMs = agent.serviceMs.mean ?? fleetMeanMs
    const queuedTasks = ctx.queuedAt.get(agent.agentId) ?? []
    let work = agent.inFlight * runningMs
    for (const task of queuedTasks) work += serviceMs(agent, task)
    // The snapshot may count queued tasks the context does not list (a host that reports only depths).
    const unlisted = Math.max(0, agent.queued - queuedTasks.length)
    work += unlisted * runningMs
    backlog.set(agent.agentId, work)
    held.set(agent.agentId, agent.inFlight + Math.max(agent.queued, queuedTasks.length))
  }

  const initialBacklog = new Map(backlog)
  const capableBySignature = new Map<string, AgentSnapshot[]>()
  const signatureOf = (task: PendingTask) =>
    task.requiredCapabilities.length === 0 ? '' : [...task.requiredCapabilities].sort().join('\u0000')
  const capable = (task: PendingTask): AgentSnapshot[] => {
    const signature = signatureOf(task)
    let list = capableBySignature.get(signature)
    if (!list) capableBySignature.set(signature, (list = agents.filter((agent) => canRun(agent, task))))
    return list
  }
  // Per set of requirements and kind: the mean wait, and the mean service ratio (tasks with an estimate) or mean
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
        for (const agent of list) {
          waitMs += (initialBacklog.get(agent.agentId) ?? 0) / Math.max(1, agent.capacity)
          if (withEstimate) ratio += serviceRatio(agent, task.kind)
          else service += serviceMs(agent, task)
        }
        ref = { waitMs: waitMs / list.length, ratio: ratio / list.length, serviceMs: service / list.length }
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
    backlogMs: (agentId) => backlog.get(agentId) ?? 0,
    completionMs(agent, task) {
      return (backlog.get(agent.agentId) ?? 0) / Math.max(1, agent.capacity) + serviceMs(agent, task)
    },
    occupancy: (agentId) => held.get(agentId) ?? 0,
    addWork(agentId, ms, tasks) {
      backlog.set(agentId, Math.max(0, (backlog.get(agentId) ?? 0) + ms))
      held.set(agentId, Math.max(0, (held.get(agentId) ?? 0) + tasks))
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
