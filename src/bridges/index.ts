export { bindOtelMeter, type OtelMeterLike, otelName } from './bind-otel-meter.js'
export { bindPromClient, type PromClientRegistryLike, type SnapshotFeed } from './bind-prom-client.js'
