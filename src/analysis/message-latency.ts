import { type Analyser, bottleneck, ms, severityAbove } from './analyser.js'

/** `message-latency`: message p95 (sent -> received) above `messageLatency.p95AboveMs`. */
export const messageLatency: Analyser = (snapshot, _history, config) => {
  const c = config.messageLatency
  const p95 = snapshot.swarm.messageLatencyMs.p95
  if (p95 === null || p95 <= c.p95AboveMs) return []
  return [
    bottleneck({
      kind: 'message-latency',
      severity: severityAbove(p95, c.p95AboveMs * c.criticalFactor),
      value: p95,
      threshold: c.p95AboveMs,
      since: snapshot.at,
      evidence: `message p95 latency ${ms(p95)} is above ${ms(c.p95AboveMs)}`,
    }),
  ]
}
