import type { Strategy } from '../model/strategy.js'
import { parseConfig } from '../model/validate.js'
import { type StrategyOptionsInput, strategyOptionsSchema } from './config.js'
import { type ChooseAgent, placeGreedy, type Ranking } from './place-greedy.js'

/** The capable agent with room where the task is expected to finish first. */
export const earliestCompletion: ChooseAgent = (task, candidates, model) => {
  let best = candidates[0]
  let bestMs = Number.POSITIVE_INFINITY
  for (const agent of candidates) {
    const ms = model.completionMs(agent, task)
    if (ms < bestMs) {
      best = agent
      bestMs = ms
    }
  }
  return best
}

/**
 * earliestCompletion as a rank. A task without a size estimate takes its agent's measured time for its kind (or the
 * fallbacks), the same for every task of the kind: tasks rank candidates alike per kind. One with an estimate
 * scales the agent's estimate ratio by its own size, so it scans.
 */
export const byCompletion: Ranking = {
  group: (task) =>
    task.estimatedMs !== null && Number.isFinite(task.estimatedMs) ? null : task.kind === null ? '' : `:${task.kind}`,
  rank: (agent, task, model) => [model.completionMs(agent, task)],
}

/**
 * Performance-based: greedy earliest expected completion. Tasks in placement order (priority, then age), each to
 * the capable agent where it is expected to finish first: backlog / capacity + the agent's measured service time
 * for its kind (see expected-completion.ts for the fallbacks). Each placement adds to that agent's backlog before
 * the next task is considered.
 */
export function performanceBased(options?: StrategyOptionsInput): Strategy {
  const settings = parseConfig(strategyOptionsSchema, options, 'performance-based options')
  return {
    name: 'performance-based',
    place(ctx) {
      return placeGreedy(ctx, settings, earliestCompletion, undefined, byCompletion)
    },
  }
}
