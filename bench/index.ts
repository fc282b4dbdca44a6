/** The benchmark registry: one file per benchmark, one line here. */
import { anomaliesBenchmark } from './anomalies.js'
import { assignment } from './assignment.js'
import { binding } from './binding.js'
import { exportBenchmark } from './export.js'
import { percentilesBenchmark } from './percentiles.js'
import { pipeline } from './pipeline.js'
import { placement } from './placement.js'
import { scenariosBenchmark } from './scenarios.js'

export interface BenchOptions {
  /** When true, print nothing but the final JSON object (the runner prints it). */
  json: boolean
  args: string[]
}

export interface Benchmark {
  name: string
  summary: string
  /** Prints its table unless `json`; returns the JSON object. */
  run(options: BenchOptions): Promise<Record<string, unknown>>
}

export const benchmarks: Benchmark[] = [
  anomaliesBenchmark,
  assignment,
  binding,
  exportBenchmark,
  percentilesBenchmark,
  placement,
  pipeline,
  scenariosBenchmark,
]
