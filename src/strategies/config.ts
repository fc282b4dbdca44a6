import { z } from 'zod'

/** The built-in placement strategies, by the name a config uses. */
export const strategyNames = [
  'round-robin',
  'least-loaded',
  'capability-based',
  'performance-based',
  'optimal',
] as const

export const strategyNameSchema = z.enum(strategyNames)
export type StrategyName = z.infer<typeof strategyNameSchema>

/**
 * Options every built-in strategy shares.
 *
 * `maxQueuedPerSlot` bounds how far ahead work is bound to an agent: an agent of capacity k holds at most
 * k * (1 + maxQueuedPerSlot) tasks (in flight plus queued); the rest stay unassigned for a later tick. `null` (the
 * default) binds every task it can at once. Late binding sounds safer when speeds are still unknown, but measured
 * on the simulator's scenarios (README: Strategies) it lost to binding everything and letting the rebalancer move
 * queued work once the measurements come in: a slot left empty waits for the next tick, and the rebalancer only
 * moves what is queued.
 */
export const strategyOptionsSchema = z
  .object({
    maxQueuedPerSlot: z.number().int().nonnegative().nullable().default(null),
    /** Service time assumed when nothing is known about the agent, the kind or the task (ms). */
    priorServiceMs: z.number().finite().positive().default(1000),
    /** optimal: pending tasks per call (matrix rows); the rest wait for the next call, priority first. */
    maxTasksPerSolve: z.number().int().positive().max(5000).default(64),
    /**
     * optimal: bind a task to an agent only when it is expected to start before the next placement (the next
     * tick, or pass between ticks) plus this many ms: just in time. The rest wait unassigned and go where the
     * measurements say when their turn comes. `null`: bind every task at once, minimising their total expected
     * completion time (the rebalancer then moves queued work).
     */
    bindAheadMs: z.number().finite().nonnegative().nullable().default(250),
  })
  .strict()
export type StrategyOptions = z.output<typeof strategyOptionsSchema>
export type StrategyOptionsInput = z.input<typeof strategyOptionsSchema>

/**
 * The rebalancer's configuration. Loads are (inFlight + queued) / capacity; imbalance is their coefficient of
 * variation over live agents.
 */
export const rebalancerConfigSchema = z
  .object({
    /** A rebalance runs when the imbalance is above this. */
    imbalanceThreshold: z.number().finite().nonnegative().default(0.3),
    /** An agent is overloaded above this multiple of the mean load. */
    overloadFactor: z.number().finite().min(1).default(1.5),
    /** An agent is underloaded below this multiple of the mean load. */
    underloadFactor: z.number().finite().min(0).max(1).default(0.5),
    /** A task must have waited this long at its agent (now - assignedAt) before it may move. */
    minDwellMs: z.number().finite().nonnegative().default(5000),
    /** At most this many rebalance moves per tick (evacuations are not capped: a failing agent is emptied). */
    maxMovesPerTick: z.number().int().nonnegative().default(8),
    /** A moved task is not moved again, and never back, within this time. */
    cooldownMs: z.number().finite().nonnegative().default(60_000),
    /** A move must shorten the task's expected completion by more than this (ms). */
    minGainMs: z.number().finite().nonnegative().default(500),
    /** Queued tasks examined per agent per move, from the tail of its queue (those waiting longest to start). */
    scanDepth: z.number().int().positive().default(32),
    evacuation: z
      .object({
        enabled: z.boolean().default(true),
        /** Failing: success rate below this over at least `minSamples` finished tasks. */
        minSuccessRate: z.number().min(0).max(1).default(0.5),
        minSamples: z.number().int().positive().default(10),
        /** Slow: service time above this multiple of the rest of the fleet's, for the same kinds. */
        slowFactor: z.number().finite().gt(1).default(4),
      })
      .strict()
      .prefault({}),
    /** Passed to the shared expected-completion model. */
    priorServiceMs: z.number().finite().positive().default(1000),
  })
  .strict()
export type RebalancerConfig = z.output<typeof rebalancerConfigSchema>
export type RebalancerConfigInput = z.input<typeof rebalancerConfigSchema>
