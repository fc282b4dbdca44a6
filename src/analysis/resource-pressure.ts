import { type Analyser, insight, memoryRatio, num, pct } from './analyser.js'

/**
 * `resource-pressure`: host CPU or memory above `resourcePressure.above`. The recommendation sizes the in-flight
 * work that fits under the limit, from the resource used per in-flight task now.
 */
export const resourcePressure: Analyser = (snapshot, _history, config) => {
  const limit = config.resourcePressure.above
  const cpu = snapshot.swarm.resources.cpu
  const mem = memoryRatio(snapshot)
  const pressed: Array<{ name: string; value: number }> = []
  if (cpu !== null && cpu > limit) pressed.push({ name: 'CPU', value: cpu })
  if (mem !== null && mem > limit) pressed.push({ name: 'memory', value: mem })
  if (pressed.length === 0) return []
  const worst = pressed.reduce((a, b) => (b.value > a.value ? b : a))
  const inFlight = snapshot.swarm.tasksInFlight
  const fits = inFlight > 0 ? Math.floor((limit / worst.value) * inFlight) : 0
  const recommendation =
    inFlight > 0 && fits < inFlight
      ? `cap in-flight tasks at ${num(fits)} (now ${num(inFlight)}, ${pct(worst.value / inFlight)} ${worst.name} each) or add host capacity`
      : `add host capacity: ${worst.name} is at ${pct(worst.value)} with ${num(inFlight)} tasks in flight`
  return [
    insight({
      kind: 'resource-pressure',
      severity: worst.value > (1 + limit) / 2 ? 'critical' : 'warning',
      message: `${pressed.map((p) => `${p.name} at ${pct(p.value)}`).join(', ')} (above ${pct(limit)})`,
      recommendation,
      value: worst.value,
      threshold: limit,
      at: snapshot.at,
      key: 'resource-pressure',
    }),
  ]
}
