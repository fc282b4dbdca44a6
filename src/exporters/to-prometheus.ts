import type { SwarmSnapshot } from '../model/snapshot.js'
import { type ExportOptionsInput, parseExportOptions } from './config.js'
import { escapeHelp, LineWriter, sampleLine } from './exposition.js'
import { buildMetricFamilies, type ExportContext } from './metric-families.js'

export const prometheusContentType = 'text/plain; version=0.0.4; charset=utf-8'

/**
 * The snapshot in the Prometheus text exposition format 0.0.4. Counters are named with `_total` in `# TYPE`
 * (the 0.0.4 convention); histograms carry cumulative `_bucket{le}` series, bounds in seconds.
 */
export function toPrometheus(snapshot: SwarmSnapshot, options?: ExportOptionsInput, context?: ExportContext): string {
  const families = buildMetricFamilies(snapshot, parseExportOptions(options), context)
  const out = new LineWriter()
  for (const family of families) {
    const name = family.type === 'counter' ? `${family.name}_total` : family.name
    out.push(`# HELP ${name} ${escapeHelp(family.help, false)}`)
    out.push(`# TYPE ${name} ${family.type}`)
    for (const sample of family.samples) out.push(sampleLine(family, sample))
  }
  return out.text()
}
