import type { Alert, Bottleneck, Insight, Prediction, SlaStatus } from './finding.js'

/**
 * The snapshot: the one object analysis, strategies, exporters and the dashboard read. Plain JSON (a missing
 * percentile is `null`, never NaN), immutable once emitted. Times are milliseconds; rates are per minute;
 * ratios are 0..1.
 */
export interface Percentiles {
  p50: number | null
  p90: number | null
  p95: number | null
  p99: number | null
  p999: number | null
}

export interface ServicePercentiles {
  p50: number | null
  p90: number | null
  p95: number | null
  p99: number | null
  mean: number | null
}

/**
 * Counts of values per bucket since the session started (cumulative counters, as Prometheus histograms want):
 * `counts[i]` holds values <= `boundsMs[i]` and > the previous bound; the last entry is the +Inf bucket.
 */
export interface BucketCounts {
  boundsMs: number[]
  counts: number[]
  count: number
  sumMs: number
}

export type AgentState = 'idle' | 'busy' | 'left'

/** What an agent did with one kind of task, over the agent's whole life (not windowed). */
export interface AgentKindStats {
  completed: number
  failed: number
  meanServiceMs: number | null
  /**
   * Mean of serviceMs / estimatedMs over this agent's completed tasks of the kind that carried an estimate (null
   * when none did): below 1 the agent beats the host's estimates. The strategies' speed model.
   */
  estimateRatio?: number | null
  /** Completed tasks that carried an estimate (the samples behind `estimateRatio`). */
  estimated?: number
}

export interface AgentSnapshot {
  agentId: string
  /** Dense slot in the kernels' arena; reused after the agent leaves and its windows expire. */
  slot: number
  state: AgentState
  role: string | null
  capabilities: string[]
  capacity: number
  inFlight: number
  /** Assigned to this agent, not started yet. */
  queued: number
  /** (inFlight + queued) / capacity. */
  load: number
  tasksCompleted: number
  tasksFailed: number
  /** Completed / (completed + failed), 1 before any finished task. */
  successRate: number
  serviceMs: ServicePercentiles
  throughputPerMin: number
  /** Mean time from a failure to this agent's next success; null until one recovery was seen. */
  recoveryMs: number | null
  efficiency: number
  efficiencyParts: { speed: number; consistency: number; success: number }
  /** By the host's kind name (own keys only: a kind named `__proto__` is one too). */
  byKind: Record<string, AgentKindStats>
  /** Service times bucketed since the session started, bounds as in `snapshot.histograms`. */
  serviceHistogram: BucketCounts
  joinedAt: number
  lastEventAt: number
}

export interface KindSnapshot {
  kind: string
  completed: number
  failed: number
  /** Fleet-wide service time for this kind, over the agents' lifetime means. */
  meanServiceMs: number | null
  /** Fleet p50 for this kind over the window. */
  p50ServiceMs: number | null
  /**
   * Tasks of this kind in flight now. Optional: when the monitor fills it, analysis learns host CPU and memory per
   * task of each kind (a regression of the host's readings on the in-flight counts per kind).
   */
  inFlight?: number
}

export interface SwarmSummary {
  agents: number
  tasksQueued: number
  tasksInFlight: number
  tasksCompleted: number
  tasksFailed: number
  tasksCancelled: number
  /** Completions in the rolling window, per minute. */
  throughputPerMin: number
  /** Completions since the first event, per minute. */
  throughputHistoricalPerMin: number
  /** Failed / finished in the rolling window. */
  errorRate: number
  /** queued -> completed, fleet-wide exact merge over the window. */
  responseMs: Percentiles
  /** started -> completed. */
  serviceMs: Percentiles
  /** Coefficient of variation of load across live agents (0 = even). */
  imbalance: number
  /** Mean efficiency over live agents with samples. */
  efficiency: number
  messageLatencyMs: { p50: number | null; p95: number | null; p99: number | null }
  consensus: { rounds: number; p95Ms: number | null; agreementRate: number | null }
  resources: {
    cpu: number | null
    memoryUsedBytes: number | null
    memoryTotalBytes: number | null
    loadAverage: number | null
  }
  /** Queue depth the host reported itself (queue:depth without agentId), when it does. */
  reportedQueueDepth: number | null
  /** Reassignments emitted by the monitor, and the host's answers, since the start. */
  reassignments: { emitted: number; applied: number; refused: number }
  /** Events counted valid / reported invalid since the start. */
  eventsValid: number
  eventsInvalid: number
}

export interface SwarmSnapshot {
  /** Event time of the snapshot, ms since the epoch. */
  at: number
  /** Increments by one per snapshot of a session. */
  seq: number
  window: { durationMs: number }
  swarm: SwarmSummary
  agents: AgentSnapshot[]
  /**
   * Set on the older snapshots of a history past its entry budget (`historyAgentEntries`): every other figure is
   * kept, `agents` is empty. Never set on a published snapshot.
   */
  agentsOmitted?: true
  kinds: KindSnapshot[]
  bottlenecks: Bottleneck[]
  insights: Insight[]
  /** Alerts currently firing. */
  alerts: Alert[]
  sla: SlaStatus[]
  predictions: Prediction[]
  /** Tasks waiting for an agent. `unplaceable` lists (up to 100) tasks no live agent has the capabilities for. */
  queue: {
    unassigned: number
    oldestWaitMs: number | null
    unplaceable: Array<{ taskId: string; requiredCapabilities: string[] }>
  }
  /** Fleet-wide bucket counts since the session started, for exporters (Prometheus histograms). */
  histograms: { serviceMs: BucketCounts; responseMs: BucketCounts }
  /** How the figures were derived where a host leaves a choice (e.g. assignment taken as start). */
  definitions: Record<string, string>
}

/** Per-metric difference between two snapshots' numbers: `b - a`, and the ratio where a is not zero. */
export interface MetricDelta {
  metric: string
  a: number | null
  b: number | null
  delta: number | null
  ratio: number | null
}

/** A history's copy of a snapshot without its agents (every other figure kept), see `agentsOmitted`. */
export function withoutAgents(snapshot: SwarmSnapshot): SwarmSnapshot {
  return { ...snapshot, agents: [], agentsOmitted: true }
}
