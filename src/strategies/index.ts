import { ConfigError } from '../model/errors.js'
import type { Strategy } from '../model/strategy.js'
import { capabilityBased } from './capability-based.js'
import { type StrategyName, type StrategyOptionsInput, strategyNames } from './config.js'
import { leastLoaded } from './least-loaded.js'
import { optimal } from './optimal.js'
import { performanceBased } from './performance-based.js'
import { roundRobin } from './round-robin.js'

/** Every built-in strategy by name. Add a strategy: one file, one line here (and its name in config.ts). */
export const strategies: Record<StrategyName, (options?: StrategyOptionsInput) => Strategy> = {
  'round-robin': roundRobin,
  'least-loaded': leastLoaded,
  'capability-based': capabilityBased,
  'performance-based': performanceBased,
  optimal,
}

function isStrategy(value: unknown): value is Strategy {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Partial<Strategy>
  return typeof candidate.name === 'string' && typeof candidate.place === 'function'
}

/**
 * A strategy from its name (with options) or a user's own `{ name, place(ctx) }` object, returned as is. Anything
 * else throws a ConfigError that lists the valid names.
 */
export function createStrategy(nameOrStrategy: string | Strategy, options?: StrategyOptionsInput): Strategy {
  if (typeof nameOrStrategy === 'string') {
    if (Object.hasOwn(strategies, nameOrStrategy)) return strategies[nameOrStrategy as StrategyName](options)
    throw new ConfigError('invalid strategy', [
      {
        path: 'strategy',
        message: `unknown strategy '${nameOrStrategy}'; expected one of ${strategyNames.join(', ')}`,
      },
    ])
  }
  if (isStrategy(nameOrStrategy)) return nameOrStrategy
  throw new ConfigError('invalid strategy', [
    {
      path: 'strategy',
      message: `expected one of ${strategyNames.join(', ')} or an object { name: string, place(ctx) }`,
    },
  ])
}

export { capabilityBased } from './capability-based.js'
export {
  type RebalancerConfig,
  type RebalancerConfigInput,
  rebalancerConfigSchema,
  type StrategyName,
  type StrategyOptions,
  type StrategyOptionsInput,
  strategyNameSchema,
  strategyNames,
  strategyOptionsSchema,
} from './config.js'
export {
  canRun,
  createExpectedCompletion,
  type ExpectedCompletionModel,
  placementOrder,
  totalExpectedCompletionMs,
} from './expected-completion.js'
export { leastLoaded } from './least-loaded.js'
export { optimal } from './optimal.js'
export { performanceBased } from './performance-based.js'
export { createRebalancer, type Evacuation, type Rebalancer, type WorkloadAnalysis } from './rebalancer.js'
export { roundRobin } from './round-robin.js'
