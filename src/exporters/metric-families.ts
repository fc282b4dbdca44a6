import type { AgentSnapshot, BucketCounts, SwarmSnapshot } from '../model/snapshot.js'
import type { ExportOptions } from './config.js'
import { escapeLabelValue } from './exposition.js'

/**
 * The metrics a snapshot exposes, as format-neutral families: the Prometheus and OpenMetrics renderers and the
 * prom-client bridge all print from this one list, so names, help and types live in one place (as prom-client
 * keeps them in its registry). Names are `swarm_perf_*` in base units (seconds, bytes, ratios 0..1).
 */
export type MetricType = 'gauge' | 'counter' | 'histogram' | 'summary'

export interface MetricSample {
  /** Appended to the family name: `_total` for counters, `_bucket`/`_sum`/`_count` for histograms. */
  suffix: '' | '_total' | '_bucket' | '_sum' | '_count'
  /** The sample's labels, except `le` of a bucket and `quantile` of a summary, which are in `extra`. */
  labels: ReadonlyArray<readonly [string, string]>
  extra?: readonly [string, string]
  /** All labels as exposition text, `{name="value",...}` or empty, in the order `labels`, `extra`. */
  labelText: string
  value: number
}

/** Every label of a sample, `extra` last. */
export function sampleLabels(sample: MetricSample): ReadonlyArray<readonly [string, string]> {
  return sample.extra ? [...sample.labels, sample.extra] : sample.labels
}

export interface MetricSpec {
  /** The family name: for counters without `_total`, which every sample carries. */
  name: string
  help: string
  type: MetricType
  /** OpenMetrics `# UNIT`; the name ends with `_<unit>`. */
  unit?: 'seconds' | 'bytes' | 'ratio'
}

export interface MetricFamily extends MetricSpec {
  /**
   * Built as they are read, each time: with 10,000 agents, sample objects that live only while their line is
   * printed cost far less garbage collection than a quarter of a million held until the text is joined.
   */
  readonly samples: Iterable<MetricSample>
}

function family(s: MetricSpec, samples: () => Iterable<MetricSample>): MetricFamily {
  return {
    ...s,
    get samples() {
      return samples()
    },
  }
}

/**
 * Counts agents whose series were cut by `maxAgentSeries`, over the life of whoever keeps it (a server, a bridge),
 * so `swarm_perf_agent_series_dropped_total` is a true counter. Without one, the exporter reports this snapshot's
 * drops alone.
 */
export class DroppedSeriesCounter {
  #seen = new Set<string>()
  #total = 0
  /** Distinct agents dropped so far. */
  get total(): number {
    return this.#total
  }
  record(agentIds: readonly string[]): number {
    for (const id of agentIds) {
      if (this.#seen.has(id)) continue
      // Bounded memory under churn: past the bound an agent dropped again may count twice.
      if (this.#seen.size >= 100_000) this.#seen.clear()
      this.#seen.add(id)
      this.#total++
    }
    return this.#total
  }
}

export interface ExportContext {
  droppedSeries?: DroppedSeriesCounter
}

/** Quantiles exposed by the windowed percentile gauges, with the snapshot field each one reads. */
const windowQuantiles = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.95', 'p95'],
  ['0.99', 'p99'],
  ['0.999', 'p999'],
] as const

const spec = (name: string, type: MetricType, help: string): MetricSpec => {
  const unit = name.endsWith('_seconds')
    ? 'seconds'
    : name.endsWith('_bytes')
      ? 'bytes'
      : name.endsWith('_ratio')
        ? 'ratio'
        : undefined
  return unit ? { name, type, help, unit } : { name, type, help }
}

/** Every family, in the order they are printed. The agent label name depends on the options. */
export const metricSpecs = {
  agents: spec('swarm_perf_agents', 'gauge', 'Live agents (joined, not left).'),
  tasksQueued: spec('swarm_perf_tasks_queued', 'gauge', 'Tasks queued and not started, assigned or not.'),
  tasksInFlight: spec('swarm_perf_tasks_in_flight', 'gauge', 'Tasks started and not finished.'),
  tasksCompleted: spec('swarm_perf_tasks_completed', 'counter', 'Tasks completed since the session started.'),
  tasksFailed: spec('swarm_perf_tasks_failed', 'counter', 'Tasks failed since the session started.'),
  tasksCancelled: spec('swarm_perf_tasks_cancelled', 'counter', 'Tasks cancelled by the host since the start.'),
  throughput: spec(
    'swarm_perf_throughput_tasks_per_second',
    'gauge',
    'Completions per second over the rolling window (for cross-instance rates use rate() of the counters).',
  ),
  errorRatio: spec('swarm_perf_error_ratio', 'gauge', 'Failed / finished tasks over the rolling window.'),
  responseTime: spec(
    'swarm_perf_response_time_seconds',
    'histogram',
    'Task response time (queued to completed), cumulative since the session started.',
  ),
  serviceTime: spec(
    'swarm_perf_service_time_seconds',
    'histogram',
    'Task service time (started to completed), cumulative since the session started.',
  ),
  responseTimeWindow: spec(
    'swarm_perf_response_time_window_seconds',
    'summary',
    'Response time quantiles over the rolling window (exact merge across agents); sum and count since the start.',
  ),
  serviceTimeWindow: spec(
    'swarm_perf_service_time_window_seconds',
    'summary',
    'Service time quantiles over the rolling window; sum and count since the start.',
  ),
  imbalance: spec(
    'swarm_perf_load_imbalance',
    'gauge',
    'Coefficient of variation of load across live agents (0 = even).',
  ),
  efficiency: spec('swarm_perf_efficiency_ratio', 'gauge', 'Mean efficiency score of live agents with samples.'),
  messageLatency: spec(
    'swarm_perf_message_latency_window_seconds',
    'summary',
    'Message latency (sent to received) quantiles over the rolling window.',
  ),
  consensusRounds: spec('swarm_perf_consensus_rounds', 'counter', 'Consensus rounds since the session started.'),
  consensusDuration: spec(
    'swarm_perf_consensus_duration_window_seconds',
    'summary',
    'Consensus round duration quantiles over the rolling window.',
  ),
  consensusAgreement: spec(
    'swarm_perf_consensus_agreement_ratio',
    'gauge',
    'Share of consensus rounds that reached agreement.',
  ),
  hostCpu: spec('swarm_perf_host_cpu_ratio', 'gauge', 'Host CPU utilisation, 0..1, as last reported.'),
  hostMemoryUsed: spec('swarm_perf_host_memory_used_bytes', 'gauge', 'Host memory in use, as last reported.'),
  hostMemoryTotal: spec('swarm_perf_host_memory_total_bytes', 'gauge', 'Host memory in total, as last reported.'),
  hostLoadAverage: spec('swarm_perf_host_load_average', 'gauge', 'Host one-minute load average, as last reported.'),
  events: spec('swarm_perf_events', 'counter', 'Events received, by result of validation.'),
  reportedQueueDepth: spec('swarm_perf_host_queue_depth', 'gauge', 'Queue depth as the host last reported it.'),
  reassignments: spec(
    'swarm_perf_reassignments',
    'counter',
    'Reassignments the monitor emitted, and the host applied or refused.',
  ),
  queueUnassigned: spec('swarm_perf_queue_unassigned_tasks', 'gauge', 'Tasks waiting for an agent.'),
  queueOldestWait: spec(
    'swarm_perf_queue_oldest_wait_seconds',
    'gauge',
    'How long the oldest unassigned task has waited.',
  ),
  queueUnplaceable: spec(
    'swarm_perf_queue_unplaceable_tasks',
    'gauge',
    'Waiting tasks no live agent has the capabilities for (up to 100 listed).',
  ),
  alertsFiring: spec(
    'swarm_perf_alert_firing',
    'gauge',
    'Alerts firing now, by rule, severity and metric; a per-agent metric names the agent series it belongs to.',
  ),
  bottlenecks: spec('swarm_perf_bottlenecks', 'gauge', 'Bottlenecks found in the latest snapshot, by kind.'),
  insights: spec('swarm_perf_insights', 'gauge', 'Insights in the latest snapshot, by kind.'),
  slaCompliance: spec('swarm_perf_sla_compliance_ratio', 'gauge', 'Share of evaluated ticks that met each SLA.'),
  snapshotTimestamp: spec(
    'swarm_perf_snapshot_timestamp_seconds',
    'gauge',
    'Event time of the snapshot these figures come from.',
  ),
  seriesDropped: spec(
    'swarm_perf_agent_series_dropped',
    'counter',
    'Agents whose series were folded into the agent label value __other__ by the series cap.',
  ),
  agentCapacity: spec('swarm_perf_agent_capacity', 'gauge', 'Concurrent tasks the agent runs at once.'),
  agentInFlight: spec('swarm_perf_agent_tasks_in_flight', 'gauge', 'Tasks the agent is running.'),
  agentQueued: spec('swarm_perf_agent_tasks_queued', 'gauge', 'Tasks assigned to the agent, not started.'),
  agentLoad: spec('swarm_perf_agent_load', 'gauge', '(in flight + queued) / capacity.'),
  agentCompleted: spec('swarm_perf_agent_tasks_completed', 'counter', 'Tasks the agent completed.'),
  agentFailed: spec('swarm_perf_agent_tasks_failed', 'counter', 'Tasks the agent failed.'),
  agentSuccess: spec('swarm_perf_agent_success_ratio', 'gauge', 'Completed / finished tasks of the agent.'),
  agentThroughput: spec(
    'swarm_perf_agent_throughput_tasks_per_second',
    'gauge',
    'Completions per second over the rolling window.',
  ),
  agentEfficiency: spec(
    'swarm_perf_agent_efficiency_ratio',
    'gauge',
    'Efficiency score 0..1 (speed vs the fleet, consistency, success).',
  ),
  agentRecovery: spec(
    'swarm_perf_agent_recovery_seconds',
    'gauge',
    'Mean time from a failure to the next success of the agent.',
  ),
  agentServiceTime: spec(
    'swarm_perf_agent_service_time_seconds',
    'histogram',
    'Service time of the agent, cumulative since the session started.',
  ),
  agentServiceTimeWindow: spec(
    'swarm_perf_agent_service_time_window_seconds',
    'summary',
    'Service time quantiles of the agent over the rolling window; sum and count since the start.',
  ),
} as const satisfies Record<string, MetricSpec>

export const otherAgentsLabel = '__other__'

type Labels = ReadonlyArray<readonly [string, string]>

const seconds = (ms: number | null): number | null => (ms === null ? null : ms / 1000)

/** Labels with their exposition text, built once per label set (an agent's is shared by ~30 samples). */
interface LabelSet {
  labels: Labels
  inner: string
  text: string
}

function labelSet(labels: Labels): LabelSet {
  const inner = labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')
  return { labels, inner, text: inner ? `{${inner}}` : '' }
}
const noLabels = labelSet([])

// The `le`/`quantile` label pairs, shared by every sample that carries them.
const extraPairs = new Map<string, readonly [string, string]>()
function extraPair(name: string, value: string): readonly [string, string] {
  const key = `${name}=${value}`
  let pair = extraPairs.get(key)
  if (!pair) {
    pair = [name, value]
    if (extraPairs.size < 10_000) extraPairs.set(key, pair)
  }
  return pair
}

function sampleWith(suffix: MetricSample['suffix'], set: LabelSet, extra: readonly [string, string], value: number) {
  const labelText = `{${set.inner}${set.inner ? ',' : ''}${extra[0]}="${extra[1]}"}`
  return { suffix, labels: set.labels, extra, labelText, value }
}

function gauge(s: MetricSpec, values: ReadonlyArray<readonly [LabelSet, number | null]>): MetricFamily {
  return family(s, function* () {
    for (const [set, value] of values)
      if (value !== null) yield { suffix: '', labels: set.labels, labelText: set.text, value }
  })
}

function counter(s: MetricSpec, values: ReadonlyArray<readonly [LabelSet, number]>): MetricFamily {
  return family(s, function* () {
    for (const [set, value] of values) yield { suffix: '_total', labels: set.labels, labelText: set.text, value }
  })
}

/** Bucket counts are per bucket in the snapshot; Prometheus wants them cumulative, bounds in seconds. */
function* histogramSamples(h: BucketCounts, set: LabelSet): Generator<MetricSample> {
  let cumulative = 0
  for (let i = 0; i < h.boundsMs.length; i++) {
    cumulative += h.counts[i] ?? 0
    yield sampleWith('_bucket', set, extraPair('le', formatBound(h.boundsMs[i] / 1000)), cumulative)
  }
  yield sampleWith('_bucket', set, extraPair('le', '+Inf'), h.count)
  yield { suffix: '_sum', labels: set.labels, labelText: set.text, value: h.sumMs / 1000 }
  yield { suffix: '_count', labels: set.labels, labelText: set.text, value: h.count }
}

/** `le` and `quantile` values in the canonical form OpenMetrics asks for (`1.0`, not `1`), which 0.0.4 accepts too. */
export function formatBound(v: number): string {
  let text = boundText.get(v)
  if (text === undefined) {
    text = v === Number.POSITIVE_INFINITY ? '+Inf' : Number.isInteger(v) ? v.toFixed(1) : String(v)
    if (boundText.size < 10_000) boundText.set(v, text)
  }
  return text
}
const boundText = new Map<number, string>()

/**
 * Windowed quantiles as a summary (the shape prom-client's windowed Summary has): `quantile` series from the
 * rolling window, `_sum`/`_count` cumulative from the bucket counts when there are any.
 */
function quantileSummary(
  s: MetricSpec,
  groups: () => Iterable<readonly [LabelSet, object, BucketCounts | null]>,
  which: ReadonlyArray<readonly [string, string]> = windowQuantiles,
): MetricFamily {
  return family(s, function* () {
    for (const [set, p, totals] of groups()) {
      for (const [q, field] of which) {
        const v = (p as Record<string, number | null | undefined>)[field] ?? null
        if (v !== null) yield sampleWith('', set, extraPair('quantile', q), v / 1000)
      }
      if (totals) {
        yield { suffix: '_sum', labels: set.labels, labelText: set.text, value: totals.sumMs / 1000 }
        yield { suffix: '_count', labels: set.labels, labelText: set.text, value: totals.count }
      }
    }
  })
}

/** One label value's worth of agents: an agent, a role, or the agents past the cap. */
interface AgentGroup {
  label: string
  agents: AgentSnapshot[]
}

function liveFirst(a: AgentSnapshot, b: AgentSnapshot): number {
  const left = Number(a.state === 'left') - Number(b.state === 'left')
  if (left !== 0) return left
  if (a.joinedAt !== b.joinedAt) return a.joinedAt - b.joinedAt
  return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0
}

function agentGroups(snapshot: SwarmSnapshot, options: ExportOptions): { groups: AgentGroup[]; dropped: string[] } {
  if (options.agentLabel === 'none') return { groups: [], dropped: [] }
  const sorted = [...snapshot.agents].sort(liveFirst)
  let groups: AgentGroup[]
  if (options.agentLabel === 'id') {
    groups = sorted.map((a) => ({ label: a.agentId, agents: [a] }))
  } else {
    const byRole = new Map<string, AgentSnapshot[]>()
    for (const a of sorted) {
      const role = a.role ?? 'none'
      const list = byRole.get(role)
      if (list) list.push(a)
      else byRole.set(role, [a])
    }
    groups = [...byRole].map(([label, agents]) => ({ label, agents }))
  }
  if (groups.length <= options.maxAgentSeries) return { groups, dropped: [] }
  // An agent or role that is itself named like the fold goes into it: two series with one label value would
  // be duplicates, and a scraper keeps only one of them.
  const kept = groups.filter((g) => g.label !== otherAgentsLabel).slice(0, options.maxAgentSeries)
  const keptSet = new Set(kept)
  const rest = groups.filter((g) => !keptSet.has(g)).flatMap((g) => g.agents)
  kept.push({ label: otherAgentsLabel, agents: rest })
  return { groups: kept, dropped: rest.map((a) => a.agentId) }
}

/**
 * The label value each agent's figures are exported under with these options (its id, its role, or the fold past
 * the cap); empty with `agentLabel: 'none'`. The OpenTelemetry bridge records each agent's new samples under it.
 */
export function agentSeriesLabels(snapshot: SwarmSnapshot, options: ExportOptions): Map<string, string> {
  const byAgent = new Map<string, string>()
  for (const group of agentGroups(snapshot, options).groups)
    for (const agent of group.agents) byAgent.set(agent.agentId, group.label)
  return byAgent
}

function sumHistograms(agents: readonly AgentSnapshot[], bounds: readonly number[]): BucketCounts {
  const counts = new Array<number>(bounds.length + 1).fill(0)
  let count = 0
  let sumMs = 0
  for (const a of agents) {
    const h = a.serviceHistogram
    for (let i = 0; i < counts.length; i++) counts[i] += h.counts[i] ?? 0
    count += h.count
    sumMs += h.sumMs
  }
  return { boundsMs: [...bounds], counts, count, sumMs }
}

const sum = (agents: readonly AgentSnapshot[], f: (a: AgentSnapshot) => number) =>
  agents.reduce((total, a) => total + f(a), 0)

function mean(values: ReadonlyArray<number | null>): number | null {
  let total = 0
  let n = 0
  for (const v of values)
    if (v !== null) {
      total += v
      n++
    }
  return n === 0 ? null : total / n
}

/** Build every family from a snapshot. Pure apart from the optional counter of dropped series it updates. */
export function buildMetricFamilies(
  snapshot: SwarmSnapshot,
  options: ExportOptions,
  context: ExportContext = {},
): MetricFamily[] {
  const s = snapshot.swarm
  const m = metricSpecs
  const none = noLabels
  const families: MetricFamily[] = [
    gauge(m.agents, [[none, s.agents]]),
    gauge(m.tasksQueued, [[none, s.tasksQueued]]),
    gauge(m.tasksInFlight, [[none, s.tasksInFlight]]),
    counter(m.tasksCompleted, [[none, s.tasksCompleted]]),
    counter(m.tasksFailed, [[none, s.tasksFailed]]),
    counter(m.tasksCancelled, [[none, s.tasksCancelled]]),
    gauge(m.throughput, [[none, s.throughputPerMin / 60]]),
    gauge(m.errorRatio, [[none, s.errorRate]]),
    family(m.responseTime, () => histogramSamples(snapshot.histograms.responseMs, none)),
    family(m.serviceTime, () => histogramSamples(snapshot.histograms.serviceMs, none)),
    quantileSummary(m.responseTimeWindow, () => [[none, s.responseMs, snapshot.histograms.responseMs]]),
    quantileSummary(m.serviceTimeWindow, () => [[none, s.serviceMs, snapshot.histograms.serviceMs]]),
    gauge(m.imbalance, [[none, s.imbalance]]),
    gauge(m.efficiency, [[none, s.efficiency]]),
    quantileSummary(m.messageLatency, () => [[none, s.messageLatencyMs, null]]),
    counter(m.consensusRounds, [[none, s.consensus.rounds]]),
    quantileSummary(m.consensusDuration, () => [[none, { p95: s.consensus.p95Ms }, null]], [['0.95', 'p95']]),
    gauge(m.consensusAgreement, [[none, s.consensus.agreementRate]]),
    gauge(m.hostCpu, [[none, s.resources.cpu]]),
    gauge(m.hostMemoryUsed, [[none, s.resources.memoryUsedBytes]]),
    gauge(m.hostMemoryTotal, [[none, s.resources.memoryTotalBytes]]),
    gauge(m.hostLoadAverage, [[none, s.resources.loadAverage]]),
    counter(m.events, [
      [labelSet([['result', 'valid']]), s.eventsValid],
      [labelSet([['result', 'invalid']]), s.eventsInvalid],
    ]),
    gauge(m.reportedQueueDepth, [[none, s.reportedQueueDepth]]),
    counter(m.reassignments, [
      [labelSet([['result', 'emitted']]), s.reassignments.emitted],
      [labelSet([['result', 'applied']]), s.reassignments.applied],
      [labelSet([['result', 'refused']]), s.reassignments.refused],
    ]),
    gauge(m.queueUnassigned, [[none, snapshot.queue.unassigned]]),
    gauge(m.queueOldestWait, [[none, seconds(snapshot.queue.oldestWaitMs)]]),
    gauge(m.queueUnplaceable, [[none, snapshot.queue.unplaceable.length]]),
    gauge(m.alertsFiring, firingAlerts(snapshot, options)),
    gauge(m.bottlenecks, countBy(snapshot.bottlenecks)),
    gauge(m.insights, countBy(snapshot.insights)),
    gauge(
      m.slaCompliance,
      snapshot.sla.map((x) => [labelSet([['sla_id', x.id]]), x.compliance]),
    ),
    gauge(m.snapshotTimestamp, [[none, snapshot.at / 1000]]),
  ]

  const { groups, dropped } = agentGroups(snapshot, options)
  const droppedTotal = context.droppedSeries ? context.droppedSeries.record(dropped) : dropped.length
  families.push(counter(m.seriesDropped, [[none, droppedTotal]]))
  if (options.agentLabel === 'none') return families

  const labelName = options.agentLabel === 'id' ? 'agent_id' : 'role'
  const rows = groups.map((g) => {
    const labels = labelSet([[labelName, g.label]])
    const completed = sum(g.agents, (a) => a.tasksCompleted)
    const failed = sum(g.agents, (a) => a.tasksFailed)
    const capacity = sum(g.agents, (a) => a.capacity)
    const busy = sum(g.agents, (a) => a.inFlight + a.queued)
    return {
      labels,
      group: g,
      completed,
      failed,
      capacity,
      inFlight: sum(g.agents, (a) => a.inFlight),
      queued: sum(g.agents, (a) => a.queued),
      load: capacity > 0 ? busy / capacity : 0,
      success: completed + failed === 0 ? 1 : completed / (completed + failed),
      throughput: sum(g.agents, (a) => a.throughputPerMin) / 60,
      efficiency: mean(g.agents.filter((a) => a.state !== 'left').map((a) => a.efficiency)),
      recovery: seconds(mean(g.agents.map((a) => a.recoveryMs))),
    }
  })
  const bounds = snapshot.histograms.serviceMs.boundsMs
  // Per-agent families are built when read and dropped right after: with 10,000 agents, holding every sample
  // object until the text is joined costs more in garbage collection than building them.
  const perAgent = (s: MetricSpec, type: 'gauge' | 'counter', read: (r: (typeof rows)[number]) => number | null) =>
    family(s, function* () {
      const suffix = type === 'counter' ? '_total' : ''
      for (const r of rows) {
        const value = read(r)
        if (value !== null) yield { suffix, labels: r.labels.labels, labelText: r.labels.text, value }
      }
    })
  families.push(
    perAgent(m.agentCapacity, 'gauge', (r) => r.capacity),
    perAgent(m.agentInFlight, 'gauge', (r) => r.inFlight),
    perAgent(m.agentQueued, 'gauge', (r) => r.queued),
    perAgent(m.agentLoad, 'gauge', (r) => r.load),
    perAgent(m.agentCompleted, 'counter', (r) => r.completed),
    perAgent(m.agentFailed, 'counter', (r) => r.failed),
    perAgent(m.agentSuccess, 'gauge', (r) => r.success),
    perAgent(m.agentThroughput, 'gauge', (r) => r.throughput),
    perAgent(m.agentEfficiency, 'gauge', (r) => r.efficiency),
    perAgent(m.agentRecovery, 'gauge', (r) => r.recovery),
    family(m.agentServiceTime, function* () {
      for (const r of rows)
        yield* histogramSamples(
          r.group.agents.length === 1 ? r.group.agents[0].serviceHistogram : sumHistograms(r.group.agents, bounds),
          r.labels,
        )
    }),
  )
  // Windowed quantiles of different agents do not add up, so they exist only for single agents.
  if (options.agentQuantiles)
    families.push(
      quantileSummary(
        m.agentServiceTimeWindow,
        () =>
          rows
            .filter((r) => r.group.label !== otherAgentsLabel && options.agentLabel === 'id')
            .map((r) => [r.labels, r.group.agents[0].serviceMs, r.group.agents[0].serviceHistogram] as const),
        windowQuantiles.slice(0, 4),
      ),
    )
  return families
}

/**
 * Firing alerts by rule, severity and metric. A per-agent alert names its agent in the metric path; the path
 * follows the agent label options as the per-agent series do (the agent's id, its role, `__other__` past the cap,
 * `*` with `agentLabel: 'none'`), and the value counts the alerts it stands for, so the cap bounds these too.
 */
function firingAlerts(snapshot: SwarmSnapshot, options: ExportOptions): Array<readonly [LabelSet, number]> {
  let groupOf: Map<string, string> | null = null
  const counts = new Map<string, { labels: Labels; count: number }>()
  for (const a of snapshot.alerts) {
    if (a.state !== 'firing') continue
    let metric = a.metric
    const prefix = a.agentId === undefined ? null : `agents.${a.agentId}.`
    if (a.agentId !== undefined && prefix !== null && metric.startsWith(prefix)) {
      groupOf ??= agentSeriesLabels(snapshot, options)
      const label = options.agentLabel === 'none' ? '*' : (groupOf.get(a.agentId) ?? otherAgentsLabel)
      metric = `agents.${label}.${metric.slice(prefix.length)}`
    }
    const key = `${a.ruleId}\u0000${a.severity}\u0000${metric}`
    const entry = counts.get(key)
    if (entry) entry.count++
    else
      counts.set(key, {
        labels: [
          ['rule_id', a.ruleId],
          ['severity', a.severity],
          ['metric', metric],
        ],
        count: 1,
      })
  }
  return [...counts.values()].map(({ labels, count }) => [labelSet(labels), count] as const)
}

function countBy(items: ReadonlyArray<{ kind: string; severity: string }>): Array<readonly [LabelSet, number]> {
  const counts = new Map<string, number>()
  for (const item of items) {
    const key = `${item.kind}\u0000${item.severity}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].map(([key, n]) => {
    const [kind, severity] = key.split('\u0000')
    return [
      labelSet([
        ['kind', kind],
        ['severity', severity],
      ]),
      n,
    ] as const
  })
}
