import { z } from 'zod'
import { parseConfig } from '../model/validate.js'

/**
 * The OpenTelemetry GenAI semantic conventions' bucket boundaries for operation durations, in seconds. The monitor
 * uses them as its default histogram bounds so instances (and other GenAI instrumentation) aggregate in Prometheus.
 */
export const defaultDurationBucketsSeconds: readonly number[] = Object.freeze([
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
])

/** Which label per-agent series carry: the agent id, the agent's role (agents aggregated per role) or none. */
export const agentLabelModes = ['id', 'role', 'none'] as const
export type AgentLabelMode = (typeof agentLabelModes)[number]

export const exportOptionsSchema = z
  .object({
    /** `id`: one series per agent; `role`: agents summed per role; `none`: swarm-wide series only. */
    agentLabel: z.enum(agentLabelModes).default('id'),
    /**
     * At most this many agent label values per metric. Agents past the cap (live agents first, then by join time)
     * are summed into one series labelled `__other__`, so fleet totals stay right; the drop is counted in
     * `swarm_perf_agent_series_dropped_total`.
     */
    maxAgentSeries: z.number().int().nonnegative().default(500),
    /** Also expose per-agent windowed service-time quantiles (p50/p90/p95/p99) as gauges. */
    agentQuantiles: z.boolean().default(false),
    /** Grafana: the dashboard's title and uid. */
    dashboardTitle: z.string().min(1).default('swarm-perf'),
    dashboardUid: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, _ or -')
      .default('swarm-perf'),
  })
  .strict()

export type ExportOptionsInput = z.input<typeof exportOptionsSchema>
export type ExportOptions = z.output<typeof exportOptionsSchema>

/** Validate exporter options; a bad value throws one ConfigError naming every wrong field. */
export function parseExportOptions(input?: ExportOptionsInput | ExportOptions): ExportOptions {
  return parseConfig(exportOptionsSchema, input, 'export options')
}
