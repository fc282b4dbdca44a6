import type { SimulationPlan } from './plan.js'

/**
 * A lower bound on the makespan any placement could achieve for a plan: the bound (total work divided by
 * total speed, or the longest single task on its fastest capable agent, whichever is larger), extended so it
 * stays a lower bound when work arrives over time, agents join, leave or slow down, and speeds depend on the kind:
 *
 * - Work is measured in ms on the fastest agent capable of its kind: w_j = size_j / vmax(kind_j).
 * - An agent's "total speed" is capacity * max over its kinds of speed / vmax(kind), times its slowdown factor
 *   (1/factor while slowed): no agent can clear fastest-agent work faster than that.
 * - For every arrival time t, the work arriving at or after t must be cleared between t and the makespan, at the
 *   fleet's total speed over that interval (an integral over joins, leaves and slowdowns).
 * - Every task ends no earlier than its arrival plus its size on its fastest capable agent.
 *
 * With every agent present from 0, no faults, all tasks at 0 and one kind, this is exactly
 * max(total work / total speed, longest task / fastest speed). Failed attempts are not counted, so the bound holds.
 */
export function makespanLowerBound(plan: SimulationPlan): number {
  if (plan.tasks.length === 0) return 0
  const vmax = new Map<string, number>()
  for (const agent of plan.agents)
    for (const [kind, speed] of Object.entries(agent.speeds)) vmax.set(kind, Math.max(vmax.get(kind) ?? 0, speed))

  // Piecewise-constant fleet speed: +rate at join, -rate at leave, scaled during slowdowns.
  const changes: Array<{ at: number; delta: number }> = []
  const relSpeed = new Map<string, number>()
  for (const agent of plan.agents) {
    let rho = 0
    for (const [kind, speed] of Object.entries(agent.speeds)) rho = Math.max(rho, speed / vmax.get(kind)!)
    const rate = agent.capacity * rho
    relSpeed.set(agent.agentId, rate)
    changes.push({ at: agent.joinAtMs, delta: rate })
    if (agent.leaveAtMs !== null) changes.push({ at: agent.leaveAtMs, delta: -rate })
  }
  const byId = new Map(plan.agents.map((a) => [a.agentId, a]))
  for (const s of plan.slowdowns) {
    const agent = byId.get(s.agentId)!
    const rate = relSpeed.get(s.agentId)!
    const from = Math.max(s.atMs, agent.joinAtMs)
    const until = Math.min(s.untilMs ?? Number.POSITIVE_INFINITY, agent.leaveAtMs ?? Number.POSITIVE_INFINITY)
    if (until <= from) continue
    const loss = rate - rate / s.factor
    changes.push({ at: from, delta: -loss })
    if (Number.isFinite(until)) changes.push({ at: until, delta: loss })
  }
  changes.sort((a, b) => a.at - b.at)
  // Breakpoints with the cumulative capacity C(t) = integral of the fleet speed from 0 to t.
  const times: number[] = [0]
  const rates: number[] = []
  const cumulative: number[] = [0]
  let rate = 0
  let i = 0
  while (i < changes.length && changes[i].at <= 0) rate += changes[i++].delta
  rates.push(rate)
  while (i < changes.length) {
    const at = changes[i].at
    cumulative.push(cumulative[cumulative.length - 1] + rate * (at - times[times.length - 1]))
    times.push(at)
    while (i < changes.length && changes[i].at === at) rate += changes[i++].delta
    rates.push(Math.max(0, rate))
    rate = Math.max(0, rate)
  }
  const capacityAt = (t: number): number => {
    const k = upperIndex(times, t)
    return cumulative[k] + rates[k] * (t - times[k])
  }
  /** The least T with C(T) >= c (Infinity if the fleet never gets there). */
  const timeForCapacity = (c: number): number => {
    if (c <= 0) return 0
    // The last breakpoint still short of c; the capacity is reached inside its segment.
    let lo = 0
    let hi = times.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (cumulative[mid] < c) lo = mid
      else hi = mid - 1
    }
    return rates[lo] > 0 ? times[lo] + (c - cumulative[lo]) / rates[lo] : Number.POSITIVE_INFINITY
  }

  let bound = 0
  let workAfter = 0
  // Tasks are sorted by arrival; sweep from the last, bounding at each distinct arrival time.
  for (let j = plan.tasks.length - 1; j >= 0; j--) {
    const task = plan.tasks[j]
    const fastest = task.sizeMs / vmax.get(task.kind)!
    workAfter += fastest
    bound = Math.max(bound, task.arrivalMs + fastest)
    if (j === 0 || plan.tasks[j - 1].arrivalMs !== task.arrivalMs)
      bound = Math.max(bound, timeForCapacity(capacityAt(task.arrivalMs) + workAfter))
  }
  return bound
}

/** Index of the last breakpoint at or before t. */
function upperIndex(times: readonly number[], t: number): number {
  let lo = 0
  let hi = times.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (times[mid] <= t) lo = mid
    else hi = mid - 1
  }
  return lo
}
