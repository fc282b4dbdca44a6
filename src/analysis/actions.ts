import type { Action, Bottleneck, Insight, Prediction } from '../model/finding.js'
import type { SwarmSnapshot } from '../model/snapshot.js'
import { liveAgents, num } from './analyser.js'
import type { AnalysisConfig } from './config.js'
import { busiestWithQueue, idlestReceiver, tasksToEqualise } from './imbalance.js'

/**
 * Typed actions a host can automate, from this tick's findings:
 * - `evacuate(agentId)`: a critical slow-agent or failing-agent bottleneck (move its work away);
 * - `investigate(agentId)`: a warning slow-agent or failing-agent bottleneck, or an anomaly / error spike naming an agent;
 * - `rebalance`: an imbalance insight where moving queued tasks would even the load, to an agent able to take them;
 * - `scale-out(n)`: the agents predicted for the SLA exceed the live agents (n = estimate - live), or no fleet up to
 *   maxAgents meets it (n = maxAgents - live), or no agent is live while tasks wait (n = max(1, minAgents)), or,
 *   without an SLA target, the queue grows (n = agents that would hold it level);
 * - `scale-in(n)`: even the pessimistic (high) agent estimate leaves at least `scaleInMinSurplus` agents spare, the
 *   queue is empty and nothing is a bottleneck (n = live - max(high, minAgents)).
 * One action per type and agent; evacuate supersedes investigate.
 */
export function deriveActions(
  snapshot: SwarmSnapshot,
  findings: { bottlenecks: Bottleneck[]; insights: Insight[]; predictions: Prediction[] },
  config: AnalysisConfig,
): Action[] {
  const at = snapshot.at
  const live = liveAgents(snapshot)
  // Which of the agents the findings name are live: one pass over the fleet against the few names, rather than a set
  // of every live id (10,000 strings hashed each tick on a large fleet).
  const named = new Set<string>()
  for (const f of [...findings.bottlenecks, ...findings.insights]) if (f.agentId) named.add(f.agentId)
  const liveNamed = new Set<string>()
  if (named.size > 0) for (const a of live) if (named.has(a.agentId)) liveNamed.add(a.agentId)
  const isLive = (agentId: string) => liveNamed.has(agentId)
  const evacuate = new Map<string, string>()
  const investigate = new Map<string, string>()
  for (const b of findings.bottlenecks) {
    if (!b.agentId || (b.kind !== 'slow-agent' && b.kind !== 'failing-agent') || !isLive(b.agentId)) continue
    ;(b.severity === 'critical' ? evacuate : investigate).set(b.agentId, `${b.kind}: ${b.evidence}`)
  }
  for (const i of findings.insights) {
    if (!i.agentId || (i.kind !== 'anomaly' && i.kind !== 'error-spike') || !isLive(i.agentId)) continue
    if (!investigate.has(i.agentId)) investigate.set(i.agentId, `${i.kind}: ${i.message}`)
  }
  const actions: Action[] = []
  for (const [agentId, reason] of evacuate) actions.push({ type: 'evacuate', agentId, reason, at })
  for (const [agentId, reason] of investigate)
    if (!evacuate.has(agentId)) actions.push({ type: 'investigate', agentId, reason, at })

  const imbalance = findings.insights.find((i) => i.kind === 'imbalance')
  if (imbalance) {
    const busiest = busiestWithQueue(live)
    const receiver = busiest && idlestReceiver(busiest, live)
    if (busiest && receiver && tasksToEqualise(busiest, receiver) > 0)
      actions.push({ type: 'rebalance', reason: `${imbalance.message}: ${imbalance.recommendation}`, at })
  }

  const overall = findings.predictions.find((p) => p.kind === null)
  const agents = overall?.agentsForSla
  if (agents) {
    if (agents.estimate > live.length) {
      const n = agents.estimate - live.length
      actions.push({
        type: 'scale-out',
        n,
        reason: `${num(agents.estimate)} agents (${num(agents.low)}-${num(agents.high)}) predicted to meet the response target for ${num(overall.queuedTasks)} queued tasks; ${num(live.length)} live`,
        at,
      })
    } else {
      const keep = Math.max(agents.high, config.actions.minAgents)
      const n = live.length - keep
      const quiet = overall.queuedTasks === 0 && findings.bottlenecks.length === 0
      if (quiet && n >= config.actions.scaleInMinSurplus)
        actions.push({
          type: 'scale-in',
          n,
          reason: `even the pessimistic estimate needs ${num(agents.high)} agents for the response target; ${num(live.length)} live, queue empty`,
          at,
        })
    }
  } else if (overall?.slaUnreachable) {
    // No fleet up to maxAgents meets the target: the most the model allows is still the direction to go.
    const n = config.prediction.maxAgents - live.length
    if (n > 0)
      actions.push({
        type: 'scale-out',
        n,
        reason: `no fleet of up to ${num(config.prediction.maxAgents)} agents is predicted to meet the response target for ${num(overall.queuedTasks)} queued tasks; ${num(live.length)} live`,
        at,
      })
  } else if (live.length === 0 && snapshot.swarm.tasksQueued > 0) {
    // Nothing can be predicted without an agent, and nothing will run: ask for the fewest the host keeps.
    actions.push({
      type: 'scale-out',
      n: Math.max(1, config.actions.minAgents),
      reason: `no live agent and ${num(snapshot.swarm.tasksQueued)} tasks queued`,
      at,
    })
  } else {
    const growth = findings.insights.find((i) => i.kind === 'queue-growth')
    const perAgent = live.length > 0 ? snapshot.swarm.throughputPerMin / live.length : 0
    if (growth?.value !== undefined && perAgent > 0)
      actions.push({
        type: 'scale-out',
        n: Math.ceil(growth.value / perAgent),
        reason: `${growth.message}: ${growth.recommendation}`,
        at,
      })
  }
  return actions
}

/** Identity of an action across ticks: a repeated action is not new. */
export function actionKey(action: Action): string {
  return 'agentId' in action ? `${action.type}|${action.agentId}` : action.type
}
