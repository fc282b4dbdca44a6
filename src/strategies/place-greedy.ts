import type { Reassignment } from '../model/reassignment.js'
import type { AgentSnapshot } from '../model/snapshot.js'
import type { PendingTask, PlacementContext } from '../model/strategy.js'
import type { StrategyOptions } from './config.js'
import {
  createExpectedCompletion,
  type ExpectedCompletionModel,
  placementGainMs,
  placementOrder,
} from './expected-completion.js'

/** Picks one of the candidates (capable, live, with room; never empty) for a task. */
export type ChooseAgent = (
  task: PendingTask,
  candidates: readonly AgentSnapshot[],
  model: ExpectedCompletionModel,
) => AgentSnapshot

/**
 * Room an agent has left under the `maxQueuedPerSlot` bound (Infinity without one); for an agent the rebalancer is
 * draining, its free slots only.
 */
export function roomOf(agent: AgentSnapshot, model: ExpectedCompletionModel, options: StrategyOptions): number {
  if (model.draining(agent.agentId)) return Math.max(0, Math.max(1, agent.capacity) - model.occupancy(agent.agentId))
  if (options.maxQueuedPerSlot === null) return Number.POSITIVE_INFINITY
  const limit = Math.max(1, agent.capacity) * (1 + options.maxQueuedPerSlot)
  return Math.max(0, limit - model.occupancy(agent.agentId))
}

/**
 * The loop every greedy strategy shares: tasks in placement order (priority, then age), each to the agent `choose`
 * picks among those that can run it and have room. A task no agent can take now stays unassigned.
 */
export function placeGreedy(
  ctx: PlacementContext,
  options: StrategyOptions,
  choose: ChooseAgent,
  model: ExpectedCompletionModel = createExpectedCompletion(ctx, options.priorServiceMs),
): Reassignment[] {
  const placements: Reassignment[] = []
  let room = 0
  for (const agent of model.agents) room += roomOf(agent, model, options)
  // Room only shrinks within a call: once no capable agent of a set of requirements has room, the rest of the
  // tasks with that set are skipped without scanning the fleet again.
  const full = new Set<readonly AgentSnapshot[]>()
  const bounded = options.maxQueuedPerSlot !== null || (ctx.draining?.size ?? 0) > 0
  for (const task of placementOrder(ctx.unassigned)) {
    if (room === 0) break
    const capable = model.capable(task)
    if (full.has(capable)) continue
    const candidates = bounded ? capable.filter((agent) => roomOf(agent, model, options) > 0) : capable
    if (candidates.length === 0) {
      full.add(capable)
      continue
    }
    const agent = choose(task, candidates, model)
    const completionMs = model.completionMs(agent, task)
    placements.push({
      taskId: task.taskId,
      toAgentId: agent.agentId,
      reason: 'place',
      expectedGainMs: placementGainMs(model, task, completionMs),
      at: ctx.now,
    })
    model.addWork(agent.agentId, model.serviceMs(agent, task), 1)
    room--
  }
  return placements
}
