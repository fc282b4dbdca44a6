import type { Alert } from '../model/finding.js'
import type { SwarmSnapshot } from '../model/snapshot.js'
import type { AlertRule } from './config.js'
import { compare, readMetric } from './metric-path.js'

interface AlertInstance {
  ruleId: string
  agentId?: string
  /** Event time since which the condition has held without a break; null while it does not hold. */
  holdingSince: number | null
  firing: boolean
  /** Event time of the last resolution, for the cooldown. */
  resolvedAt: number | null
  value: number | null
}

/**
 * Alert rules with hysteresis, on event time (`snapshot.at`): a rule fires once its condition has held for
 * `forMs` without a break, resolves on the first tick it no longer holds, and does not fire again within
 * `cooldownMs` of resolving. A tick where the metric is missing (null) changes nothing. A per-agent rule keeps one
 * instance per agent; an agent that leaves resolves its firing alerts.
 */
export class AlertEvaluator {
  private readonly instances = new Map<string, AlertInstance>()

  constructor(private readonly rules: readonly AlertRule[]) {}

  evaluate(snapshot: SwarmSnapshot): { firing: Alert[]; transitions: Alert[] } {
    const at = snapshot.at
    const firing: Alert[] = []
    const transitions: Alert[] = []
    const seen = new Set<string>()
    for (const rule of this.rules) {
      for (const { agentId, value } of readMetric(snapshot, rule.metric)) {
        const key = `${rule.id}|${agentId ?? ''}`
        seen.add(key)
        let instance = this.instances.get(key)
        if (!instance) {
          instance = { ruleId: rule.id, agentId, holdingSince: null, firing: false, resolvedAt: null, value: null }
          this.instances.set(key, instance)
        }
        if (value !== null) {
          instance.value = value
          if (compare(value, rule.op, rule.threshold)) {
            instance.holdingSince ??= at
            const held = at - instance.holdingSince >= rule.forMs
            const cooled = instance.resolvedAt === null || at - instance.resolvedAt >= rule.cooldownMs
            if (!instance.firing && held && cooled) {
              instance.firing = true
              transitions.push(this.alert(rule, instance, 'firing', instance.holdingSince, at))
            }
          } else {
            instance.holdingSince = null
            if (instance.firing) {
              instance.firing = false
              instance.resolvedAt = at
              transitions.push(this.alert(rule, instance, 'resolved', at, at))
            }
          }
        }
        if (instance.firing) firing.push(this.alert(rule, instance, 'firing', instance.holdingSince ?? at, at))
      }
    }
    for (const [key, instance] of this.instances) {
      if (seen.has(key)) continue
      // The agent left (or the rule's target vanished): a firing alert about it resolves.
      const rule = this.rules.find((r) => r.id === instance.ruleId)
      if (instance.firing && rule) {
        transitions.push(this.alert(rule, { ...instance, value: null }, 'resolved', at, at))
        instance.firing = false
        instance.resolvedAt = at
      }
      instance.holdingSince = null
      // Kept while its cooldown runs, so an agent that leaves and comes back cannot fire again sooner.
      if (!rule || instance.resolvedAt === null || at - instance.resolvedAt >= rule.cooldownMs)
        this.instances.delete(key)
    }
    return { firing, transitions }
  }

  private alert(rule: AlertRule, instance: AlertInstance, state: Alert['state'], since: number, at: number): Alert {
    const alert: Alert = {
      ruleId: rule.id,
      state,
      severity: rule.severity,
      metric: instance.agentId === undefined ? rule.metric : rule.metric.replace('*', instance.agentId),
      value: instance.value,
      threshold: rule.threshold,
      since,
      at,
    }
    if (instance.agentId !== undefined) alert.agentId = instance.agentId
    return alert
  }
}
