import type { AgentSnapshot } from '../model/snapshot.js'
import type { PendingTask, Strategy } from '../model/strategy.js'
import { parseConfig } from '../model/validate.js'
import { type StrategyOptionsInput, strategyOptionsSchema } from './config.js'
import { type ChooseAgent, placeGreedy, type Ranking } from './place-greedy.js'

/** Capabilities the agent has that the task does not need. */
const spareOf = (agent: AgentSnapshot, task: PendingTask) =>
  agent.capabilities.filter((c) => !task.requiredCapabilities.includes(c)).length

/** The scan: fewest spare capabilities, then the lowest load, then the earlier candidate. */
export const tightestFitChoice: ChooseAgent = (task, candidates, model) => {
  let best = candidates[0]
  let bestSpare = Number.POSITIVE_INFINITY
  let bestLoad = Number.POSITIVE_INFINITY
  for (const agent of candidates) {
    const spare = spareOf(agent, task)
    const load = model.loadOf(agent)
    if (spare < bestSpare || (spare === bestSpare && load < bestLoad)) {
      best = agent
      bestSpare = spare
      bestLoad = load
    }
  }
  return best
}

/** The same order as a rank: the spare capabilities depend on the requirements only, the same in a candidate list. */
export const byFit: Ranking = {
  group: () => '',
  rank: (agent, task, model) => [spareOf(agent, task), model.loadOf(agent)],
}

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
      return placeGreedy(ctx, settings, tightestFitChoice, undefined, byFit)
    },
  }
}
