import type { AgentSnapshot } from '../model/snapshot.js'
import type { Strategy } from '../model/strategy.js'
import { parseConfig } from '../model/validate.js'
import { type StrategyOptionsInput, strategyOptionsSchema } from './config.js'
import { placeGreedy } from './place-greedy.js'

/**
 * Round-robin: each task to the next capable agent with room, in agent-id order, after the agent that got the
 * previous task (across calls). Ignores load and speed; the baseline the others are measured against.
 *
 * @example
 * const strategy = roundRobin()
 * strategy.place(ctx) // t1 to agent a, t2 to b, t3 to c, t4 to a again (reason 'place')
 */
export function roundRobin(options?: StrategyOptionsInput): Strategy {
  const settings = parseConfig(strategyOptionsSchema, options, 'round-robin options')
  // The last agent served, by id: survives agents joining and leaving, unlike an index.
  let lastAgentId: string | null = null
  return {
    name: 'round-robin',
    place(ctx) {
      // Candidate lists are shared per set of requirements within a call: sort each once.
      const sortedOnce = new WeakMap<readonly AgentSnapshot[], AgentSnapshot[]>()
      return placeGreedy(ctx, settings, (_task, candidates) => {
        let sorted = sortedOnce.get(candidates)
        if (!sorted) {
          sorted = [...candidates].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0))
          sortedOnce.set(candidates, sorted)
        }
        const next = lastAgentId === null ? sorted[0] : (sorted.find((a) => a.agentId > lastAgentId!) ?? sorted[0])
        lastAgentId = next.agentId
        return next
      })
    },
  }
}
