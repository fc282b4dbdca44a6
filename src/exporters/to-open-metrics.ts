import type { SwarmSnapshot } from '../model/snapshot.js'
import { type ExportOptionsInput, parseExportOptions } from './config.js'
import { escapeHelp, LineWriter, sampleLine } from './exposition.js'
import { buildMetricFamilies, type ExportContext } from './metric-families.js'

export const openMetricsContentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

/**
 * The snapshot in OpenMetrics 1.0 text: counter families named without `_total` (their samples carry it),
 * `# UNIT` for seconds, bytes and ratios, and the mandatory `# EOF`. `_created` is optional and left out.
 */
export function toOpenMetrics(snapshot: SwarmSnapshot, options?: ExportOptionsInput, context?: ExportContext): string {
  const families = buildMetricFamilies(snapshot, parseExportOptions(options), context)
  const out = new LineWriter()
  for (const family of families) {
    out.push(`# TYPE ${family.name} ${family.type}`)
    if (family.unit) out.push(`# UNIT ${family.name} ${family.unit}`)
    out.push(`# HELP ${family.name} ${escapeHelp(family.help, true)}`)
    for (const sample of family.samples) out.push(sampleLine(family, sample))
  }
  out.push('# EOF')
  return out.text()
}
