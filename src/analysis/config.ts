import { z } from 'zod'
import { parseConfig } from '../model/validate.js'

/**
 * Every threshold analysis uses, as plain data with the defaults the issue names. Rates are 0..1, times are
 * milliseconds of event time, throughputs are per minute.
 */
const positive = z.number().finite().positive()
const nonNegative = z.number().finite().nonnegative()
const ratio = z.number().min(0).max(1)
const severity = z.enum(['info', 'warning', 'critical'])
const comparison = z.enum(['>', '>=', '<', '<='])

/**
 * A dotted path to a number in the snapshot: `swarm.responseMs.p95`, `queue.unassigned`, or the per-agent form
 * `agents.*.serviceMs.p95` (one alert per live agent).
 */
const metricPath = z
  .string()
  .regex(/^(agents\.\*\.)?[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/, 'must be a dotted path such as swarm.responseMs.p95')
  .refine(
    (p) => p.startsWith('agents.*.') || ['swarm', 'queue', 'window', 'seq'].includes(p.split('.')[0]),
    'must start with swarm., queue., window. or agents.*. (e.g. swarm.responseMs.p95, agents.*.serviceMs.p95)',
  )

export const alertRuleSchema = z
  .object({
    id: z.string().min(1),
    metric: metricPath,
    op: comparison,
    threshold: z.number().finite(),
    /** The condition must hold this long (event time) before the alert fires. */
    forMs: nonNegative.default(0),
    /** After an alert resolves it does not fire again for this long. */
    cooldownMs: nonNegative.default(0),
    severity: severity.default('warning'),
  })
  .strict()

export const slaRuleSchema = z
  .object({
    id: z.string().min(1),
    metric: metricPath.refine((p) => !p.startsWith('agents.*.'), 'SLA rules take swarm paths, not agents.*'),
    op: comparison,
    threshold: z.number().finite(),
    /** Compliance is the share of ticks in this trailing window (event time) where the condition held. */
    windowMs: positive.default(3_600_000),
    /** The share of ticks that must comply for the SLA to be met. */
    objective: ratio.default(0.99),
  })
  .strict()

export const analysisConfigSchema = z
  .object({
    slowAgent: z
      .object({
        /** Mean service time (window) above which an agent is slow. */
        meanServiceMs: positive.default(10_000),
        /** ...or p50 above this multiple of the fleet's p50 for the same task kinds. */
        fleetP50Ratio: positive.default(2),
        /** Finished tasks an agent needs before it can be called slow. */
        minCompleted: z.number().int().positive().default(3),
        /** value / threshold at or above which the bottleneck is critical. */
        criticalFactor: positive.default(2),
      })
      .strict()
      .prefault({}),
    failingAgent: z
      .object({
        successRateBelow: ratio.default(0.8),
        minFinished: z.number().int().positive().default(10),
        criticalBelow: ratio.default(0.5),
      })
      .strict()
      .prefault({}),
    cpu: z
      .object({ above: ratio.default(0.9), critical: ratio.default(0.98) })
      .strict()
      .prefault({}),
    memory: z
      .object({ above: ratio.default(0.9), critical: ratio.default(0.98) })
      .strict()
      .prefault({}),
    queueBacklog: z
      .object({ above: nonNegative.default(1000), criticalFactor: positive.default(5) })
      .strict()
      .prefault({}),
    messageLatency: z
      .object({ p95AboveMs: positive.default(1000), criticalFactor: positive.default(5) })
      .strict()
      .prefault({}),
    imbalance: z
      .object({
        /** Population variance of efficiency over live agents with finished tasks. */
        efficiencyVarianceAbove: nonNegative.default(0.1),
        /** Coefficient of variation of load (`swarm.imbalance`). */
        loadImbalanceAbove: nonNegative.default(0.3),
      })
      .strict()
      .prefault({}),
    throughputDegradation: z
      .object({
        /** Rolling throughput below this share of the historical average. */
        belowRatio: ratio.default(0.8),
        /** History (event time) the historical average needs before it is trusted. */
        minHistoryMs: nonNegative.default(300_000),
        /** Only a degradation while work is waiting; a quiet queue is lack of demand, not degradation. */
        onlyWithPendingWork: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    errorSpike: z
      .object({ errorsAbove: nonNegative.default(5), windowMs: positive.default(3_600_000) })
      .strict()
      .prefault({}),
    resourcePressure: z
      .object({ above: ratio.default(0.85) })
      .strict()
      .prefault({}),
    specialisation: z
      .object({
        /** Agent at least this many times faster than the fleet at a kind. */
        speedupAtLeast: z.number().finite().min(1).default(1.5),
        minCompleted: z.number().int().positive().default(5),
      })
      .strict()
      .prefault({}),
    queueGrowth: z
      .object({
        /** Holt trend of the queue depth above this many tasks per minute. */
        slopePerMinAbove: nonNegative.default(1),
        minQueued: nonNegative.default(10),
        /** Snapshots of history the trend needs. */
        minPoints: z.number().int().min(3).default(5),
      })
      .strict()
      .prefault({}),
    anomaly: z
      .object({
        /** Mean robust z (|x - median| / (1.4826 MAD)) of the last `consecutive` points above which a series is anomalous. */
        threshold: positive.default(3),
        /** Points whose clipped robust z are averaged (see robust-anomaly.ts). */
        consecutive: z.number().int().positive().default(3),
        /** Points in the reference window (the ones before the points under test). */
        windowPoints: z.number().int().min(5).default(60),
        /** Points the window needs before anything is flagged. */
        minPoints: z.number().int().min(5).default(20),
        /** Tasks one service-time / error-rate point aggregates (diffs of consecutive snapshots). */
        tasksPerPoint: z.number().int().positive().default(20),
        /** A throughput point closes after this much event time (or `tasksPerPoint` completions). */
        maxPointMs: positive.default(60_000),
        /**
         * Scale floor relative to the median, so a near-constant series does not flag tiny changes (service times are
         * tested on a log scale, where it is the absolute floor).
         */
        relativeScaleFloor: nonNegative.default(0.05),
        /** Scale floor for the error rate (an absolute rate). */
        errorRateScaleFloor: nonNegative.default(0.05),
      })
      .strict()
      // A window that never holds minPoints points never flags anything: a config error, not a silent off switch.
      .refine((a) => a.minPoints <= a.windowPoints, {
        message: 'minPoints must be at most windowPoints (the window never holds more)',
        path: ['minPoints'],
      })
      .prefault({}),
    forecast: z
      .object({
        /** Holt's linear method: level smoothing. */
        alpha: z.number().gt(0).lt(1).default(0.3),
        /** Holt's linear method: trend smoothing. */
        beta: z.number().gt(0).lt(1).default(0.1),
      })
      .strict()
      .prefault({}),
    prediction: z
      .object({
        /** Coverage of the predicted intervals. */
        confidence: z.number().gt(0.5).lt(1).default(0.9),
        /**
         * Response-time target for the queued work: the last queued task should complete within this much time.
         * When unset, the threshold of the first SLA rule on `swarm.responseMs.*` is used; with neither, no
         * `agentsForSla` is predicted.
         */
        responseTargetMs: positive.optional(),
        /** Largest fleet considered when searching for the agents that meet the target. */
        maxAgents: z.number().int().positive().default(1000),
        /** Completed tasks of a kind before its service-time distribution is trusted. */
        minCompleted: z.number().int().positive().default(5),
      })
      .strict()
      .prefault({}),
    actions: z
      .object({
        /** Scale in only when the conservative (high) agent estimate leaves this many agents idle. */
        scaleInMinSurplus: z.number().int().positive().default(1),
        /** Never scale in below this many live agents. */
        minAgents: z.number().int().nonnegative().default(1),
      })
      .strict()
      .prefault({}),
    alerts: z.array(alertRuleSchema).default([]),
    slas: z.array(slaRuleSchema).default([]),
  })
  .strict()

export type AnalysisConfig = z.output<typeof analysisConfigSchema>
export type AnalysisConfigInput = z.input<typeof analysisConfigSchema>
export type AlertRule = z.output<typeof alertRuleSchema>
export type SlaRule = z.output<typeof slaRuleSchema>

/** Validate analysis configuration; a bad one throws one ConfigError naming every wrong field. */
export function parseAnalysisConfig(input?: unknown): AnalysisConfig {
  return parseConfig(analysisConfigSchema, input, 'analysis config')
}
