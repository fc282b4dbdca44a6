import { z } from 'zod'
import type { Rng } from './rng.js'

/**
 * Task sizes, in milliseconds of work for an agent of speed 1. Heavy-tailed by default: real task durations have a
 * few very long tasks, and those decide the makespan.
 */
export const sizeDistributionSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), ms: z.number().positive() }).strict(),
  /** Bounded Pareto: shape `alpha` (smaller = heavier tail) between `minMs` and `maxMs`. */
  z
    .object({
      type: z.literal('pareto'),
      alpha: z.number().positive(),
      minMs: z.number().positive(),
      maxMs: z.number().positive(),
    })
    .strict(),
  /** Log-normal with the given median and log-space sigma, capped at `maxMs`. */
  z
    .object({
      type: z.literal('lognormal'),
      medianMs: z.number().positive(),
      sigma: z.number().nonnegative(),
      maxMs: z.number().positive().optional(),
    })
    .strict(),
])
export type SizeDistribution = z.infer<typeof sizeDistributionSchema>

/** Exponential with the given mean (inter-arrival times of a Poisson stream). */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean
}

/** Standard normal by Box-Muller. */
export function normal(rng: Rng): number {
  const u = 1 - rng.next()
  const v = rng.next()
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/** Inverse-CDF sample of a Pareto distribution truncated to [min, max]. */
export function boundedPareto(rng: Rng, alpha: number, min: number, max: number): number {
  const u = rng.next()
  const ratio = (min / max) ** alpha
  return min / (1 - u * (1 - ratio)) ** (1 / alpha)
}

export function sampleSize(rng: Rng, dist: SizeDistribution): number {
  switch (dist.type) {
    case 'fixed':
      return dist.ms
    case 'pareto':
      return boundedPareto(rng, dist.alpha, dist.minMs, dist.maxMs)
    case 'lognormal': {
      const value = dist.medianMs * Math.exp(dist.sigma * normal(rng))
      return dist.maxMs === undefined ? value : Math.min(value, dist.maxMs)
    }
  }
}
