// The public API of swarm-perf: re-exports only.
export type {
  AlertRule,
  Analyser,
  Analysis,
  AnalysisConfig,
  AnalysisConfigInput,
  AnalysisResult,
  SlaRule,
} from './analysis/index.js'
export {
  alertRuleSchema,
  analysers,
  analysisConfigSchema,
  createAnalysis,
  parseAnalysisConfig,
  slaRuleSchema,
} from './analysis/index.js'
export { RobustAnomalyDetector } from './analysis/robust-anomaly.js'
export type { OtelMeterLike, PromClientRegistryLike, SnapshotFeed } from './bridges/index.js'
export { bindOtelMeter, bindPromClient } from './bridges/index.js'
export type { PercentileEngine, PercentileEngineOptions } from './engine/percentile-engine.js'
export { createPercentileEngine, percentileEngineOptionsSchema } from './engine/percentile-engine.js'
export type { AssignmentOptions, AssignmentResult } from './engine/solve-assignment.js'
export { solveAssignment } from './engine/solve-assignment.js'
export type { AgentLabelMode, ExportOptions, ExportOptionsInput } from './exporters/config.js'
export { defaultDurationBucketsSeconds, exportOptionsSchema, parseExportOptions } from './exporters/config.js'
export type { Exporter, ExportFormat } from './exporters/index.js'
export { exporters, exportFormats, isExportFormat } from './exporters/index.js'
export type { ExportContext, MetricFamily, MetricSample } from './exporters/metric-families.js'
export { buildMetricFamilies, DroppedSeriesCounter } from './exporters/metric-families.js'
export { toCsv } from './exporters/to-csv.js'
export type { GrafanaDashboard } from './exporters/to-grafana-dashboard.js'
export { grafanaDashboard, toGrafanaDashboard } from './exporters/to-grafana-dashboard.js'
export { toJson } from './exporters/to-json.js'
export { toOpenMetrics } from './exporters/to-open-metrics.js'
export { toPrometheus } from './exporters/to-prometheus.js'
export type {
  ApplyAnswer,
  ClaudeFlowBus,
  ClaudeFlowBusAdapterOptions,
  ClaudeFlowBusMappingOptions,
  ClaudeFlowSwarmAdapterOptions,
  EmitterHostAdapter,
  EmitterLike,
  EventEmitterMapping,
  FromEventEmitterOptions,
  HostApply,
  HostEventTranslator,
  ResourceReading,
  ResourceSource,
  TranslateContext,
  UnwrappedHostEvent,
} from './hosts/index.js'
export {
  claudeFlowBusAdapter,
  claudeFlowBusMapping,
  claudeFlowSwarmAdapter,
  fromEventEmitter,
  fromJsonl,
  fromObservable,
  hostAdapters,
  ruvSwarmMapping,
  sampleResources,
  systemResourceSource,
  TaskAttempts,
} from './hosts/index.js'
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
  ServiceTimeDistribution,
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
export type { PendingTask, PlacementContext, RunningTask, Strategy } from './model/strategy.js'
export type { EventOf, SwarmEvent, SwarmEventType } from './model/swarm-event.js'
export { swarmEventSchema, swarmEventTypes } from './model/swarm-event.js'
export { comparePeriods } from './monitor/compare-periods.js'
export type { SwarmMonitorConfig, SwarmMonitorConfigInput } from './monitor/config.js'
export { swarmMonitorConfigSchema } from './monitor/config.js'
export type { ConnectOptions, MonitorDependencies, SwarmMonitor } from './monitor/create-swarm-monitor.js'
export { createSwarmMonitor } from './monitor/create-swarm-monitor.js'
export type { ReplayResult } from './monitor/replay.js'
export { replayJsonl, UnreadableLogError } from './monitor/replay.js'
export type { ServerOptions, ServerOptionsInput } from './server/config.js'
export { serverOptionsSchema } from './server/config.js'
export type { SnapshotSource, SwarmRequestHandler, SwarmServer } from './server/swarm-server.js'
export { createSwarmRequestHandler, startSwarmServer } from './server/swarm-server.js'
export type { ComparisonRow, SimulateSummary } from './sim/compare-strategies.js'
export { compareStrategies, summarizeRun } from './sim/compare-strategies.js'
export type { DemoOptions, DemoResult } from './sim/demo.js'
export { runDemo } from './sim/demo.js'
export { makespanLowerBound } from './sim/makespan-lower-bound.js'
export type { SimulationOutcome } from './sim/outcome.js'
export type { PlannedAgent, PlannedSlowdown, PlannedTask, PlanOptions, SimulationPlan } from './sim/plan.js'
export { buildPlan } from './sim/plan.js'
export type { RunScenarioOptions, ScenarioRun } from './sim/run-scenario.js'
export { attachMonitor, runScenario } from './sim/run-scenario.js'
export type { Scenario, ScenarioInput } from './sim/scenario-schema.js'
export { scenarioSchema } from './sim/scenario-schema.js'
export { scenarioNames, scenarios } from './sim/scenarios.js'
export type { SimulatedSwarm, SimulatorOptions } from './sim/simulator.js'
export { createSimulator } from './sim/simulator.js'
export type {
  Evacuation,
  ExpectedCompletionModel,
  Rebalancer,
  RebalancerConfig,
  RebalancerConfigInput,
  StrategyName,
  StrategyOptions,
  StrategyOptionsInput,
  WorkloadAnalysis,
} from './strategies/index.js'
export {
  capabilityBased,
  createExpectedCompletion,
  createRebalancer,
  createStrategy,
  leastLoaded,
  optimal,
  performanceBased,
  rebalancerConfigSchema,
  roundRobin,
  strategies,
  strategyNameSchema,
  strategyNames,
  strategyOptionsSchema,
  totalExpectedCompletionMs,
} from './strategies/index.js'
