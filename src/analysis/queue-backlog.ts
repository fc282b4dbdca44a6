import { type Analyser, bottleneck, num, queueDepth, severityAbove } from './analyser.js'

/** `queue-backlog`: tasks waiting to start above `queueBacklog.above`. */
export const queueBacklog: Analyser = (snapshot, _history, config) => {
  const c = config.queueBacklog
  const queued = queueDepth(snapshot)
  if (queued <= c.above) return []
  const oldest = snapshot.queue.oldestWaitMs
  return [
    bottleneck({
      kind: 'queue-backlog',
      severity: severityAbove(queued, c.above * c.criticalFactor),
      value: queued,
      threshold: c.above,
      since: snapshot.at,
      evidence: `${num(queued)} tasks queued (above ${num(c.above)}), ${num(snapshot.queue.unassigned)} without an agent${oldest === null ? '' : `, oldest waiting ${num(oldest / 1000)} s`}`,
    }),
  ]
}
