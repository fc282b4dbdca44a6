import type { SlaStatus } from '../model/finding.js'
import type { SwarmSnapshot } from '../model/snapshot.js'
import { num, pct } from './analyser.js'
import type { SlaRule } from './config.js'
import { compare, readPath } from './metric-path.js'

/**
 * SLA compliance over time: each tick where the rule's metric has a value is evaluated, and compliance is the
 * share of evaluated ticks in the trailing `windowMs` (event time) where the condition held. The SLA is met while
 * compliance is at least `objective`. Before any evaluated tick compliance is 1 (nothing violated yet).
 */
export class SlaTracker {
  private readonly ticks = new Map<string, Array<{ at: number; ok: boolean }>>()

  constructor(private readonly rules: readonly SlaRule[]) {}

  evaluate(snapshot: SwarmSnapshot): SlaStatus[] {
    return this.rules.map((rule) => {
      let ticks = this.ticks.get(rule.id)
      if (!ticks) this.ticks.set(rule.id, (ticks = []))
      const value = readPath(snapshot, rule.metric)
      // A second snapshot at the same time (the final one when a stream ends on a tick) replaces the first: one
      // tick, one point.
      if (ticks.at(-1)?.at === snapshot.at) ticks.pop()
      if (value !== null) ticks.push({ at: snapshot.at, ok: compare(value, rule.op, rule.threshold) })
      let drop = 0
      while (drop < ticks.length && ticks[drop].at <= snapshot.at - rule.windowMs) drop++
      if (drop > 0) ticks.splice(0, drop)
      const ok = ticks.reduce((n, t) => n + (t.ok ? 1 : 0), 0)
      const compliance = ticks.length === 0 ? 1 : ok / ticks.length
      return {
        id: rule.id,
        metric: rule.metric,
        objective: `${rule.metric} ${rule.op} ${num(rule.threshold)} in ${pct(rule.objective)} of ticks over ${num(rule.windowMs / 60_000)} min`,
        compliance,
        met: compliance >= rule.objective,
        evaluated: ticks.length,
      }
    })
  }
}
