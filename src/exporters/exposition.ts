import type { MetricFamily, MetricSample } from './metric-families.js'

/** Escaping and number formatting shared by the Prometheus 0.0.4 and OpenMetrics 1.0 renderers. */
export function escapeHelp(text: string, openMetrics: boolean): string {
  const escaped = text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
  return openMetrics ? escaped.replace(/"/g, '\\"') : escaped
}

export function escapeLabelValue(value: string): string {
  if (!/[\\"\n]/.test(value)) return value
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  return String(value)
}

export function sampleLine(family: MetricFamily, sample: MetricSample): string {
  return `${family.name}${sample.suffix}${sample.labelText} ${formatValue(sample.value)}`
}

/**
 * Collects lines and joins them in blocks, so the many short line strings die young (cheap to collect) instead of
 * all living until one final join.
 */
export class LineWriter {
  #chunks: string[] = []
  #lines: string[] = []

  push(line: string): void {
    this.#lines.push(line)
    if (this.#lines.length >= 4096) this.#flush()
  }

  text(): string {
    this.#flush()
    return `${this.#chunks.join('\n')}\n`
  }

  #flush(): void {
    if (this.#lines.length === 0) return
    this.#chunks.push(this.#lines.join('\n'))
    this.#lines = []
  }
}
