import { setOwn } from '../model/set-own.js'
import type {
  AgentSnapshot,
  BucketCounts,
  KindSnapshot,
  Percentiles,
  ServicePercentiles,
  SwarmSnapshot,
} from '../model/snapshot.js'
import type { SwarmMonitorConfig } from './config.js'
import type { Ingest } from './ingest.js'
import type { AgentRecord, EfficiencyParts } from './swarm-state.js'

const agentQs = [0.5, 0.9, 0.95, 0.99] as const
const maxUnplaceableListed = 100

const orNull = (v: number): number | null => (Number.isFinite(v) ? v : null)
const round3 = (v: number): number => Math.round(v * 1000) / 1000

/** Definitions every snapshot carries, so a reader knows what the figures mean. */
export const baseDefinitions: Record<string, string> = {
  serviceMs: 'task:started -> task:completed (or the durationMs the host reported), completed tasks only',
  responseMs: 'task:queued (or the first event naming the task) -> task:completed, completed tasks only',
  load: '(in-flight + queued) / capacity; queued includes placements awaiting the host',
  imbalance: 'coefficient of variation (population) of load across live agents',
  efficiency:
    'weighted mean of speed, consistency and success, each smoothed toward 1 by priorSamples (README: Efficiency)',
  throughputPerMin:
    "completions in the rolling window divided by the time the window covers; an agent's over the window's closed sub-windows only (it changes when one closes, every windowMs / windowSlots; over the open one until the first closes)",
  errorRate: 'failures / (completions + failures) in the rolling window',
}

/**
 * Reads the state and the kernels into a plain, immutable snapshot. Analysis fields (bottlenecks, insights,
 * alerts, sla, predictions) are left empty for the analysis stage to fill.
 */
export function buildSnapshot(
  ingest: Ingest,
  config: SwarmMonitorConfig,
  at: number,
  seq: number,
  reassignmentsEmitted: number,
  definitions: Record<string, string>,
): SwarmSnapshot {
  const { state, totals, measurements: m } = ingest
  m.flush()
  const slots = state.slotsInUse()
  const windowCoveredMs = coveredMs(ingest, config, at)
  const perMinute = windowCoveredMs > 0 ? 60_000 / windowCoveredMs : 0
  // An agent's throughput counts the closed sub-windows only. Over the whole window it would move every tick for
  // every agent with a completion in it (the span it is divided by grows with event time), and no agent's entry
  // could be handed on from the last snapshot. Before the first sub-window closes, over the open one.
  const closedMs = coveredMs(ingest, config, at, true)
  const agentPerMinute = closedMs > 0 ? 60_000 / closedMs : perMinute

  // Loads and liveness into the scoring kernel, then one pass for efficiency and one for imbalance.
  for (const agent of state.agents.values()) {
    m.scoring.setLoad(agent.slot, agent.live ? (agent.inFlight + agent.queued) / agent.capacity : 0)
  }
  const fleetEfficiency = m.scoring.score(
    slots,
    state.kindNames.length,
    config.efficiency.priorSamples,
    config.efficiency.weights,
  )
  const imbalance = m.scoring.imbalance(slots)

  const kindNames = state.kindNames
  const expiredAt = m.expiredAt
  const lastFigures = lastFiguresOf(ingest)
  const agents: AgentSnapshot[] = new Array(state.agents.size)
  let index = 0
  let windowCompleted = 0
  let windowFailed = 0
  // Not the sum of the agents' queued counts: a task a pending move will take counts at both ends there.
  const tasksQueued = state.unassigned.size + state.placing.size + state.assigned.size
  let tasksInFlight = 0
  for (const agent of state.agents.values()) {
    // Recomputed when the agent has new samples, or a rotation since the last computation expired some of them.
    if (agent.viewSamples !== agent.samples || expiredAt[agent.slot] > agent.viewRotations)
      updateView(ingest, config, agent)
    windowCompleted += agent.windowCompleted
    windowFailed += agent.windowFailed
    tasksInFlight += agent.inFlight
    const agentCompleted = closedMs > 0 ? m.completions.closed(agent.slot) : agent.windowCompleted
    agents[index++] = agentView(agent, agentCompleted * agentPerMinute, m, lastFigures)
  }

  const kinds: KindSnapshot[] = kindNames.map((kind, k) => {
    return {
      kind,
      completed: state.kindCompleted[k] ?? 0,
      failed: state.kindFailed[k] ?? 0,
      meanServiceMs: orNull(m.scoring.fleetKindMeanMs(k)),
      p50ServiceMs: m.kinds.count(k) > 0 ? orNull(m.kinds.quantile(k, 0.5)) : null,
      inFlight: state.kindInFlight[k] ?? 0,
    }
  })

  const elapsedMs = totals.firstEventAt === null ? 0 : at - totals.firstEventAt
  const windowFinished = windowCompleted + windowFailed
  const resources = totals.resources
  let oldestQueuedAt = Number.POSITIVE_INFINITY
  const unplaceable: Array<{ taskId: string; requiredCapabilities: string[] }> = []
  for (const task of state.unassigned) {
    if (task.queuedAt < oldestQueuedAt) oldestQueuedAt = task.queuedAt
    if (unplaceable.length < maxUnplaceableListed && task.requiredCapabilities.length > 0) {
      let fits = false
      for (const agent of state.agents.values()) {
        if (agent.live && state.hasCapabilities(agent, task.requiredCapabilities)) {
          fits = true
          break
        }
      }
      if (!fits) unplaceable.push({ taskId: task.id, requiredCapabilities: [...task.requiredCapabilities] })
    }
  }

  return {
    at,
    seq,
    window: { durationMs: config.windowMs },
    swarm: {
      agents: state.liveAgents,
      tasksQueued,
      tasksInFlight,
      tasksCompleted: totals.tasksCompleted,
      tasksFailed: totals.tasksFailed,
      tasksCancelled: totals.tasksCancelled,
      throughputPerMin: windowCompleted * perMinute,
      throughputHistoricalPerMin: elapsedMs > 0 ? (totals.tasksCompleted * 60_000) / elapsedMs : 0,
      errorRate: windowFinished > 0 ? windowFailed / windowFinished : 0,
      responseMs: fleetPercentiles((q) => m.response.quantile(0, q), m.response.count(0)),
      serviceMs: fleetPercentiles((q) => m.fleetService.quantile(0, q), m.fleetService.count(0)),
      imbalance,
      efficiency: Number.isFinite(fleetEfficiency) ? round3(fleetEfficiency) : 0,
      messageLatencyMs: pick3(fleetPercentiles((q) => m.messages.quantile(0, q), m.messages.count(0))),
      consensus: {
        rounds: totals.consensusRounds,
        p95Ms: m.consensus.count(0) > 0 ? orNull(m.consensus.quantile(0, 0.95)) : null,
        agreementRate: totals.consensusRounds > 0 ? totals.consensusAgreed / totals.consensusRounds : null,
      },
      resources: {
        cpu: resources?.cpu ?? null,
        memoryUsedBytes: resources?.memoryUsedBytes ?? null,
        memoryTotalBytes: resources?.memoryTotalBytes ?? null,
        loadAverage: resources?.loadAverage ?? null,
      },
      reportedQueueDepth: totals.reportedQueueDepth,
      reassignments: {
        emitted: reassignmentsEmitted,
        applied: totals.reassignmentsApplied,
        refused: totals.reassignmentsRefused,
      },
      eventsValid: totals.eventsValid,
      eventsInvalid: totals.eventsInvalid,
    },
    agents,
    kinds,
    queue: {
      unassigned: state.unassigned.size,
      oldestWaitMs: Number.isFinite(oldestQueuedAt) ? Math.max(0, at - oldestQueuedAt) : null,
      unplaceable,
    },
    histograms: {
      serviceMs: {
        boundsMs: config.bucketBoundsMs,
        counts: toArray(totals.serviceBuckets),
        count: totals.tasksCompleted,
        sumMs: totals.serviceSumMs,
      },
      responseMs: {
        boundsMs: config.bucketBoundsMs,
        counts: toArray(totals.responseBuckets),
        count: totals.tasksCompleted,
        sumMs: totals.responseSumMs,
      },
    },
    bottlenecks: [],
    insights: [],
    alerts: [],
    sla: [],
    predictions: [],
    definitions,
  }
}

/**
 * Brings the parts of an agent's snapshot that change only with its own samples or a window rotation up to date
 * on its record. They are cached there, so a tick costs a percentile query only for agents that did something
 * (snapshots are immutable, so the cached objects are shared between them safely).
 */
function updateView(ingest: Ingest, config: SwarmMonitorConfig, agent: AgentRecord): void {
  const m = ingest.measurements
  const slot = agent.slot
  const completedInWindow = m.service.count(slot)
  const failedInWindow = m.failures.get(slot)
  const serviceSumInWindow = m.serviceSumMs.get(slot)
  const sameSamples = agent.viewSamples === agent.samples
  agent.viewRotations = m.rotations
  if (
    sameSamples &&
    agent.windowCompleted === completedInWindow &&
    agent.windowFailed === failedInWindow &&
    agent.windowServiceSumMs === serviceSumInWindow
  ) {
    // No new samples, and its window counts and sums are as they were: its windowed figures are the same. (A
    // rotation sends here only the agents it expired samples of, so this is a guard more than a saving.)
    return
  }
  agent.windowCompleted = completedInWindow
  agent.windowFailed = failedInWindow
  agent.windowServiceSumMs = serviceSumInWindow
  // The views below are new objects: the entry built from them is too.
  agent.revision++
  const q = completedInWindow > 0 ? m.service.quantiles(slot, agentQs) : null
  agent.serviceMsView = {
    p50: q ? orNull(q[0]) : null,
    p90: q ? orNull(q[1]) : null,
    p95: q ? orNull(q[2]) : null,
    p99: q ? orNull(q[3]) : null,
    mean: completedInWindow > 0 ? Math.max(0, serviceSumInWindow) / completedInWindow : null,
  }
  if (sameSamples) return
  agent.viewSamples = agent.samples
  const byKind: AgentSnapshot['byKind'] = {}
  const kindNames = ingest.state.kindNames
  for (let k = 0; k < kindNames.length; k++) {
    const completed = m.scoring.kindCompleted(slot, k)
    const failed = m.scoring.kindFailed(slot, k)
    if (completed === 0 && failed === 0) continue
    const estimated = agent.estimateRatioCount?.[k] ?? 0
    setOwn(byKind, kindNames[k], {
      completed,
      failed,
      meanServiceMs: orNull(m.scoring.kindMeanMs(slot, k)),
      estimateRatio: estimated > 0 ? (agent.estimateRatioSum as Float64Array)[k] / estimated : null,
      estimated,
    })
  }
  agent.byKindView = byKind
  agent.serviceHistogramView = {
    boundsMs: config.bucketBoundsMs,
    counts: toArray(agent.serviceBuckets),
    count: agent.completed,
    sumMs: agent.serviceSumMs,
  }
}

/** A plain copy of bucket counts (Array.from over a typed array goes through the iterator, at several times the cost). */
function toArray(counts: Float64Array): number[] {
  const out: number[] = []
  for (let i = 0; i < counts.length; i++) out.push(counts[i])
  return out
}

/**
 * The agent's entry in the snapshot. Most agents of a large fleet are as they were at the last tick (no event of
 * theirs, the same windowed figures, the same rounded efficiency): then the last snapshot's object is handed on
 * (snapshots are immutable, so sharing it is safe), which spares building, and later collecting, an object per
 * agent per tick. "As they were" is read without touching the entry: the record's `revision` counts changes to
 * what the entry is built from, and the kernels' figures it last used are kept by slot in `last`. (Comparing the
 * entry field by field cost about 0.4 us an agent, mostly in following pointers to it and its boxed numbers.)
 */
function agentView(
  agent: AgentRecord,
  throughputPerMin: number,
  m: Ingest['measurements'],
  last: Float64Array,
): AgentSnapshot {
  const slot = agent.slot
  const live = agent.live
  const scoring = m.scoring
  const efficiency = live ? round3(scoring.efficiency(slot)) : 0
  const speed = live ? round3(scoring.speed(slot)) : 0
  const consistency = live ? round3(scoring.consistency(slot)) : 0
  const success = live ? round3(scoring.success(slot)) : 0
  const at = slot * lastStride
  const known = agent.snapshotView
  if (
    known !== null &&
    agent.entryRevision === agent.revision &&
    last[at] === efficiency &&
    last[at + 1] === speed &&
    last[at + 2] === consistency &&
    last[at + 3] === success &&
    last[at + 4] === throughputPerMin
  ) {
    return known
  }
  // The parts object is handed on while its rounded figures stay the same (the fleet's means move every agent's
  // speed a little each tick; rounded, most stay put).
  let parts = agent.efficiencyParts
  if (!live) parts = noParts
  else if (parts === null || parts.speed !== speed || parts.consistency !== consistency || parts.success !== success)
    parts = agent.efficiencyParts = { speed, consistency, success }
  const inFlight = agent.inFlight
  const queued = agent.queued
  const finished = agent.completed + agent.failed
  const view: AgentSnapshot = {
    agentId: agent.id,
    slot,
    state: !live ? 'left' : inFlight > 0 ? 'busy' : 'idle',
    role: agent.role,
    capabilities: agent.capabilities,
    capacity: agent.capacity,
    inFlight,
    queued,
    load: live ? (inFlight + queued) / agent.capacity : 0,
    tasksCompleted: agent.completed,
    tasksFailed: agent.failed,
    successRate: finished > 0 ? agent.completed / finished : 1,
    serviceMs: agent.serviceMsView as ServicePercentiles,
    throughputPerMin,
    recoveryMs: agent.recoveries > 0 ? agent.recoverySumMs / agent.recoveries : null,
    efficiency,
    efficiencyParts: parts,
    byKind: agent.byKindView as AgentSnapshot['byKind'],
    serviceHistogram: agent.serviceHistogramView as BucketCounts,
    joinedAt: agent.joinedAt,
    lastEventAt: agent.lastEventAt,
  }
  last[at] = efficiency
  last[at + 1] = speed
  last[at + 2] = consistency
  last[at + 3] = success
  last[at + 4] = throughputPerMin
  agent.entryRevision = agent.revision
  agent.snapshotView = view
  return view
}

const noParts: EfficiencyParts = { speed: 0, consistency: 0, success: 0 }

/** Per slot: the efficiency, speed, consistency, success and throughput its last entry was built with. */
const lastStride = 5

/** Per session, by slot: the kernels' figures each agent's last entry was built with (see agentView). */
const lastFiguresBySession = new WeakMap<Ingest, Float64Array>()

function lastFiguresOf(ingest: Ingest): Float64Array {
  let figures = lastFiguresBySession.get(ingest)
  if (!figures) {
    figures = new Float64Array(ingest.measurements.scoring.capacity * lastStride)
    lastFiguresBySession.set(ingest, figures)
  }
  return figures
}

function fleetPercentiles(quantile: (q: number) => number, count: number): Percentiles {
  if (count === 0) return { p50: null, p90: null, p95: null, p99: null, p999: null }
  return {
    p50: orNull(quantile(0.5)),
    p90: orNull(quantile(0.9)),
    p95: orNull(quantile(0.95)),
    p99: orNull(quantile(0.99)),
    p999: orNull(quantile(0.999)),
  }
}

function pick3(p: Percentiles): { p50: number | null; p95: number | null; p99: number | null } {
  return { p50: p.p50, p95: p.p95, p99: p.p99 }
}

/**
 * The span of event time the rolling window currently covers (it is shorter than windowMs at the start); with
 * `closedOnly`, the span of its closed sub-windows (0 while the first event is in the open one).
 */
function coveredMs(ingest: Ingest, config: SwarmMonitorConfig, at: number, closedOnly = false): number {
  const first = ingest.totals.firstEventAt
  if (first === null) return 0
  const subWindowMs = ingest.measurements.subWindowMs
  const currentStart = Math.floor(at / subWindowMs) * subWindowMs
  const windowStart = currentStart - (config.windowSlots - 1) * subWindowMs
  return Math.max(0, (closedOnly ? currentStart : at) - Math.max(first, windowStart))
}
