import { type Analyser, bottleneck, num, pct, severityAbove } from './analyser.js'

/** `cpu`: host CPU above `cpu.above` (0..1, as the host reports it). */
export const cpu: Analyser = (snapshot, _history, config) => {
  const value = snapshot.swarm.resources.cpu
  if (value === null || value <= config.cpu.above) return []
  return [
    bottleneck({
      kind: 'cpu',
      severity: severityAbove(value, config.cpu.critical),
      value,
      threshold: config.cpu.above,
      since: snapshot.at,
      evidence: `host CPU at ${pct(value)} (above ${pct(config.cpu.above)}) with ${num(snapshot.swarm.tasksInFlight)} tasks in flight`,
    }),
  ]
}
