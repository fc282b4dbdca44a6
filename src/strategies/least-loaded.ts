import type { Strategy } from '../model/strategy.js'
import { parseConfig } from '../model/validate.js'
import { type StrategyOptionsInput, strategyOptionsSchema } from './config.js'
import { type ChooseAgent, placeGreedy, type Ranking } from './place-greedy.js'

/** The scan: lowest load, then the larger capacity, then the lower agent id. */
export const leastLoadedChoice: ChooseAgent = (_task, candidates, model) => {
  let best = candidates[0]
  let bestLoad = Number.POSITIVE_INFINITY
  for (const agent of candidates) {
    const load = model.loadOf(agent)
    if (
      load < bestLoad ||
      (load === bestLoad &&
        (agent.capacity > best.capacity || (agent.capacity === best.capacity && agent.agentId < best.agentId)))
    ) {
      best = agent
      bestLoad = load
    }
  }
  return best
}

/** The same order as a rank, for the heap: a task's kind and size do not matter, only its requirements. */
export const byLoad: Ranking = {
  group: () => '',
  rank: (agent, _task, model) => [model.loadOf(agent), -agent.capacity, agent.agentId],
}

/**
 * Least-loaded: each task to the capable agent with the lowest load, (in flight + queued) / capacity, counting
 * what this call already gave it. Ties go to the larger capacity, then the lower agent id. Blind to speed.
 */
export function leastLoaded(options?: StrategyOptionsInput): Strategy {
  const settings = parseConfig(strategyOptionsSchema, options, 'least-loaded options')
  return {
    name: 'least-loaded',
    place(ctx) {
      return placeGreedy(ctx, settings, leastLoadedChoice, undefined, byLoad)
    },
  }
}
