import { z } from 'zod'
import { analysisConfigSchema } from '../analysis/config.js'
import { defaultDurationBucketsSeconds } from '../exporters/config.js'
import { parseConfig } from '../model/validate.js'
import { rebalancerConfigSchema, strategyNames, strategyOptionsSchema } from '../strategies/config.js'

/** The exporters' default histogram buckets (OpenTelemetry GenAI durations), in the monitor's unit. */
const defaultBucketBoundsMs = defaultDurationBucketsSeconds.map((s) => Math.round(s * 1000))

const positiveMs = z.number().finite().positive()
/** Node turns a timer of 2^31 ms or more into 1 ms: a wall-time interval must stay below it. */
const maxTimerMs = 2 ** 31 - 1
/** Scoring cells (agent slots x task kinds) the WASM arena can hold: 32 bytes each, 512 MiB at this bound. */
export const maxScoringCells = 2 ** 24

/**
 * The monitor's configuration: plain data, every field optional with the default shown in the README's
 * config table. `createSwarmMonitor` throws one ConfigError that lists every wrong field. Every object, at any
 * depth, is strict: a misspelt key is an error, not a silent default.
 */
export const swarmMonitorConfigSchema = z
  .object({
    /** Snapshot interval in event time. */
    tickMs: positiveMs.default(1000),
    /**
     * While the host sends nothing for a whole tickMs of wall time, tick anyway (event time moves on by one tick),
     * so waiting tasks are placed and figures age. Never for an adapter whose events carry recorded time
     * (`recorded`, as `fromJsonl` says): a replay must not depend on how fast it is read.
     */
    idleTicks: z.boolean().default(true),
    /**
     * Also place between ticks, at this interval of event time, while tasks wait and an agent has an idle slot: a
     * freed slot then waits at most this long rather than a whole tick. Each pass builds a snapshot and runs the
     * strategy, so it pays on small and mid-size fleets with tasks of seconds; `null` (default): at ticks only.
     */
    placeEveryMs: positiveMs.nullable().default(null),
    /** Rolling window for percentiles, throughput and error rate. */
    windowMs: positiveMs.default(60_000),
    /** Sub-windows in the rolling window: expiry granularity is windowMs / slots. */
    windowSlots: z.number().int().min(1).max(60).default(6),
    /** Worst-case relative error of every percentile. */
    relativeError: z
      .number()
      .min(2 ** -11)
      .max(0.1)
      .default(0.004),
    /** Agent slots in the kernels' arenas (live agents plus departed ones whose windows have not expired). */
    capacity: z.number().int().min(1).max(1_000_000).default(4096),
    /** Distinct task kinds tracked per agent; further kinds are counted under the last one, "(other)". */
    kindCapacity: z.number().int().min(1).max(1024).default(32),
    /** Snapshots kept for history and comparePeriods. */
    historySize: z.number().int().min(1).max(100_000).default(600),
    /**
     * Per-agent entries (about 1 KB each) the history may hold. Past it the oldest snapshots keep every figure but
     * their agents (`agentsOmitted`): 600 snapshots of 10,000 busy agents would not fit in Node's heap.
     */
    historyAgentEntries: z.number().int().min(0).default(500_000),
    /** An event older than the latest seen by more than this is rejected as out of order. */
    outOfOrderToleranceMs: z.number().finite().nonnegative().default(5000),
    /**
     * An event stamped later than the wall clock by more than this is rejected: applied, it would move event time
     * on to it, and every later event would then be out of order. Null turns the check off (synthetic time that
     * runs ahead of the clock).
     */
    futureToleranceMs: z.number().finite().nonnegative().nullable().default(86_400_000),
    /** A placement the host has not confirmed (task:assigned) within this time is offered again. */
    placementTimeoutMs: positiveMs.default(30_000),
    /** Bucket bounds (ms) of the service- and response-time histograms the exporters publish. */
    bucketBoundsMs: z
      .array(positiveMs)
      .min(1)
      .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]), 'must be strictly increasing')
      .default(defaultBucketBoundsMs),
    /** Placement strategy by name (see README: Strategies); `session.setStrategy` swaps it at runtime. */
    strategy: z
      .string()
      .refine((name) => (strategyNames as readonly string[]).includes(name), {
        error: (issue) => `unknown strategy '${String(issue.input)}'; expected one of ${strategyNames.join(', ')}`,
      })
      .default('least-loaded'),
    /** Options every built-in strategy shares (README: Strategies). */
    strategyOptions: strategyOptionsSchema.prefault({}),
    /** Whether the rebalancer moves queued tasks each tick. */
    rebalance: z.boolean().default(true),
    rebalancer: rebalancerConfigSchema.prefault({}),
    /** Thresholds of bottlenecks and insights, alert and SLA rules (README: Analysis). */
    analysis: analysisConfigSchema.prefault({}),
    efficiency: z
      .object({
        /**
         * Samples of prior weight toward 1 for each efficiency part (smoothing for agents with few samples). Above 0:
         * with none, an agent without samples has no parts at all (0 / 0), and the fleet's mean was 0.
         */
        priorSamples: z.number().positive().default(5),
        weights: z
          .object({
            speed: z.number().nonnegative().default(0.5),
            consistency: z.number().nonnegative().default(0.2),
            success: z.number().nonnegative().default(0.3),
          })
          .strict()
          .prefault({})
          .refine((w) => w.speed + w.consistency + w.success > 0, 'weights must not all be 0'),
      })
      .strict()
      .prefault({}),
    resources: z
      .object({
        /** Sample host CPU and memory every this many ms of wall time; 0 turns sampling off. */
        sampleEveryMs: z.number().int().nonnegative().max(maxTimerMs).default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .refine((c) => !c.idleTicks || c.tickMs <= maxTimerMs, {
    path: ['tickMs'],
    error: `with idleTicks, tickMs is also a wall-time timer, which Node cannot set beyond ${maxTimerMs} ms: lower tickMs or set idleTicks: false`,
  })
  .refine((c) => c.capacity * c.kindCapacity <= maxScoringCells, {
    path: ['capacity'],
    error: (issue) => {
      const c = issue.input as { capacity: number; kindCapacity: number }
      return `capacity x kindCapacity is ${c.capacity * c.kindCapacity} cells; the scoring arena holds at most ${maxScoringCells}: lower capacity or kindCapacity`
    },
  })

export type SwarmMonitorConfigInput = z.input<typeof swarmMonitorConfigSchema>
export type SwarmMonitorConfig = z.output<typeof swarmMonitorConfigSchema>

export function parseMonitorConfig(input: unknown): SwarmMonitorConfig {
  return parseConfig(swarmMonitorConfigSchema, input, 'swarm-perf monitor config')
}
