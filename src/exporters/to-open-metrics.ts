import type { SwarmSnapshot } from '../model/snapshot.js'
import { type ExportOptionsInput, parseExportOptions } from './config.js'
import { escapeHelp, sampleLine } from './exposition.js'
import { buildMetricFamilies, type ExportContext } from './metric-families.js'

export const openMetricsContentType = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

/**
 * The snapshot in OpenMetrics 1.0 text: counter families named without `_total` (their samples carry it),
 * `# UNIT` for seconds, bytes and ratios, and the mandatory `# EOF`. `_created` is optional and left out.
 */
export function toOpenMetrics(snapshot: SwarmSnapshot, options?: ExportOptionsInput, context?: ExportContext): string {
  const families = buildMetricFamilies(snapshot, parseExportOptions(options), context)
  const lines: string[] = []
  for (const family of families) {
    lines.push(`# TYPE ${family.name} ${family.type}`)
    if (family.unit) lines.push(`# UNIT ${family.name} ${family.unit}`)
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help, true)}`)
    for (const sample of family.samples) lines.push(sampleLine(family, sample))
  }
  lines.push('# EOF')
  return `${lines.join('\n')}\n`
}
