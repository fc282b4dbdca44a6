import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { defaultDurationBucketsSeconds, parseExportOptions } from '../src/exporters/config.js'
import { exporters, exportFormats, isExportFormat } from '../src/exporters/index.js'
import { buildMetricFamilies, DroppedSeriesCounter } from '../src/exporters/metric-families.js'
import { csvColumns, toCsv } from '../src/exporters/to-csv.js'
import { toJson } from '../src/exporters/to-json.js'
import { toOpenMetrics } from '../src/exporters/to-open-metrics.js'
import { toPrometheus } from '../src/exporters/to-prometheus.js'
import { ConfigError } from '../src/model/errors.js'
import { openMetricsProblems, promtoolCheck } from './fixtures/promtool.js'
import { makeAgent, makeSnapshot } from './fixtures/snapshot.js'

/** Parses sample lines of the text format into name{labels} -> value (labels kept as written). */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue
    const at = line.lastIndexOf(' ')
    out.set(line.slice(0, at), Number(line.slice(at + 1).replace('+Inf', 'Infinity')))
  }
  return out
}

const weird = makeSnapshot(6)
weird.agents[2] = makeAgent(2, { agentId: 'we"ird\\id\nwith,comma', role: 'role "q"' })
weird.agents[3] = makeAgent(3, { state: 'left', recoveryMs: null })

const variants = [
  { agentLabel: 'id' },
  { agentLabel: 'id', agentQuantiles: true, maxAgentSeries: 3 },
  { agentLabel: 'role' },
  { agentLabel: 'role', maxAgentSeries: 1 },
  { agentLabel: 'none' },
] as const

describe('Prometheus and OpenMetrics exposition, checked by promtool', () => {
  for (const options of variants) {
    it(`promtool check metrics passes on the 0.0.4 text (${JSON.stringify(options)})`, () => {
      const result = promtoolCheck(toPrometheus(weird, options))
      expect(result.problems).toEqual([])
      expect(result.status).toBe(0)
    })
    it(`promtool check metrics finds nothing wrong in OpenMetrics (${JSON.stringify(options)})`, () => {
      expect(openMetricsProblems(toOpenMetrics(weird, options))).toEqual([])
    })
  }

  it('passes promtool for an empty swarm and for one with no samples at all', () => {
    const empty = makeSnapshot(0, { alerts: [], bottlenecks: [], insights: [], sla: [] })
    empty.swarm.responseMs = { p50: null, p90: null, p95: null, p99: null, p999: null }
    expect(promtoolCheck(toPrometheus(empty)).problems).toEqual([])
    expect(openMetricsProblems(toOpenMetrics(empty))).toEqual([])
  })

  it('the artifact filter does not hide real problems', () => {
    // A counter sample without its family's help, and a broken line: both must still be reported.
    const broken = `${toOpenMetrics(weird).replace('# EOF\n', '')}bogus_total{a="1"} x\n# EOF\n`
    expect(openMetricsProblems(broken).length).toBeGreaterThan(0)
  })

  it('names metrics swarm_perf_* with counters ending in _total and histograms in seconds', () => {
    const text = toPrometheus(weird)
    const types = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1], m[2]])
    expect(types.length).toBeGreaterThan(30)
    for (const [name, type] of types) {
      expect(name).toMatch(/^swarm_perf_[a-z0-9_]+$/)
      if (type === 'counter') expect(name).toMatch(/_total$/)
      else expect(name).not.toMatch(/_total$/)
      if (type === 'histogram') expect(name).toMatch(/_seconds$/)
    }
  })

  it('writes OpenMetrics counters without _total in TYPE, units, and # EOF last', () => {
    const text = toOpenMetrics(weird)
    expect(text.endsWith('\n# EOF\n')).toBe(true)
    expect(text).toContain('# TYPE swarm_perf_tasks_completed counter\n')
    expect(text).toContain('\nswarm_perf_tasks_completed_total 45\n')
    expect(text).toContain('# UNIT swarm_perf_service_time_seconds seconds\n')
    expect(text).toContain('# UNIT swarm_perf_host_memory_used_bytes bytes\n')
    expect(text.match(/# EOF/g)).toHaveLength(1)
  })

  it('turns per-bucket counts in ms into cumulative buckets in seconds', () => {
    const s = makeSnapshot(1)
    s.histograms.serviceMs = { boundsMs: [10, 1280, 81920], counts: [2, 0, 5, 1], count: 8, sumMs: 123_456 }
    const m = samples(toPrometheus(s, { agentLabel: 'none' }))
    expect(m.get('swarm_perf_service_time_seconds_bucket{le="0.01"}')).toBe(2)
    expect(m.get('swarm_perf_service_time_seconds_bucket{le="1.28"}')).toBe(2)
    expect(m.get('swarm_perf_service_time_seconds_bucket{le="81.92"}')).toBe(7)
    expect(m.get('swarm_perf_service_time_seconds_bucket{le="+Inf"}')).toBe(8)
    expect(m.get('swarm_perf_service_time_seconds_sum')).toBeCloseTo(123.456, 9)
    expect(m.get('swarm_perf_service_time_seconds_count')).toBe(8)
    // Integral bounds get the canonical float form OpenMetrics asks for.
    s.histograms.serviceMs = { boundsMs: [1000], counts: [1, 0], count: 1, sumMs: 5 }
    expect(toOpenMetrics(s)).toContain('swarm_perf_service_time_seconds_bucket{le="1.0"} 1')
  })

  it('converts to base units: seconds, per-second rates, ratios', () => {
    const m = samples(toPrometheus(weird))
    expect(m.get('swarm_perf_throughput_tasks_per_second')).toBe(0.5)
    expect(m.get('swarm_perf_response_time_window_seconds{quantile="0.99"}')).toBe(2.9)
    expect(m.get('swarm_perf_queue_oldest_wait_seconds')).toBe(1.5)
    expect(m.get('swarm_perf_host_cpu_ratio')).toBe(0.42)
    expect(m.get('swarm_perf_snapshot_timestamp_seconds')).toBe(1_700_000_060)
    expect(m.get('swarm_perf_agent_throughput_tasks_per_second{agent_id="agent-0"}')).toBeCloseTo(2.5 / 60, 12)
    expect(m.get('swarm_perf_events_total{result="invalid"}')).toBe(3)
    expect(
      m.get('swarm_perf_alert_firing{rule_id="p99-response",severity="critical",metric="swarm.responseMs.p99"}'),
    ).toBe(1)
  })

  it('escapes label values with quotes, backslashes and newlines', () => {
    const text = toPrometheus(weird)
    expect(text).toContain('agent_id="we\\"ird\\\\id\\nwith,comma"')
  })

  it('omits a missing percentile instead of printing NaN', () => {
    const s = makeSnapshot(2)
    s.swarm.responseMs.p999 = null
    const text = toPrometheus(s)
    expect(text).not.toContain('swarm_perf_response_time_window_seconds{quantile="0.999"}')
    expect(text).toContain('swarm_perf_response_time_window_seconds{quantile="0.99"} 2.9')
    expect(text).not.toMatch(/NaN/)
  })
})

describe('cardinality control', () => {
  const snapshot = makeSnapshot(10)

  it('caps agent series, folds the rest into __other__ so sums stay right, and counts the drop', () => {
    const m = samples(toPrometheus(snapshot, { maxAgentSeries: 3 }))
    const ids = new Set(
      [...m.keys()].filter((k) => k.startsWith('swarm_perf_agent_load{')).map((k) => /agent_id="([^"]*)"/.exec(k)![1]),
    )
    expect(ids).toEqual(new Set(['agent-0', 'agent-1', 'agent-2', '__other__']))
    expect(m.get('swarm_perf_agent_series_dropped_total')).toBe(7)
    let agentCount = 0
    for (const id of ids) agentCount += m.get(`swarm_perf_agent_service_time_seconds_count{agent_id="${id}"}`)!
    expect(agentCount).toBe(m.get('swarm_perf_service_time_seconds_count'))
    const completed = [...ids].reduce(
      (n, id) => n + m.get(`swarm_perf_agent_tasks_completed_total{agent_id="${id}"}`)!,
      0,
    )
    expect(completed).toBe(snapshot.swarm.tasksCompleted)
  })

  it('folds an agent that is itself named __other__ into the fold, so no series is written twice', () => {
    const s = makeSnapshot(4)
    s.agents[0] = makeAgent(0, { agentId: '__other__' })
    const m = samples(toPrometheus(s, { maxAgentSeries: 2 }))
    const loads = [...m.keys()].filter((k) => k.startsWith('swarm_perf_agent_load{'))
    expect(loads).toEqual([
      'swarm_perf_agent_load{agent_id="agent-1"}',
      'swarm_perf_agent_load{agent_id="agent-2"}',
      'swarm_perf_agent_load{agent_id="__other__"}',
    ])
    const lines = toPrometheus(s, { maxAgentSeries: 2 })
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.slice(0, l.lastIndexOf(' ')))
    expect(new Set(lines).size).toBe(lines.length)
    let completed = 0
    for (const k of m.keys()) if (k.startsWith('swarm_perf_agent_tasks_completed_total{')) completed += m.get(k)!
    expect(completed).toBe(s.swarm.tasksCompleted)
    expect(m.get('swarm_perf_agent_series_dropped_total')).toBe(2)
  })

  it('keeps per-agent alerts within the agent label options: by id, role, the fold, or one series with none', () => {
    const s = makeSnapshot(0)
    s.agents = [
      makeAgent(0, { agentId: 'a', role: 'x' }),
      makeAgent(1, { agentId: 'b', role: 'x' }),
      makeAgent(2, { agentId: 'c', role: 'y' }),
    ]
    s.alerts = s.agents.map((agent) => ({
      ruleId: 'slow',
      agentId: agent.agentId,
      state: 'firing' as const,
      severity: 'warning' as const,
      metric: `agents.${agent.agentId}.serviceMs.p95`,
      value: 9000,
      threshold: 5000,
      since: s.at,
      at: s.at,
    }))
    const firing = (options: object) => {
      const out: Record<string, number> = {}
      for (const [k, v] of samples(toPrometheus(s, options)))
        if (k.startsWith('swarm_perf_alert_firing{')) out[/metric="([^"]*)"/.exec(k)![1]] = v
      return out
    }
    expect(firing({})).toEqual({
      'agents.a.serviceMs.p95': 1,
      'agents.b.serviceMs.p95': 1,
      'agents.c.serviceMs.p95': 1,
    })
    expect(firing({ maxAgentSeries: 1 })).toEqual({ 'agents.a.serviceMs.p95': 1, 'agents.__other__.serviceMs.p95': 2 })
    expect(firing({ agentLabel: 'role' })).toEqual({ 'agents.x.serviceMs.p95': 2, 'agents.y.serviceMs.p95': 1 })
    expect(firing({ agentLabel: 'none' })).toEqual({ 'agents.*.serviceMs.p95': 3 })
    expect(promtoolCheck(toPrometheus(s, { agentLabel: 'none' })).problems).toEqual([])
  })

  it('keeps live agents before departed ones when it must drop', () => {
    const s = makeSnapshot(3)
    s.agents[0] = makeAgent(0, { state: 'left' })
    const text = toPrometheus(s, { maxAgentSeries: 2 })
    expect(text).toContain('agent_id="agent-1"')
    expect(text).toContain('agent_id="agent-2"')
    expect(text).not.toContain('agent_id="agent-0"')
  })

  it('a DroppedSeriesCounter makes the dropped count a true counter across renders', () => {
    const counter = new DroppedSeriesCounter()
    const options = parseExportOptions({ maxAgentSeries: 8 })
    const first = buildMetricFamilies(makeSnapshot(10), options, { droppedSeries: counter })
    const again = buildMetricFamilies(makeSnapshot(10), options, { droppedSeries: counter })
    const fewer = buildMetricFamilies(makeSnapshot(4), options, { droppedSeries: counter })
    const value = (f: ReturnType<typeof buildMetricFamilies>) =>
      [...f.find((x) => x.name === 'swarm_perf_agent_series_dropped')!.samples][0].value
    expect([value(first), value(again), value(fewer)]).toEqual([2, 2, 2])
    buildMetricFamilies(makeSnapshot(11), options, { droppedSeries: counter })
    expect(counter.total).toBe(3)
  })

  it('labels by role with agents summed per role, or exposes no agent series at all', () => {
    const m = samples(toPrometheus(snapshot, { agentLabel: 'role' }))
    const coders = snapshot.agents.filter((a) => a.role === 'coder')
    expect(m.get('swarm_perf_agent_tasks_completed_total{role="coder"}')).toBe(
      coders.reduce((n, a) => n + a.tasksCompleted, 0),
    )
    expect(m.get('swarm_perf_agent_capacity{role="coder"}')).toBe(coders.length * 2)
    expect([...m.keys()].some((k) => k.includes('agent_id='))).toBe(false)
    const none = toPrometheus(snapshot, { agentLabel: 'none' })
    expect(none).not.toContain('swarm_perf_agent_load')
    expect(none).toContain('swarm_perf_service_time_seconds_bucket')
  })

  it('per-agent quantile summaries are opt-in', () => {
    expect(toPrometheus(snapshot)).not.toContain('swarm_perf_agent_service_time_window_seconds')
    const m = samples(toPrometheus(snapshot, { agentQuantiles: true }))
    expect(m.get('swarm_perf_agent_service_time_window_seconds{agent_id="agent-1",quantile="0.95"}')).toBeCloseTo(
      0.4215,
      12,
    )
  })

  it('rejects bad options with one ConfigError naming every wrong field', () => {
    let error: unknown
    try {
      toPrometheus(snapshot, { agentLabel: 'pod', maxAgentSeries: -1 } as never)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((i) => i.path).sort()).toEqual(['agentLabel', 'maxAgentSeries'])
  })

  it('exports the OpenTelemetry GenAI duration buckets as the default bounds', () => {
    expect(defaultDurationBucketsSeconds).toEqual([
      0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
    ])
  })
})

/** An RFC 4180 reader, written independently of the writer, to read the CSV back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += c
  }
  expect(field).toBe('')
  expect(row).toEqual([])
  return rows
}

describe('CSV', () => {
  it('has a header row and one row per agent that parse back to the same values', () => {
    const rows = parseCsv(toCsv(weird))
    expect(rows[0]).toEqual(csvColumns.map(([name]) => name))
    expect(rows).toHaveLength(weird.agents.length + 1)
    weird.agents.forEach((agent, i) => {
      csvColumns.forEach(([, read], c) => {
        const expected = read(agent)
        const cell = rows[i + 1][c]
        if (expected === null) expect(cell).toBe('')
        else if (typeof expected === 'number') expect(Number(cell)).toBe(expected)
        else expect(cell).toBe(expected)
      })
    })
    expect(rows[3][0]).toBe('we"ird\\id\nwith,comma')
  })

  it('round-trips arbitrary ids and numbers (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.option(fc.double({ min: 0, max: 1e7, noNaN: true }), { nil: null }),
        (id, efficiency, p99) => {
          const agent = makeAgent(1, { agentId: id, efficiency })
          agent.serviceMs.p99 = p99
          const rows = parseCsv(toCsv(makeSnapshot(0, { agents: [agent] })))
          expect(rows[1][0]).toBe(id)
          // == rather than Object.is: -0 prints as 0, the same number.
          expect(Number(rows[1][csvColumns.findIndex(([n]) => n === 'efficiency')]) === efficiency).toBe(true)
          const cell = rows[1][csvColumns.findIndex(([n]) => n === 'service_p99_ms')]
          expect(cell === '' ? null : Number(cell)).toBe(p99)
        },
      ),
    )
  })
})

describe('JSON and the registry', () => {
  it('JSON is the snapshot itself', () => {
    expect(JSON.parse(toJson(weird))).toEqual(weird)
  })

  it('registers every format with a content type, and renders each', () => {
    expect(exportFormats).toEqual(['prometheus', 'openmetrics', 'json', 'csv', 'grafana'])
    for (const format of exportFormats) {
      const exporter = exporters[format]
      expect(exporter.format).toBe(format)
      expect(exporter.contentType).toMatch(/charset=utf-8/)
      expect(exporter.render(weird).length).toBeGreaterThan(100)
    }
    expect(isExportFormat('csv')).toBe(true)
    expect(isExportFormat('xml')).toBe(false)
  })
})
