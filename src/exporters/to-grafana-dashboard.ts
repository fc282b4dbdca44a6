import type { SwarmSnapshot } from '../model/snapshot.js'
import { type ExportOptionsInput, parseExportOptions } from './config.js'

export const grafanaContentType = 'application/json; charset=utf-8'

/** The parts of Grafana's classic dashboard JSON model this exporter writes. */
export interface GrafanaTarget {
  refId: string
  expr: string
  legendFormat: string
  datasource: { type: 'prometheus'; uid: string }
  instant?: boolean
  format?: 'time_series' | 'table'
}

export interface GrafanaPanel {
  id: number
  type: 'timeseries' | 'stat' | 'table'
  title: string
  description?: string
  gridPos: { h: number; w: number; x: number; y: number }
  datasource: { type: 'prometheus'; uid: string }
  targets: GrafanaTarget[]
  fieldConfig: { defaults: Record<string, unknown>; overrides: unknown[] }
  options: Record<string, unknown>
}

export interface GrafanaDashboard {
  __requires: Array<{ type: string; id: string; name: string; version: string }>
  annotations: { list: unknown[] }
  editable: boolean
  graphTooltip: number
  id: null
  uid: string
  title: string
  description: string
  tags: string[]
  timezone: string
  schemaVersion: number
  version: number
  refresh: string
  time: { from: string; to: string }
  templating: { list: Array<Record<string, unknown>> }
  panels: GrafanaPanel[]
}

// Grafana's own variable syntax, not a JS template.
const datasource = { type: 'prometheus', uid: '$' + '{datasource}' } as const
const selector = 'instance=~"$instance"'

/**
 * A Grafana dashboard (classic JSON model, schemaVersion 39) over the metrics `toPrometheus` exposes. Every query
 * aggregates across instances (`sum by (le)` before `histogram_quantile`), so one dashboard serves many
 * orchestrators scraped by one Prometheus. The snapshot supplies the rolling window's length for descriptions.
 */
export function grafanaDashboard(snapshot: SwarmSnapshot, options?: ExportOptionsInput): GrafanaDashboard {
  const o = parseExportOptions(options)
  const windowSeconds = Math.round(snapshot.window.durationMs / 1000)
  const agentLabel = o.agentLabel === 'role' ? 'role' : 'agent_id'
  let nextId = 1
  const target = (expr: string, legendFormat: string, refId: string, table = false): GrafanaTarget => ({
    refId,
    expr,
    legendFormat,
    datasource,
    ...(table ? { instant: true, format: 'table' as const } : {}),
  })
  const panel = (
    type: GrafanaPanel['type'],
    title: string,
    gridPos: GrafanaPanel['gridPos'],
    targets: GrafanaTarget[],
    unit: string,
    extra: Partial<GrafanaPanel> = {},
  ): GrafanaPanel => ({
    id: nextId++,
    type,
    title,
    gridPos,
    datasource,
    targets,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: type === 'timeseries' ? { legend: { displayMode: 'list', placement: 'bottom', showLegend: true } } : {},
    ...extra,
  })
  const rate = (metric: string) => `sum(rate(${metric}{${selector}}[$__rate_interval]))`
  const quantile = (q: number, metric: string) =>
    `histogram_quantile(${q}, sum by (le) (rate(${metric}_bucket{${selector}}[$__rate_interval])))`

  const panels: GrafanaPanel[] = [
    panel(
      'stat',
      'Live agents',
      { h: 4, w: 6, x: 0, y: 0 },
      [target(`sum(swarm_perf_agents{${selector}})`, 'agents', 'A')],
      'none',
    ),
    panel(
      'stat',
      'Tasks in flight',
      { h: 4, w: 6, x: 6, y: 0 },
      [target(`sum(swarm_perf_tasks_in_flight{${selector}})`, 'in flight', 'A')],
      'none',
    ),
    panel(
      'stat',
      'Tasks queued',
      { h: 4, w: 6, x: 12, y: 0 },
      [target(`sum(swarm_perf_tasks_queued{${selector}})`, 'queued', 'A')],
      'none',
    ),
    panel(
      'stat',
      'Dropped agent series',
      { h: 4, w: 6, x: 18, y: 0 },
      [target(`sum(swarm_perf_agent_series_dropped_total{${selector}})`, 'dropped', 'A')],
      'none',
    ),
    panel(
      'timeseries',
      'Throughput',
      { h: 8, w: 12, x: 0, y: 4 },
      [
        target(rate('swarm_perf_tasks_completed_total'), 'completed/s', 'A'),
        target(rate('swarm_perf_tasks_failed_total'), 'failed/s', 'B'),
      ],
      'ops',
    ),
    panel(
      'timeseries',
      'Response time p95 / p99 (queued to completed)',
      { h: 8, w: 12, x: 12, y: 4 },
      [
        target(quantile(0.95, 'swarm_perf_response_time_seconds'), 'p95', 'A'),
        target(quantile(0.99, 'swarm_perf_response_time_seconds'), 'p99', 'B'),
      ],
      's',
    ),
    panel(
      'timeseries',
      'Service time p95 / p99 (started to completed)',
      { h: 8, w: 12, x: 0, y: 12 },
      [
        target(quantile(0.95, 'swarm_perf_service_time_seconds'), 'p95', 'A'),
        target(quantile(0.99, 'swarm_perf_service_time_seconds'), 'p99', 'B'),
        target(
          `max(swarm_perf_service_time_window_seconds{${selector},quantile="0.99"})`,
          `p99 (${windowSeconds}s window, worst instance)`,
          'C',
        ),
      ],
      's',
      {
        description: `p95/p99 from histogram buckets across instances; C is each instance's own ${windowSeconds}s rolling window.`,
      },
    ),
    panel(
      'timeseries',
      'Error rate',
      { h: 8, w: 12, x: 12, y: 12 },
      [
        target(
          `${rate('swarm_perf_tasks_failed_total')} / clamp_min(${rate('swarm_perf_tasks_failed_total')} + ${rate('swarm_perf_tasks_completed_total')}, 1e-9)`,
          'failed / finished',
          'A',
        ),
      ],
      'percentunit',
    ),
    panel(
      'timeseries',
      'Load imbalance (CV of load across agents)',
      { h: 8, w: 12, x: 0, y: 20 },
      [target(`max by (instance) (swarm_perf_load_imbalance{${selector}})`, '{{instance}}', 'A')],
      'none',
    ),
    panel(
      'timeseries',
      `Efficiency per ${agentLabel === 'role' ? 'role' : 'agent'}`,
      { h: 8, w: 12, x: 12, y: 20 },
      o.agentLabel === 'none'
        ? [target(`avg(swarm_perf_efficiency_ratio{${selector}})`, 'swarm', 'A')]
        : [target(`avg by (${agentLabel}) (swarm_perf_agent_efficiency_ratio{${selector}})`, `{{${agentLabel}}}`, 'A')],
      'percentunit',
    ),
    panel(
      'table',
      'Alerts firing',
      { h: 8, w: 24, x: 0, y: 28 },
      [target(`swarm_perf_alert_firing{${selector}} > 0`, '{{rule_id}}', 'A', true)],
      'none',
    ),
  ]

  return {
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.0.0' },
      { type: 'datasource', id: 'prometheus', name: 'Prometheus', version: '1.0.0' },
      { type: 'panel', id: 'timeseries', name: 'Time series', version: '' },
      { type: 'panel', id: 'stat', name: 'Stat', version: '' },
      { type: 'panel', id: 'table', name: 'Table', version: '' },
    ],
    annotations: { list: [] },
    editable: true,
    graphTooltip: 1,
    id: null,
    uid: o.dashboardUid,
    title: o.dashboardTitle,
    description:
      'swarm-perf: throughput, latency percentiles, errors, imbalance, efficiency and alerts of agent swarms',
    tags: ['swarm-perf'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    templating: {
      list: [
        {
          type: 'datasource',
          name: 'datasource',
          label: 'Data source',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
        {
          type: 'query',
          name: 'instance',
          label: 'Instance',
          datasource,
          query: { query: 'label_values(swarm_perf_agents, instance)', refId: 'instance' },
          definition: 'label_values(swarm_perf_agents, instance)',
          includeAll: true,
          multi: true,
          allValue: '.*',
          current: { selected: true, text: ['All'], value: ['$__all'] },
          refresh: 2,
          hide: 0,
          sort: 1,
          options: [],
        },
      ],
    },
    panels,
  }
}

/** The dashboard as pretty JSON, ready for Grafana's import. */
export function toGrafanaDashboard(snapshot: SwarmSnapshot, options?: ExportOptionsInput): string {
  return `${JSON.stringify(grafanaDashboard(snapshot, options), null, 2)}\n`
}
