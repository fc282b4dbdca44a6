import { normalQuantile } from './service-time-model.js'

/**
 * Queueing approximations behind the predictions. k slots that stay busy complete tasks as a superposition of
 * renewal processes: by the renewal central limit theorem the completions by time T are about
 * Normal(k T / m, k T v / m^3) for service mean m and variance v. Arrivals are Poisson(lambda T).
 */
export interface ServiceMoments {
  meanMs: number
  varianceMs2: number
  /** Tasks the moments were learned from (their uncertainty enters the interval). */
  samples: number
}

export interface Interval {
  estimate: number
  low: number
  high: number
}

/**
 * A positive, right-skewed interval: the lognormal with the given mean and variance, cut at its two tails
 * (first-passage and completion times are skewed right, and a normal interval would dip below zero).
 */
export function lognormalInterval(mean: number, variance: number, confidence: number): Interval {
  if (!(variance > 0) || !(mean > 0)) return { estimate: mean, low: mean, high: mean }
  const s2 = Math.log(1 + variance / (mean * mean))
  const mu = Math.log(mean) - s2 / 2
  const z = normalQuantile((1 + confidence) / 2)
  const s = Math.sqrt(s2)
  return { estimate: mean, low: Math.exp(mu - z * s), high: Math.exp(mu + z * s) }
}

/**
 * Time until the queue is empty: `queued` waiting tasks, `slots` busy slots, arrivals at `arrivalsPerMs`. The
 * queue empties when completions minus arrivals reach `queued`, at T = queued / (k/m - lambda), with variance
 * (k T v / m^3 + lambda T) / (k/m - lambda)^2 from the process noise, plus the delta-method terms for the
 * learned mean (se^2 = v / samples) and arrival rate (se^2 = arrivals seen / span^2). Null when the queue would not
 * drain (no slots, or arrivals at least as fast as completions).
 */
export function predictDrain(input: {
  queued: number
  slots: number
  service: ServiceMoments
  arrivalsPerMs: number
  arrivalsSeen: number
  spanMs: number
  confidence: number
}): Interval | null {
  const { queued, slots, service, arrivalsPerMs: lambda, confidence } = input
  if (queued <= 0) return { estimate: 0, low: 0, high: 0 }
  const m = service.meanMs
  const v = service.varianceMs2
  if (slots <= 0 || !(m > 0)) return null
  const drift = slots / m - lambda
  if (!(drift > 0)) return null
  const t = queued / drift
  let variance = ((slots * t * v) / m ** 3 + lambda * t) / drift ** 2
  const dTdm = (queued * slots) / (m * m * drift * drift)
  variance += (dTdm * dTdm * v) / Math.max(1, service.samples)
  if (input.spanMs > 0) {
    const dTdLambda = queued / (drift * drift)
    variance += (dTdLambda * dTdLambda * Math.max(1, input.arrivalsSeen)) / input.spanMs ** 2
  }
  return lognormalInterval(t, variance, confidence)
}

/**
 * When the last task queued now completes (FIFO): it starts after `queued` completions, about queued m / k with
 * variance queued v / k^2, then runs for one service time (m, v); plus the learned mean's uncertainty.
 */
export function lastQueuedCompletion(
  queued: number,
  slots: number,
  service: ServiceMoments,
  confidence: number,
): Interval {
  const m = service.meanMs
  const v = service.varianceMs2
  const waits = queued / slots
  const mean = waits * m + m
  const variance = (queued * v) / (slots * slots) + v + ((waits + 1) ** 2 * v) / Math.max(1, service.samples)
  return lognormalInterval(mean, variance, confidence)
}

/**
 * The fewest agents (each with `slotsPerAgent` slots) for which the last task queued now completes within
 * `targetMs` and arrivals do not outrun completions: the estimate from the predicted completion time, low from
 * its optimistic bound, high from its pessimistic bound. Null when even `maxAgents` would not meet the target.
 */
export function agentsForTarget(input: {
  queued: number
  slotsPerAgent: number
  service: ServiceMoments
  arrivalsPerMs: number
  targetMs: number
  confidence: number
  maxAgents: number
}): Interval | null {
  const { queued, slotsPerAgent, service, arrivalsPerMs, targetMs, confidence, maxAgents } = input
  if (!(slotsPerAgent > 0) || !(service.meanMs > 0)) return null
  const fewest = (meets: (i: Interval) => boolean): number | null => {
    // Completion time falls as agents are added, so the first k that meets the target is found by bisection.
    const ok = (k: number) =>
      (k * slotsPerAgent) / service.meanMs > arrivalsPerMs &&
      meets(lastQueuedCompletion(queued, k * slotsPerAgent, service, confidence))
    if (!ok(maxAgents)) return null
    let lo = 1
    let hi = maxAgents
    while (lo < hi) {
      // Not (lo + hi) >> 1: past 2^31 agents the sum wraps negative and the search never ends.
      const mid = Math.floor((lo + hi) / 2)
      if (ok(mid)) hi = mid
      else lo = mid + 1
    }
    return lo
  }
  const estimate = fewest((i) => i.estimate <= targetMs)
  const low = fewest((i) => i.low <= targetMs)
  const high = fewest((i) => i.high <= targetMs)
  if (estimate === null || low === null) return null
  return { estimate, low, high: high ?? maxAgents }
}
