/** What analysis finds in a snapshot. Kinds are part of the API. */
export type Severity = 'info' | 'warning' | 'critical'

export type BottleneckKind = 'slow-agent' | 'failing-agent' | 'cpu' | 'memory' | 'queue-backlog' | 'message-latency'

export interface Bottleneck {
  kind: BottleneckKind
  severity: Severity
  agentId?: string
  value: number
  threshold: number
  /** Event time at which the condition was first seen (without a break) . */
  since: number
  evidence: string
}

export type InsightKind =
  | 'imbalance'
  | 'throughput-degradation'
  | 'error-spike'
  | 'resource-pressure'
  | 'specialisation'
  | 'queue-growth'
  | 'no-capable-agent'
  | 'anomaly'

export interface Insight {
  kind: InsightKind
  severity: Severity
  agentId?: string
  /** What was seen, with numbers. */
  message: string
  /** What to do, naming agents and numbers. */
  recommendation: string
  value?: number
  threshold?: number
  at: number
  /** Identity across ticks (kind, agent, subject): tells a new insight from one that continues. */
  key?: string
}

export interface Alert {
  ruleId: string
  /** Set for a per-agent rule (`agents.*.<path>`): the agent the alert is about. */
  agentId?: string
  state: 'firing' | 'resolved'
  severity: Severity
  metric: string
  value: number | null
  threshold: number
  /** When the condition began to hold (firing) or stopped holding (resolved). */
  since: number
  at: number
}

export interface SlaStatus {
  id: string
  metric: string
  objective: string
  /** Share of evaluated ticks that met the objective, 0..1. */
  compliance: number
  met: boolean
  evaluated: number
}

export interface Prediction {
  kind: string | null
  queuedTasks: number
  /** Point estimate and 90% interval of the time to drain the queue with the current agents. */
  drainMs: { estimate: number; low: number; high: number } | null
  /** Agents needed to meet the SLA target, with an interval. */
  agentsForSla: { estimate: number; low: number; high: number } | null
  /**
   * True when there is a target and a service-time model but no fleet up to `prediction.maxAgents` is predicted to
   * meet it (`agentsForSla` is then null): the host should add agents all the same (overall prediction only).
   */
  slaUnreachable?: boolean
  /** The learned service-time distribution behind the prediction (lognormal fit). */
  serviceMs?: ServiceTimeDistribution | null
  /** Estimated arrivals per minute (overall prediction only). */
  arrivalsPerMin?: number | null
  /** Host CPU share and memory bytes per in-flight task, when the host reports resources. */
  resourcesPerTask?: { cpu: number | null; memoryBytes: number | null } | null
  /** Holt's linear trends over the history (overall prediction only): level now and change per minute. */
  trends?: {
    throughputPerMin: { level: number; perMin: number } | null
    queueDepth: { level: number; perMin: number; in10Min: number } | null
  } | null
}

/** A lognormal service-time model: ln(serviceMs) ~ Normal(mu, sigma^2), learned from `samples` tasks. */
export interface ServiceTimeDistribution {
  mu: number
  sigma: number
  meanMs: number
  p50Ms: number
  p90Ms: number
  samples: number
}

export type Action =
  | { type: 'rebalance'; reason: string; at: number }
  | { type: 'evacuate'; agentId: string; reason: string; at: number }
  | { type: 'scale-out'; n: number; reason: string; at: number }
  | { type: 'scale-in'; n: number; reason: string; at: number }
  | { type: 'investigate'; agentId: string; reason: string; at: number }

/** What an analyser returns: one finding of any category. */
export type Finding =
  | ({ category: 'bottleneck' } & Bottleneck)
  | ({ category: 'insight' } & Insight)
  | ({ category: 'prediction' } & Prediction)
  | ({ category: 'action' } & Action)
