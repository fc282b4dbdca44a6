import type { SwarmSnapshot } from '../model/snapshot.js'
import type { ExportOptionsInput } from './config.js'
import type { ExportContext } from './metric-families.js'
import { csvContentType, toCsv } from './to-csv.js'
import { grafanaContentType, toGrafanaDashboard } from './to-grafana-dashboard.js'
import { jsonContentType, toJson } from './to-json.js'
import { openMetricsContentType, toOpenMetrics } from './to-open-metrics.js'
import { prometheusContentType, toPrometheus } from './to-prometheus.js'

/** One output format: a pure function of a snapshot, and the content type it is served with. */
export interface Exporter {
  format: ExportFormat
  contentType: string
  /** File extension for downloads. */
  extension: string
  render(snapshot: SwarmSnapshot, options?: ExportOptionsInput, context?: ExportContext): string
}

export const exportFormats = ['prometheus', 'openmetrics', 'json', 'csv', 'grafana'] as const
export type ExportFormat = (typeof exportFormats)[number]

/** The registry: add a format with one file and one entry here. */
export const exporters: Readonly<Record<ExportFormat, Exporter>> = {
  prometheus: { format: 'prometheus', contentType: prometheusContentType, extension: 'prom', render: toPrometheus },
  openmetrics: {
    format: 'openmetrics',
    contentType: openMetricsContentType,
    extension: 'om.txt',
    render: toOpenMetrics,
  },
  json: { format: 'json', contentType: jsonContentType, extension: 'json', render: (s) => toJson(s, { pretty: true }) },
  csv: { format: 'csv', contentType: csvContentType, extension: 'csv', render: (s) => toCsv(s) },
  grafana: { format: 'grafana', contentType: grafanaContentType, extension: 'json', render: toGrafanaDashboard },
}

export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (exportFormats as readonly string[]).includes(value)
}
