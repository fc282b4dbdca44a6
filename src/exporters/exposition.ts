import type { MetricFamily, MetricSample } from './metric-families.js'

/** Escaping and number formatting shared by the Prometheus 0.0.4 and OpenMetrics 1.0 renderers. */
export function escapeHelp(text: string, openMetrics: boolean): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
  return openMetrics ? escaped.replace(/"/g, '\\"') : escaped
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}

export function sampleLine(family: MetricFamily, sample: MetricSample): string {
  const labels =
    sample.labels.length === 0
      ? ''
      : `{${sample.labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`
  return `${family.name}${sample.suffix}${labels} ${formatValue(sample.value)}`
}
