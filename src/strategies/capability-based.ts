import type { Strategy } from '../model/strategy.js'
import { parseConfig } from '../model/validate.js'
import { type StrategyOptionsInput, strategyOptionsSchema } from './config.js'
import { placeGreedy } from './place-greedy.js'

/**
 * Capability-based: each task to the capable agent whose capabilities fit it most tightly (fewest capabilities the
 * task does not need), then the least loaded. Specialists take the work they are for and generalists stay free
 * for tasks only they can run. A task no live agent can run stays unassigned; the monitor lists it in
 * `snapshot.queue.unplaceable` and analysis raises a `no-capable-agent` insight.
 */
export function capabilityBased(options?: StrategyOptionsInput): Strategy {
  const settings = parseConfig(strategyOptionsSchema, options, 'capability-based options')
  return {
    name: 'capability-based',
    place(ctx) {
      return placeGreedy(ctx, settings, (task, candidates, model) => {
        let best = candidates[0]
        let bestSpare = Number.POSITIVE_INFINITY
        let bestLoad = Number.POSITIVE_INFINITY
        for (const agent of candidates) {
          const spare = agent.capabilities.filter((c) => !task.requiredCapabilities.includes(c)).length
          const load = model.occupancy(agent.agentId) / Math.max(1, agent.capacity)
          if (spare < bestSpare || (spare === bestSpare && load < bestLoad)) {
            best = agent
            bestSpare = spare
            bestLoad = load
          }
        }
        return best
      })
    },
  }
}
