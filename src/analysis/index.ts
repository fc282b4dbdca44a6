import type { Action, Alert, Bottleneck, Finding, Insight, Prediction, SlaStatus } from '../model/finding.js'
import { type SwarmSnapshot, withoutAgents } from '../model/snapshot.js'
import { actionKey, deriveActions } from './actions.js'
import { AlertEvaluator } from './alerts.js'
import { type Analyser, fleetOf } from './analyser.js'
import { anomalies } from './anomalies.js'
import { type AnalysisConfig, type AnalysisConfigInput, parseAnalysisConfig } from './config.js'
import { cpu } from './cpu.js'
import { errorSpike } from './error-spike.js'
import { failingAgent } from './failing-agent.js'
import { imbalance } from './imbalance.js'
import { memory } from './memory.js'
import { messageLatency } from './message-latency.js'
import { noCapableAgent } from './no-capable-agent.js'
import { predictions } from './predictions.js'
import { queueBacklog } from './queue-backlog.js'
import { queueGrowth } from './queue-growth.js'
import { resourcePressure } from './resource-pressure.js'
import { SlaTracker } from './sla.js'
import { slowAgent } from './slow-agent.js'
import { specialisation } from './specialisation.js'
import { throughputDegradation } from './throughput-degradation.js'

/** The analysers, by name: one file each, one signature `(snapshot, history, config) => Finding[]`. */
export const analysers: Readonly<Record<string, Analyser>> = {
  'slow-agent': slowAgent,
  'failing-agent': failingAgent,
  cpu,
  memory,
  'queue-backlog': queueBacklog,
  'message-latency': messageLatency,
  imbalance,
  'throughput-degradation': throughputDegradation,
  'error-spike': errorSpike,
  'resource-pressure': resourcePressure,
  specialisation,
  'queue-growth': queueGrowth,
  'no-capable-agent': noCapableAgent,
  anomalies,
  predictions,
}

export interface Analysis {
  /**
   * Called once per tick with the new snapshot (its bottlenecks/insights/alerts/sla/predictions fields still
   * empty) and the history of earlier snapshots (oldest first, bounded). Never throws: an analyser that throws is
   * reported in `errors` and the others still run.
   */
  evaluate(snapshot: SwarmSnapshot, history: readonly SwarmSnapshot[]): AnalysisResult
}

export interface AnalysisResult {
  bottlenecks: Bottleneck[]
  insights: Insight[]
  /** Not present in the previous tick, for insights$. */
  newInsights: Insight[]
  /** Firing now. */
  alerts: Alert[]
  /** Firing/resolved this tick, for alerts$. */
  alertTransitions: Alert[]
  sla: SlaStatus[]
  predictions: Prediction[]
  /** New this tick, for actions$. */
  actions: Action[]
  errors: Array<{ source: string; error: unknown }>
}

/** Snapshots kept over the longest window beyond the monitor's history. */
const ARCHIVE_POINTS = 120
/**
 * Per-agent entries the archive may hold (about 1 KB each). A point is read only once it is older than the
 * monitor's history, and any point may become the hour-old baseline, so a point keeps its agents only when every
 * point of the archive could: fleets of up to 1,666 agents. A larger fleet's points keep their swarm figures
 * (`agentsOmitted`), and error-spike names agents over the span the history still has them for.
 */
const ARCHIVE_AGENT_ENTRIES = 200_000

const insightKey = (i: Insight) => i.key ?? `${i.kind}|${i.agentId ?? ''}`
const bottleneckKey = (b: Bottleneck) => `${b.kind}|${b.agentId ?? ''}`

/**
 * The analysis a monitor runs every tick. Analysers are pure; what lasts between ticks lives here: when each
 * bottleneck began (`since`, reset when it is absent for a tick), which insights and actions were already
 * reported, alert hysteresis, SLA compliance, and a sparse archive of older snapshots so hour-long windows (error
 * spikes) reach past the monitor's bounded history. Time is the snapshot's event time.
 */
export function createAnalysis(config: AnalysisConfigInput = {}): Analysis {
  const cfg: AnalysisConfig = parseAnalysisConfig(config)
  const alertEvaluator = new AlertEvaluator(cfg.alerts)
  const slaTracker = new SlaTracker(cfg.slas)
  let bottlenecksSince = new Map<string, number>()
  let previousInsights = new Set<string>()
  let previousActions = new Set<string>()
  // The monitor's history is bounded by count (600 one-second ticks by default, 10 min), shorter than the error
  // spike's hour: keep one snapshot per `ARCHIVE_EVERY` of the windows' span in front of it, so differences of
  // cumulative counters over an hour stay exact.
  const archiveSpanMs = Math.max(cfg.errorSpike.windowMs, cfg.throughputDegradation.minHistoryMs)
  const archiveEveryMs = archiveSpanMs / ARCHIVE_POINTS
  const archive: SwarmSnapshot[] = []

  return {
    evaluate(snapshot, recent) {
      const oldest = recent.length > 0 ? recent[0].at : snapshot.at
      const older = archive.filter((s) => s.at < oldest && s.at >= snapshot.at - archiveSpanMs)
      const history = older.length > 0 ? [...older, ...recent] : recent
      const lastArchived = archive[archive.length - 1]
      if (!lastArchived || snapshot.at - lastArchived.at >= archiveEveryMs) {
        const fits = snapshot.agents.length * ARCHIVE_POINTS <= ARCHIVE_AGENT_ENTRIES
        archive.push(fits ? snapshot : withoutAgents(snapshot))
      }
      while (archive.length > 0 && archive[0].at < snapshot.at - archiveSpanMs) archive.shift()
      // The live list every per-agent analyser walks, built reusing the last tick's pass for entries handed on.
      fleetOf(snapshot, recent[recent.length - 1])
      const errors: AnalysisResult['errors'] = []
      const findings: Finding[] = []
      for (const [name, analyse] of Object.entries(analysers)) {
        try {
          findings.push(...analyse(snapshot, history, cfg))
        } catch (error) {
          errors.push({ source: `analysis:${name}`, error })
        }
      }
      const bottlenecks: Bottleneck[] = []
      const insights: Insight[] = []
      const predicted: Prediction[] = []
      for (const { category, ...rest } of findings) {
        if (category === 'bottleneck') bottlenecks.push(rest as Bottleneck)
        else if (category === 'insight') insights.push(rest as Insight)
        else if (category === 'prediction') predicted.push(rest as Prediction)
      }

      const since = new Map<string, number>()
      for (const b of bottlenecks) {
        const key = bottleneckKey(b)
        b.since = bottlenecksSince.get(key) ?? b.since
        since.set(key, b.since)
      }
      bottlenecksSince = since

      const insightKeys = new Set(insights.map(insightKey))
      const newInsights = insights.filter((i) => !previousInsights.has(insightKey(i)))
      previousInsights = insightKeys

      let alerts: Alert[] = []
      let alertTransitions: Alert[] = []
      try {
        ;({ firing: alerts, transitions: alertTransitions } = alertEvaluator.evaluate(snapshot))
      } catch (error) {
        errors.push({ source: 'analysis:alerts', error })
      }
      let sla: SlaStatus[] = []
      try {
        sla = slaTracker.evaluate(snapshot)
      } catch (error) {
        errors.push({ source: 'analysis:sla', error })
      }
      let actions: Action[] = []
      try {
        const all = deriveActions(snapshot, { bottlenecks, insights, predictions: predicted }, cfg)
        actions = all.filter((a) => !previousActions.has(actionKey(a)))
        previousActions = new Set(all.map(actionKey))
      } catch (error) {
        errors.push({ source: 'analysis:actions', error })
      }
      return {
        bottlenecks,
        insights,
        newInsights,
        alerts,
        alertTransitions,
        sla,
        predictions: predicted,
        actions,
        errors,
      }
    },
  }
}

export type { Analyser } from './analyser.js'
export type { AlertRule, AnalysisConfig, AnalysisConfigInput, SlaRule } from './config.js'
export { alertRuleSchema, analysisConfigSchema, parseAnalysisConfig, slaRuleSchema } from './config.js'
