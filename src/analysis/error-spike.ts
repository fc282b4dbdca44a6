import { type Analyser, insight, liveAgents, num } from './analyser.js'
import { snapshotBefore } from './throughput-degradation.js'

/**
 * `error-spike`: more than `errorsAbove` failed tasks in the last `windowMs` (default an hour). Failures are the
 * difference of the cumulative counters against the latest snapshot at least `windowMs` old; while the kept
 * history is younger than the window, against the oldest kept snapshot, or since the start without history.
 */
export const errorSpike: Analyser = (snapshot, history, config) => {
  const c = config.errorSpike
  const baseline = snapshotBefore(history, snapshot.at, c.windowMs)
  const errors = snapshot.swarm.tasksFailed - (baseline?.swarm.tasksFailed ?? 0)
  if (errors <= c.errorsAbove) return []
  // Per agent, failures since the same baseline; when the history kept that one without its agents, since the
  // oldest snapshot that has them (a shorter span, said so in the recommendation).
  const agentBaseline = baseline?.agentsOmitted ? snapshotBefore(history, snapshot.at, c.windowMs, true) : baseline
  const sameSpan = agentBaseline === baseline
  const before = new Map(agentBaseline?.agents.map((a) => [a.agentId, a.tasksFailed]) ?? [])
  const culprits = liveAgents(snapshot)
    .map((a) => ({ agentId: a.agentId, failed: a.tasksFailed - (before.get(a.agentId) ?? 0) }))
    .filter((a) => a.failed > 0)
    .sort((a, b) => b.failed - a.failed)
  const minutes = Math.round(Math.min(c.windowMs, snapshot.at - (baseline?.at ?? snapshot.at) || c.windowMs) / 60_000)
  const recommendation =
    culprits.length > 0
      ? `investigate ${culprits
          .slice(0, 3)
          .map((a) =>
            sameSpan
              ? `${a.agentId} (${num(a.failed)} of ${num(errors)} failures)`
              : `${a.agentId} (${num(a.failed)} failures in the last ${num(minutesSince(snapshot.at, agentBaseline))} min)`,
          )
          .join(', ')}`
      : `investigate the ${num(errors)} failures: the agents that failed them have left`
  return [
    insight({
      kind: 'error-spike',
      severity: errors > 4 * c.errorsAbove ? 'critical' : 'warning',
      agentId: culprits.length > 0 && culprits[0].failed * 2 > errors ? culprits[0].agentId : undefined,
      message: `${num(errors)} tasks failed in the last ${num(minutes)} min (more than ${num(c.errorsAbove)})`,
      recommendation,
      value: errors,
      threshold: c.errorsAbove,
      at: snapshot.at,
      key: 'error-spike',
    }),
  ]
}

const minutesSince = (at: number, baseline: { at: number } | undefined) =>
  baseline ? Math.max(1, Math.round((at - baseline.at) / 60_000)) : 0
