import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { grafanaDashboard, toGrafanaDashboard } from '../src/exporters/to-grafana-dashboard.js'
import { toPrometheus } from '../src/exporters/to-prometheus.js'
import { makeSnapshot } from './fixtures/snapshot.js'

/** The parts of Grafana's classic dashboard JSON model that an import depends on. */
const datasourceRef = z.object({ type: z.literal('prometheus'), uid: z.literal('$' + '{datasource}') })
const gridPos = z.object({
  h: z.number().int().positive(),
  w: z.number().int().min(1).max(24),
  x: z.number().int().min(0).max(23),
  y: z.number().int().min(0),
})
const panelSchema = z.object({
  id: z.number().int().positive(),
  type: z.enum(['timeseries', 'stat', 'table', 'bargauge', 'state-timeline']),
  title: z.string().min(1),
  gridPos,
  datasource: datasourceRef,
  targets: z
    .array(z.object({ refId: z.string().regex(/^[A-Z]$/), expr: z.string().min(1), datasource: datasourceRef }))
    .min(1),
  fieldConfig: z.object({ defaults: z.object({ unit: z.string() }).loose(), overrides: z.array(z.unknown()) }),
  options: z.record(z.string(), z.unknown()),
})
const dashboardSchema = z.object({
  __inputs: z.array(z.unknown()).optional(),
  id: z.null(),
  uid: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/),
  title: z.string().min(1),
  schemaVersion: z.number().int().min(38),
  version: z.number().int(),
  editable: z.boolean(),
  time: z.object({ from: z.string(), to: z.string() }),
  refresh: z.string(),
  annotations: z.object({ list: z.array(z.unknown()) }),
  templating: z.object({
    list: z
      .array(z.object({ name: z.string(), type: z.string() }).loose())
      .refine(
        (list) => list.some((v) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'),
        {
          message: 'needs a datasource template variable of type prometheus',
        },
      ),
  }),
  panels: z.array(panelSchema).min(1),
})

describe('Grafana dashboard', () => {
  const snapshot = makeSnapshot(4)

  it('checks against the dashboard schema', () => {
    const parsed = dashboardSchema.safeParse(JSON.parse(toGrafanaDashboard(snapshot)))
    expect(parsed.error?.issues ?? []).toEqual([])
  })

  it('the schema rejects what Grafana would not import', () => {
    const d = JSON.parse(toGrafanaDashboard(snapshot))
    expect(dashboardSchema.safeParse({ ...d, schemaVersion: 27 }).success).toBe(false)
    expect(dashboardSchema.safeParse({ ...d, templating: { list: [] } }).success).toBe(false)
    expect(
      dashboardSchema.safeParse({ ...d, panels: [{ ...d.panels[0], gridPos: { h: 4, w: 30, x: 0, y: 0 } }] }).success,
    ).toBe(false)
  })

  it('has the panels the issue lists, with unique ids and no overlap', () => {
    const d = grafanaDashboard(snapshot)
    const titles = d.panels.map((p) => p.title.toLowerCase())
    for (const wanted of ['throughput', 'p95 / p99', 'error rate', 'imbalance', 'efficiency per agent', 'alerts'])
      expect(titles.some((t) => t.includes(wanted))).toBe(true)
    expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length)
    const cells = new Set<string>()
    for (const p of d.panels)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false)
          cells.add(`${x},${y}`)
        }
  })

  it('takes p95/p99 with histogram_quantile over buckets summed by le across instances', () => {
    const exprs = grafanaDashboard(snapshot).panels.flatMap((p) => p.targets.map((t) => t.expr))
    expect(exprs).toContain(
      'histogram_quantile(0.99, sum by (le) (rate(swarm_perf_response_time_seconds_bucket{instance=~"$instance"}[$__rate_interval])))',
    )
    expect(exprs.some((e) => e.startsWith('histogram_quantile(0.95'))).toBe(true)
  })

  it('queries only metrics the Prometheus exporter exposes, with the label the options choose', () => {
    for (const agentLabel of ['id', 'role', 'none'] as const) {
      const exposed = new Set(
        [...toPrometheus(snapshot, { agentLabel }).matchAll(/^(swarm_perf_[a-z0-9_]+?)(?:\{| )/gm)].map((m) => m[1]),
      )
      const exprs = grafanaDashboard(snapshot, { agentLabel }).panels.flatMap((p) => p.targets.map((t) => t.expr))
      for (const expr of exprs)
        for (const [name] of expr.matchAll(/swarm_perf_[a-z0-9_]+/g))
          expect(exposed, `${name} in ${expr}`).toContain(name)
      if (agentLabel === 'role') expect(exprs.some((e) => e.includes('avg by (role)'))).toBe(true)
    }
  })
})
