import { AggregationTemporality, DataPointType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics'
import { type OpenMetricsContentType, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { bindOtelMeter, otelName } from '../src/bridges/bind-otel-meter.js'
import { bindPromClient } from '../src/bridges/bind-prom-client.js'
import { toPrometheus } from '../src/exporters/to-prometheus.js'
import { fakeSession } from './fixtures/fake-session.js'
import { openMetricsProblems, promtoolCheck } from './fixtures/promtool.js'
import { bucketize, makeAgent, makeSnapshot } from './fixtures/snapshot.js'

const sampleLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .sort()

describe('bindPromClient', () => {
  it('puts the same samples in a prom-client Registry as /metrics, and promtool accepts them', async () => {
    const snapshot = makeSnapshot(5)
    const session = fakeSession(snapshot)
    const registry = new Registry()
    const unbind = bindPromClient(session.source, registry)
    const text = await registry.metrics()
    expect(promtoolCheck(text).problems).toEqual([])
    expect(sampleLines(text)).toEqual(sampleLines(toPrometheus(snapshot)))

    // The next scrape reads the newer snapshot.
    session.push(makeSnapshot(5, { seq: 50, swarm: { ...snapshot.swarm, tasksCompleted: 999 } }))
    expect(await registry.metrics()).toContain('\nswarm_perf_tasks_completed_total 999\n')

    unbind()
    expect(await registry.metrics()).not.toContain('swarm_perf_')
  })

  it('builds the families once per scrape, though session.snapshot() builds a new snapshot each call', async () => {
    const session = fakeSession(makeSnapshot(20))
    let taken = 0
    const source = {
      ...session.source,
      snapshot: () => {
        taken++
        return { ...session.source.snapshot() }
      },
    }
    const registry = new Registry()
    bindPromClient(source, registry)
    const first = await registry.metrics()
    expect(taken).toBe(1)
    expect(await registry.metrics()).toBe(first)
    expect(taken).toBe(2)
  })

  it('works with a prom-client registry in OpenMetrics mode', async () => {
    const registry = new Registry<OpenMetricsContentType>()
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
    bindPromClient(fakeSession(makeSnapshot(3)).source, registry, { agentLabel: 'role' })
    const text = await registry.metrics()
    expect(text).toContain('# TYPE swarm_perf_tasks_completed counter')
    expect(text).toContain('swarm_perf_agent_tasks_completed_total{role="coder"}')
    expect(openMetricsProblems(text)).toEqual([])
  })
})

/** A reader the test pulls from, as an exporter would on its interval. */
class PullReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE })
  }
  protected async onForceFlush() {}
  protected async onShutdown() {}
}

describe('bindOtelMeter', () => {
  it('publishes counters, gauges and quantiles from the latest snapshot, and histograms with exact bucket counts', async () => {
    const reader = new PullReader()
    const provider = new MeterProvider({ readers: [reader] })
    const first = makeSnapshot(4)
    const session = fakeSession(first)
    const unbind = bindOtelMeter(session.source, provider.getMeter('swarm-perf-test'))

    // A later snapshot: more service times land in the fleet histogram.
    const later = makeSnapshot(4, { seq: 43 })
    const gained = bucketize([5, 700, 700, 90_000])
    const before = first.histograms.serviceMs
    later.histograms.serviceMs = {
      boundsMs: before.boundsMs,
      counts: before.counts.map((c, i) => c + gained.counts[i]),
      count: before.count + gained.count,
      sumMs: before.sumMs + gained.sumMs,
    }
    session.push(later)

    const { resourceMetrics, errors } = await reader.collect()
    expect(errors).toEqual([])
    const metrics = new Map(resourceMetrics.scopeMetrics[0].metrics.map((m) => [m.descriptor.name, m]))

    const completed = metrics.get('swarm_perf.tasks_completed')!
    expect(completed.dataPointType).toBe(DataPointType.SUM)
    expect(completed.dataPoints[0].value).toBe(later.swarm.tasksCompleted)

    const p99 = metrics
      .get('swarm_perf.response_time_window')!
      .dataPoints.find((p) => p.attributes.quantile === '0.99')!
    expect(p99.value).toBe(2.9)
    expect(metrics.get('swarm_perf.response_time_window')!.descriptor.unit).toBe('s')

    const efficiency = metrics.get('swarm_perf.agent_efficiency')!
    expect(efficiency.dataPoints.find((p) => p.attributes.agent_id === 'agent-2')!.value).toBe(
      later.agents[2].efficiency,
    )

    const service = metrics.get(otelName('swarm_perf_service_time_seconds'))!
    expect(service.dataPointType).toBe(DataPointType.HISTOGRAM)
    const point = service.dataPoints[0].value as { buckets: { boundaries: number[]; counts: number[] }; count: number }
    expect(point.buckets.boundaries).toEqual(later.histograms.serviceMs.boundsMs.map((b) => b / 1000))
    expect(point.buckets.counts).toEqual(later.histograms.serviceMs.counts)
    expect(point.count).toBe(later.histograms.serviceMs.count)

    unbind()
    await provider.shutdown()
  })

  it('records each agent sample once when the series cap regroups agents', async () => {
    const reader = new PullReader()
    const provider = new MeterProvider({ readers: [reader] })
    // One series kept: a (joined first) is, b is folded into __other__. Then a leaves and b takes its place.
    const a = makeAgent(0, { agentId: 'a', serviceHistogram: bucketize([5]), tasksCompleted: 1 })
    const b = makeAgent(1, { agentId: 'b', serviceHistogram: bucketize([5, 700, 700]), tasksCompleted: 3 })
    const first = makeSnapshot(0)
    first.agents = [a, b]
    const session = fakeSession(first)
    bindOtelMeter(session.source, provider.getMeter('swarm-perf-test'), { maxAgentSeries: 1 })
    const later = makeSnapshot(0, { seq: 2 })
    later.agents = [{ ...a, state: 'left' }, b]
    session.push(later)
    const { resourceMetrics } = await reader.collect()
    const metric = resourceMetrics.scopeMetrics[0].metrics.find(
      (m) => m.descriptor.name === otelName('swarm_perf_agent_service_time_seconds'),
    )!
    const counts = Object.fromEntries(
      metric.dataPoints.map((p) => [p.attributes.agent_id, (p.value as { count: number }).count]),
    )
    // Before: a 1 and __other__ 3 (b); after, b 3 and __other__ 1 (a). Nothing is recorded twice.
    expect(counts).toEqual({ a: 1, __other__: 3 })
    await provider.shutdown()
  })
})
