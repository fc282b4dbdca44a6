import type { Subscription } from 'rxjs'
import { type ExportOptionsInput, parseExportOptions } from '../exporters/config.js'
import {
  agentSeriesLabels,
  buildMetricFamilies,
  DroppedSeriesCounter,
  type MetricFamily,
  type MetricSample,
  metricSpecs,
  sampleLabels,
} from '../exporters/metric-families.js'
import type { SwarmSnapshot } from '../model/snapshot.js'
import type { SnapshotFeed } from './bind-prom-client.js'

type Attributes = Record<string, string>
interface InstrumentOptions {
  description?: string
  unit?: string
  advice?: { explicitBucketBoundaries?: number[] }
}
/** The part of an OpenTelemetry `Meter` (@opentelemetry/api 1.x) the bridge uses; the API stays your dependency. */
export interface OtelMeterLike {
  createObservableGauge(name: string, options?: InstrumentOptions): object
  createObservableCounter(name: string, options?: InstrumentOptions): object
  createHistogram(name: string, options?: InstrumentOptions): { record(value: number, attributes?: Attributes): void }
  addBatchObservableCallback(
    callback: (result: { observe(observable: never, value: number, attributes?: Attributes): void }) => void,
    observables: never[],
  ): void
  removeBatchObservableCallback(
    callback: (result: { observe(observable: never, value: number, attributes?: Attributes): void }) => void,
    observables: never[],
  ): void
}

const units = { seconds: 's', bytes: 'By', ratio: '1' } as const

/** `swarm_perf_service_time_seconds` -> `swarm_perf.service_time` (OpenTelemetry names carry the unit apart). */
export function otelName(name: string): string {
  return `swarm_perf.${name.replace(/^swarm_perf_/, '').replace(/_(seconds|bytes|ratio)$/, '')}`
}

/**
 * Publishes swarm-perf's metrics through an OpenTelemetry Meter: counters as observable counters, gauges and the
 * windowed quantiles (attribute `quantile`) as observable gauges, both read from the latest snapshot at each
 * collection. Histograms become OpenTelemetry histograms with the monitor's bucket bounds (seconds): each new
 * snapshot records the growth of every bucket, so bucket counts and totals match the snapshot exactly; the sum
 * is approximate (values are recorded at bucket midpoints, since the snapshot keeps counts, not values).
 * Returns a function that stops publishing.
 */
export function bindOtelMeter(session: SnapshotFeed, meter: OtelMeterLike, options?: ExportOptionsInput): () => void {
  const parsed = parseExportOptions(options)
  const dropped = new DroppedSeriesCounter()
  let latest: SwarmSnapshot | null = null
  let cached: { snapshot: SwarmSnapshot; families: MetricFamily[] } | null = null
  const familiesOf = (snapshot: SwarmSnapshot) => {
    if (cached?.snapshot !== snapshot)
      cached = { snapshot, families: buildMetricFamilies(snapshot, parsed, { droppedSeries: dropped }) }
    return cached.families
  }

  const observables = new Map<string, object>()
  const histograms = new Map<string, { record(value: number, attributes?: Attributes): void }>()
  for (const spec of Object.values(metricSpecs)) {
    const unit = spec.unit ? units[spec.unit] : undefined
    const instrument = { description: spec.help, ...(unit ? { unit } : {}) }
    if (spec.type === 'counter')
      observables.set(spec.name, meter.createObservableCounter(otelName(spec.name), instrument))
    else if (spec.type === 'gauge' || spec.type === 'summary')
      observables.set(spec.name, meter.createObservableGauge(otelName(spec.name), instrument))
  }

  const callback = (result: { observe(observable: never, value: number, attributes?: Attributes): void }) => {
    let snapshot = latest
    try {
      snapshot = session.snapshot()
    } catch {
      // An ended session: its last snapshot stands.
    }
    if (!snapshot) return
    for (const family of familiesOf(snapshot)) {
      const observable = observables.get(family.name)
      if (!observable) continue
      // A summary's _sum/_count duplicate the histogram's; only its quantiles are gauges.
      for (const sample of family.samples)
        if (sample.suffix === '' || sample.suffix === '_total')
          result.observe(observable as never, sample.value, Object.fromEntries(sampleLabels(sample)))
    }
  }
  meter.addBatchObservableCallback(callback, [...observables.values()] as never[])

  // Histograms: record what each bucket gained since the last snapshot. An OpenTelemetry histogram only grows,
  // so the per-agent one is recorded by agent, under the series the agent is in now: when the cap regroups agents
  // (one leaves, another is kept in its place), each sample is still recorded once.
  const previous = new Map<string, number[]>()
  let previousByAgent = new Map<string, number[]>()
  const recordGrowth = (snapshot: SwarmSnapshot) => {
    for (const family of familiesOf(snapshot)) {
      if (family.type !== 'histogram') continue
      const series = bucketSeries(family.samples)
      // Create the instrument once bounds are known: its buckets cannot change afterwards.
      if (series.byLabels.size === 0) continue
      const bounds = series.bounds
      let histogram = histograms.get(family.name)
      if (!histogram) {
        histogram = meter.createHistogram(otelName(family.name), {
          description: family.help,
          unit: 's',
          advice: { explicitBucketBoundaries: bounds },
        })
        histograms.set(family.name, histogram)
      }
      const record = (gainedByBucket: (i: number) => number, attributes: Attributes) => {
        for (let i = 0; i <= bounds.length; i++) {
          const gained = gainedByBucket(i)
          if (gained <= 0) continue
          const lower = i > 0 ? bounds[i - 1] : 0
          const value = i < bounds.length ? (lower + bounds[i]) / 2 : bounds[bounds.length - 1] * 2
          for (let k = 0; k < gained; k++) histogram.record(value, attributes)
        }
      }
      if (family.name === metricSpecs.agentServiceTime.name) {
        const labelName = parsed.agentLabel === 'id' ? 'agent_id' : 'role'
        const labels = agentSeriesLabels(snapshot, parsed)
        // Only the agents of this snapshot are kept: memory stays bounded under churn.
        const seen = new Map<string, number[]>()
        for (const agent of snapshot.agents) {
          const label = labels.get(agent.agentId)
          if (label === undefined) continue
          const counts = agent.serviceHistogram.counts
          const before = previousByAgent.get(agent.agentId)
          // Counts that went back belong to a new agent under a reused id: all of them are new.
          const base = before?.every((v, i) => v <= counts[i]) ? before : null
          seen.set(agent.agentId, counts)
          record((i) => (counts[i] ?? 0) - (base?.[i] ?? 0), { [labelName]: label })
        }
        previousByAgent = seen
        continue
      }
      for (const [key, { attributes, cumulative }] of series.byLabels) {
        const seriesKey = `${family.name}\u0000${key}`
        const before = previous.get(seriesKey)
        const base = before?.every((v, i) => v <= cumulative[i]) ? before : cumulative.map(() => 0)
        previous.set(seriesKey, cumulative)
        const bucket = (c: number[], i: number) => c[i] - (i > 0 ? c[i - 1] : 0)
        record((i) => bucket(cumulative, i) - bucket(base, i), attributes)
      }
    }
  }
  const subscription: Subscription = session.snapshots$.subscribe({
    next: (s) => {
      latest = s
      recordGrowth(s)
    },
    error: () => {},
  })
  return () => {
    subscription.unsubscribe()
    meter.removeBatchObservableCallback(callback, [...observables.values()] as never[])
  }
}

/** Cumulative bucket counts per label set (without `le`), in bound order, +Inf last; and the bounds (seconds). */
function bucketSeries(samples: Iterable<MetricSample>) {
  const byLabels = new Map<string, { attributes: Attributes; cumulative: number[] }>()
  const bounds: number[] = []
  for (const s of samples) {
    if (s.suffix !== '_bucket') continue
    const labels = s.labels
    const key = labels.map(([n, v]) => `${n}=${v}`).join('\u0000')
    let entry = byLabels.get(key)
    if (!entry) {
      entry = { attributes: Object.fromEntries(labels), cumulative: [] }
      byLabels.set(key, entry)
    }
    if (byLabels.size === 1) {
      const le = s.extra?.[1]
      if (le !== undefined && le !== '+Inf') bounds.push(Number(le))
    }
    entry.cumulative.push(s.value)
  }
  return { byLabels, bounds }
}
