import type { ServiceTimeDistribution } from '../model/finding.js'
import type { SwarmSnapshot } from '../model/snapshot.js'

/** z of the standard normal at 0.9 (p90 of a lognormal is exp(mu + Z90 * sigma)). */
const Z90 = 1.2815515655446004

/** Standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const low = 0.02425
  if (p <= 0) return Number.NEGATIVE_INFINITY
  if (p >= 1) return Number.POSITIVE_INFINITY
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p))
    return (
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
    )
  }
  if (p > 1 - low) return -normalQuantile(1 - p)
  const q = p - 0.5
  const r = q * q
  return (
    ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
  )
}

export function lognormal(mu: number, sigma: number, samples: number): ServiceTimeDistribution {
  return {
    mu,
    sigma,
    meanMs: Math.exp(mu + (sigma * sigma) / 2),
    p50Ms: Math.exp(mu),
    p90Ms: Math.exp(mu + Z90 * sigma),
    samples,
  }
}

/** Variance of a lognormal service time. */
export function lognormalVariance(d: ServiceTimeDistribution): number {
  return d.meanMs * d.meanMs * (Math.exp(d.sigma * d.sigma) - 1)
}

/**
 * Fit a lognormal from a mean and a median: median = exp(mu), mean = exp(mu + sigma^2 / 2), so
 * sigma = sqrt(2 ln(mean / median)). When the mean is not above the median (too few samples, or a
 * left-skewed kind) the spread falls back to `fallbackSigma` (the swarm's p90/p50 spread).
 */
export function fitLognormal(
  meanMs: number,
  p50Ms: number | null,
  samples: number,
  fallbackSigma: number,
): ServiceTimeDistribution {
  if (p50Ms !== null && p50Ms > 0 && meanMs > p50Ms)
    return lognormal(Math.log(p50Ms), Math.sqrt(2 * Math.log(meanMs / p50Ms)), samples)
  // Keep the mean right: mu = ln(mean) - sigma^2 / 2.
  return lognormal(Math.log(meanMs) - (fallbackSigma * fallbackSigma) / 2, fallbackSigma, samples)
}

/** The swarm-wide spread: sigma from the window's p90 / p50, 0 when unknown. */
export function swarmSigma(snapshots: readonly SwarmSnapshot[]): number {
  for (let i = snapshots.length - 1; i >= 0; i--) {
    const { p50, p90 } = snapshots[i].swarm.serviceMs
    if (p50 !== null && p90 !== null && p50 > 0 && p90 >= p50) return Math.log(p90 / p50) / Z90
  }
  return 0
}

/**
 * Service-time distributions per task kind, learned from the snapshots (latest last): the kind's lifetime mean
 * (`kinds[].meanServiceMs`, or the completion-weighted mean of `agents[].byKind` when the fleet figure is
 * missing) and its latest known window p50 (`kinds[].p50ServiceMs`), fitted as a lognormal.
 */
export function learnServiceTimes(
  snapshots: readonly SwarmSnapshot[],
  minCompleted: number,
): Map<string, ServiceTimeDistribution> {
  const out = new Map<string, ServiceTimeDistribution>()
  const latest = snapshots[snapshots.length - 1]
  if (!latest) return out
  const fallbackSigma = swarmSigma(snapshots)
  const byAgents = new Map<string, { total: number; completed: number }>()
  // The monitor lists every kind it has seen in `kinds`; walking every agent's kinds (a cost per agent per tick)
  // is only for snapshots that carry no kind list.
  for (const agent of latest.kinds.length > 0 ? [] : latest.agents) {
    for (const [kind, s] of Object.entries(agent.byKind)) {
      if (s.meanServiceMs === null || s.completed === 0) continue
      const acc = byAgents.get(kind) ?? { total: 0, completed: 0 }
      acc.total += s.meanServiceMs * s.completed
      acc.completed += s.completed
      byAgents.set(kind, acc)
    }
  }
  const kinds = new Set([...latest.kinds.map((k) => k.kind), ...byAgents.keys()])
  for (const kind of kinds) {
    const fleet = latest.kinds.find((k) => k.kind === kind)
    const agents = byAgents.get(kind)
    const completed = fleet?.completed ?? agents?.completed ?? 0
    const mean = fleet?.meanServiceMs ?? (agents && agents.completed > 0 ? agents.total / agents.completed : null)
    if (mean === null || !(mean > 0) || completed < minCompleted) continue
    let p50: number | null = null
    for (let i = snapshots.length - 1; i >= 0 && p50 === null; i--) {
      p50 = snapshots[i].kinds.find((k) => k.kind === kind)?.p50ServiceMs ?? null
    }
    out.set(kind, fitLognormal(mean, p50, completed, fallbackSigma))
  }
  return out
}
