import type { Subscription } from 'rxjs'
import { type ExportOptionsInput, parseExportOptions } from '../exporters/config.js'
import {
  buildMetricFamilies,
  DroppedSeriesCounter,
  type MetricFamily,
  type MetricSpec,
  metricSpecs,
  sampleLabels,
} from '../exporters/metric-families.js'
import type { SwarmSession } from '../model/session.js'
import type { SwarmSnapshot } from '../model/snapshot.js'

/** The part of a prom-client `Registry` the bridge uses (prom-client stays your dependency, not ours). */
export interface PromClientRegistryLike {
  registerMetric(metric: never): void
  removeSingleMetric(name: string): void
}

/** What prom-client's registry reads from a metric: `get()` resolving to name, help, type and values. */
interface PromClientMetric {
  name: string
  help: string
  type: MetricSpec['type']
  aggregator: 'sum' | 'max'
  get(): Promise<{
    name: string
    help: string
    type: MetricSpec['type']
    aggregator: 'sum' | 'max'
    values: Array<{ value: number; labels: Record<string, string>; metricName?: string }>
  }>
  reset(): void
}

export type SnapshotFeed = Pick<SwarmSession, 'snapshot' | 'snapshots$'>

/**
 * Registers swarm-perf's metrics (the same names, help and values as `/metrics`) in your prom-client Registry,
 * read from the session's latest snapshot at each scrape. Works with both of prom-client's content types.
 * Returns a function that removes them again.
 *
 * @example
 * const unbind = bindPromClient(session, register) // prom-client's default registry
 */
export function bindPromClient(
  session: SnapshotFeed,
  registry: PromClientRegistryLike,
  options?: ExportOptionsInput,
): () => void {
  const parsed = parseExportOptions(options)
  const dropped = new DroppedSeriesCounter()
  let latest: SwarmSnapshot | null = null
  let cached: { snapshot: SwarmSnapshot; families: Map<string, MetricFamily> } | null = null
  const subscription: Subscription = session.snapshots$.subscribe({
    next: (s) => {
      latest = s
    },
    error: () => {},
  })
  // A scrape calls every metric's collect in one synchronous turn, and session.snapshot() builds a new snapshot
  // each call: one is taken per turn, so the families are built once per scrape, not once per metric.
  let scrapeSnapshot: SwarmSnapshot | null = null
  const snapshotNow = (): SwarmSnapshot | null => {
    if (scrapeSnapshot) return scrapeSnapshot
    let snapshot = latest
    try {
      snapshot = session.snapshot()
    } catch {
      // An ended session: its last snapshot stands.
    }
    if (snapshot) {
      scrapeSnapshot = snapshot
      queueMicrotask(() => {
        scrapeSnapshot = null
      })
    }
    return snapshot
  }
  const familiesNow = (): Map<string, MetricFamily> => {
    const snapshot = snapshotNow()
    if (!snapshot) return new Map()
    // One build per snapshot, however many metrics the registry asks for.
    if (cached?.snapshot !== snapshot)
      cached = {
        snapshot,
        families: new Map(buildMetricFamilies(snapshot, parsed, { droppedSeries: dropped }).map((f) => [f.name, f])),
      }
    return cached.families
  }

  const names: string[] = []
  for (const spec of Object.values(metricSpecs)) {
    // prom-client registers counters under their `_total` name and strips it itself for OpenMetrics.
    const metric: PromClientMetric = {
      name: spec.type === 'counter' ? `${spec.name}_total` : spec.name,
      help: spec.help,
      type: spec.type,
      aggregator: spec.type === 'gauge' ? 'max' : 'sum',
      reset: () => {},
      async get() {
        const family = familiesNow().get(spec.name)
        return {
          name: this.name,
          help: spec.help,
          type: spec.type,
          aggregator: this.aggregator,
          values: Array.from(family?.samples ?? [], (s) => ({
            value: s.value,
            labels: Object.fromEntries(sampleLabels(s)),
            // Counters keep the registry's own name (it appends `_total` where the format wants it).
            ...(s.suffix === '' || s.suffix === '_total' ? {} : { metricName: `${spec.name}${s.suffix}` }),
          })),
        }
      },
    }
    registry.registerMetric(metric as never)
    names.push(metric.name)
  }
  return () => {
    subscription.unsubscribe()
    for (const name of names) {
      registry.removeSingleMetric(name)
      registry.removeSingleMetric(name.replace(/_total$/, ''))
    }
  }
}
