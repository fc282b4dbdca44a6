// The public API of swarm-perf: re-exports only.
export type { ConfigIssue, ErrorCode, SwarmError } from './model/errors.js'
export { ConfigError, errorCodes } from './model/errors.js'
export type {
  Action,
  Alert,
  Bottleneck,
  BottleneckKind,
  Finding,
  Insight,
  InsightKind,
  Prediction,
  Severity,
  SlaStatus,
} from './model/finding.js'
export type { HostAdapter } from './model/host-adapter.js'
export type { Reassignment } from './model/reassignment.js'
export type { SwarmSession } from './model/session.js'
export type {
  AgentKindStats,
  AgentSnapshot,
  AgentState,
  BucketCounts,
  KindSnapshot,
  MetricDelta,
  Percentiles,
  ServicePercentiles,
  SwarmSnapshot,
  SwarmSummary,
} from './model/snapshot.js'
export type { PendingTask, PlacementContext, Strategy } from './model/strategy.js'
export type { EventOf, SwarmEvent, SwarmEventType } from './model/swarm-event.js'
export { swarmEventSchema, swarmEventTypes } from './model/swarm-event.js'
