import { z } from 'zod'
import { sizeDistributionSchema } from './distributions.js'

/**
 * A scenario is plain data: who is in the swarm, what work arrives when, and what goes wrong. `buildPlan` turns it
 * and a seed into one concrete, reproducible plan the simulator runs. Every object is strict: scenarios are written
 * by hand, and a misspelt key must be an error rather than a silent default.
 */
const nonNegative = z.number().finite().nonnegative()

export const agentGroupSchema = z
  .object({
    /** Agent ids are `${name}-${i}`, i from 1; the group name is the agent's role. */
    name: z.string().min(1),
    count: z.number().int().nonnegative(),
    capabilities: z.array(z.string()),
    /** Tasks the agent runs at once, each at the agent's full speed. */
    capacity: z.number().int().positive().default(1),
    /** Speed per task kind, relative to a reference agent (1 = a task of size S takes S ms). */
    speeds: z.record(z.string(), z.number().positive()).default({}),
    /** Speed for kinds not listed in `speeds`. */
    defaultSpeed: z.number().positive().default(1),
    /** Chance that one attempt of a task fails at its end (the host retries it as a new task). */
    failureProbability: z.number().min(0).max(1).default(0),
    joinAtMs: nonNegative.default(0),
  })
  .strict()
export type AgentGroup = z.infer<typeof agentGroupSchema>

export const taskKindSchema = z
  .object({
    name: z.string().min(1),
    requiredCapabilities: z.array(z.string()).default([]),
    /** Relative frequency among the kinds. */
    weight: z.number().positive().default(1),
    size: sizeDistributionSchema,
  })
  .strict()

export const arrivalSchema = z.discriminatedUnion('type', [
  /** `count` tasks at once. */
  z.object({ type: z.literal('burst'), atMs: nonNegative.default(0), count: z.number().int().nonnegative() }).strict(),
  /** `count` tasks as a Poisson stream starting at `fromMs`. */
  z
    .object({
      type: z.literal('poisson'),
      fromMs: nonNegative.default(0),
      ratePerMin: z.number().positive(),
      count: z.number().int().nonnegative(),
    })
    .strict(),
])

export const faultSchema = z.discriminatedUnion('type', [
  /** The agent works `factor` times slower from `atMs` (for `durationMs`, or to the end). */
  z
    .object({
      type: z.literal('slowdown'),
      agentId: z.string().min(1),
      atMs: nonNegative,
      factor: z.number().min(1),
      durationMs: z.number().positive().optional(),
    })
    .strict(),
  /** The agent crashes: it leaves, and its running and queued tasks go back to the monitor to place again. */
  z.object({ type: z.literal('crash'), agentId: z.string().min(1), atMs: nonNegative }).strict(),
])

/** Agents leaving and new ones joining at random times in [fromMs, untilMs). */
export const churnSchema = z
  .object({
    fromMs: nonNegative,
    untilMs: nonNegative,
    leaveRatePerMin: nonNegative,
    joinRatePerMin: nonNegative,
    /** Never let the live fleet shrink below this many agents. */
    minAgents: z.number().int().positive().default(1),
    /** Template for joining agents (its count is ignored). */
    joiner: agentGroupSchema,
  })
  .strict()

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    seed: z.number().int().nonnegative().default(1),
    agents: z.array(agentGroupSchema).min(1),
    kinds: z.array(taskKindSchema).min(1),
    arrivals: z.array(arrivalSchema).min(1),
    faults: z.array(faultSchema).default([]),
    churn: churnSchema.optional(),
    /** Log-space sigma of the noise on the `estimatedMs` the host announces with each task (0 = exact sizes). */
    estimateNoise: nonNegative.default(0.25),
    /** Attempts per task before the host gives up on it (a failed attempt is retried as a new task). */
    maxAttempts: z.number().int().positive().default(10),
  })
  .strict()
export type ScenarioInput = z.input<typeof scenarioSchema>
export type Scenario = z.output<typeof scenarioSchema>
