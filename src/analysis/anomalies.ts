import type { Finding } from '../model/finding.js'
import { type Analyser, insight, liveAgents, ms, num, pct } from './analyser.js'
import type { AnalysisConfig } from './config.js'
import { type AnomalyVerdict, RobustAnomalyDetector, type RobustAnomalyOptions } from './robust-anomaly.js'
import { type AgentSeriesState, agentSeries, type Point, throughputSeries } from './series.js'

export function anomalyOptions(
  config: AnalysisConfig,
  direction: RobustAnomalyOptions['direction'],
  absoluteScaleFloor = 0,
): RobustAnomalyOptions {
  const a = config.anomaly
  return {
    threshold: a.threshold,
    consecutive: a.consecutive,
    windowPoints: a.windowPoints,
    minPoints: a.minPoints,
    relativeScaleFloor: a.relativeScaleFloor,
    absoluteScaleFloor,
    direction,
  }
}

/**
 * The verdict on the last point of a series: the same as pushing every point through a RobustAnomalyDetector,
 * but only the last `consecutive` points are scored (each against its own trailing window), so the cost per tick
 * does not grow with the history.
 */
export function lastVerdict(points: readonly Point[], options: RobustAnomalyOptions): AnomalyVerdict | null {
  if (points.length === 0) return null
  const from = Math.max(0, points.length - options.consecutive - options.windowPoints)
  const detector = new RobustAnomalyDetector(options)
  let verdict: AnomalyVerdict | null = null
  for (let i = from; i < points.length; i++) {
    // Points before the scored ones only fill the window.
    if (i < points.length - options.consecutive) detector.observe(points[i].value)
    else verdict = detector.push(points[i].value)
  }
  return verdict
}

/** The agents' flagged verdicts, kept per series state so a tick re-scores only the series that changed. */
interface Flagged {
  /** The options the verdicts were scored with. */
  key: string
  /** `state.advances` when these verdicts were brought up to date. */
  advances: number
  service: Map<string, AnomalyVerdict>
  errorRate: Map<string, AnomalyVerdict>
}

const flaggedByState = new WeakMap<AgentSeriesState, Flagged>()

const flags = (v: AnomalyVerdict | null): v is AnomalyVerdict => !!v?.anomalous && v.median !== null && v.z !== null

/**
 * The verdicts on every agent's last points that raise an anomaly, by agent. A verdict depends only on the
 * points of its series, so only the series that changed since the last call are scored again (all of them the
 * first time, after a replay, or when the options differ).
 */
function flaggedAgents(
  state: AgentSeriesState,
  serviceOptions: RobustAnomalyOptions,
  errorOptions: RobustAnomalyOptions,
): Flagged {
  const key = JSON.stringify([serviceOptions, errorOptions])
  let flagged = flaggedByState.get(state)
  if (flagged && flagged.key === key && flagged.advances === state.advances) return flagged
  let agentIds: Iterable<string> = state.changed
  if (!flagged || flagged.key !== key || flagged.advances !== state.advances - 1) {
    flagged = { key, advances: state.advances, service: new Map(), errorRate: new Map() }
    flaggedByState.set(state, flagged)
    agentIds = state.series.keys()
  }
  flagged.advances = state.advances
  for (const agentId of agentIds) {
    const s = state.series.get(agentId)
    const service = s ? lastVerdict(logScale(s.serviceMs, serviceOptions), serviceOptions) : null
    const errors = s ? lastVerdict(s.errorRate, errorOptions) : null
    if (flags(service)) flagged.service.set(agentId, service)
    else flagged.service.delete(agentId)
    if (flags(errors)) flagged.errorRate.set(agentId, errors)
    else flagged.errorRate.delete(agentId)
  }
  return flagged
}

/** The points a verdict reads (the last `consecutive + windowPoints`), on a log scale. */
function logScale(points: readonly Point[], options: RobustAnomalyOptions): Point[] {
  const from = Math.max(0, points.length - options.consecutive - options.windowPoints)
  const out: Point[] = []
  for (let i = from; i < points.length; i++)
    out.push({ ...points[i], value: Math.log(Math.max(points[i].value, 1e-3)) })
  return out
}

/**
 * `anomaly` insights from robust (median/MAD) detection, see robust-anomaly.ts: per live agent on service time
 * (up is bad) and error rate (up is bad), and on swarm throughput (down is bad). Points are differences of
 * consecutive snapshots (series.ts), so the whole state is in the history and the analyser stays pure.
 */
export const anomalies: Analyser = (snapshot, history, config) => {
  const a = config.anomaly
  const snapshots = [...history, snapshot]
  const findings: Finding[] = []
  const state = agentSeries(snapshots, a.tasksPerPoint, a.windowPoints + a.consecutive)
  // Service times are multiplicative and right-skewed: tested on a log scale, where the relative floor is absolute.
  const serviceOptions = { ...anomalyOptions(config, 'up', a.relativeScaleFloor), relativeScaleFloor: 0 }
  const errorOptions = anomalyOptions(config, 'up', a.errorRateScaleFloor)
  const flagged = flaggedAgents(state, serviceOptions, errorOptions)
  // Most ticks flag no agent: then there is no need to walk them.
  const anyFlagged = flagged.service.size > 0 || flagged.errorRate.size > 0
  for (const agent of anyFlagged ? liveAgents(snapshot) : []) {
    const s = state.series.get(agent.agentId)
    if (!s) continue
    const verdict = flagged.service.get(agent.agentId)
    if (verdict && verdict.median !== null && verdict.z !== null) {
      const last = s.serviceMs[s.serviceMs.length - 1]
      const median = Math.exp(verdict.median)
      findings.push(
        insight({
          kind: 'anomaly',
          severity: 'warning',
          agentId: agent.agentId,
          message: `${agent.agentId} service time ${ms(last.value)} per task over its last ${num(last.tasks)} tasks against a median of ${ms(median)} (robust z ${num(verdict.z)} on a log scale, mean of the last ${num(a.consecutive)} points ${num(verdict.score ?? 0)})`,
          recommendation: `investigate ${agent.agentId}: its tasks take ${num(last.value / median)}x as long as before`,
          value: last.value,
          threshold: Math.exp(verdict.median + a.threshold * (verdict.scale ?? 0)),
          at: snapshot.at,
          key: `anomaly|${agent.agentId}|serviceMs`,
        }),
      )
    }
    const errors = flagged.errorRate.get(agent.agentId)
    if (errors && errors.median !== null && errors.z !== null) {
      const last = s.errorRate[s.errorRate.length - 1]
      findings.push(
        insight({
          kind: 'anomaly',
          severity: 'warning',
          agentId: agent.agentId,
          message: `${agent.agentId} error rate ${pct(last.value)} over its last ${num(last.tasks)} tasks against a median of ${pct(errors.median)} (robust z ${num(errors.z)})`,
          recommendation: `investigate ${agent.agentId}: ${num(Math.round(last.value * last.tasks))} of its last ${num(last.tasks)} tasks failed`,
          value: last.value,
          threshold: errors.median + a.threshold * (errors.scale ?? 0),
          at: snapshot.at,
          key: `anomaly|${agent.agentId}|errorRate`,
        }),
      )
    }
  }
  const throughput = throughputSeries(snapshots, a.maxPointMs)
  const verdict = lastVerdict(throughput, anomalyOptions(config, 'down'))
  if (verdict?.anomalous && verdict.median !== null && verdict.z !== null) {
    const last = throughput[throughput.length - 1]
    findings.push(
      insight({
        kind: 'anomaly',
        severity: 'warning',
        message: `swarm throughput ${num(last.value)}/min against a median of ${num(verdict.median)}/min (robust z ${num(verdict.z)})`,
        recommendation: `investigate the drop of ${num(verdict.median - last.value)} completions/min: check the agents with the lowest throughput (${[
          ...liveAgents(snapshot),
        ]
          .sort((x, y) => x.throughputPerMin - y.throughputPerMin)
          .slice(0, 3)
          .map((x) => `${x.agentId} ${num(x.throughputPerMin)}/min`)
          .join(', ')})`,
        value: last.value,
        threshold: verdict.median - a.threshold * (verdict.scale ?? 0),
        at: snapshot.at,
        key: 'anomaly|swarm|throughput',
      }),
    )
  }
  return findings
}
