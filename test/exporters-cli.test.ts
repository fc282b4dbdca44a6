import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../src/cli/run-cli.js'
import { makeEventLog, toJsonl } from './fixtures/event-log.js'
import { openMetricsProblems, promtoolCheck } from './fixtures/promtool.js'

async function cli(...argv: string[]) {
  let out = ''
  let err = ''
  const code = await main(argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    signal: new AbortController().signal,
  })
  return { code, out, err }
}

const dir = mkdtempSync(join(tmpdir(), 'swarm-perf-export-'))
const log = makeEventLog({ seed: 7, agents: 4, tasks: 60 })
const file = join(dir, 'events.jsonl')
writeFileSync(file, `${toJsonl(log.events)}{ not json\n`)

describe('swarm-perf export', () => {
  it('writes Prometheus text that promtool accepts, with the replay totals', async () => {
    const r = await cli('export', '--format', 'prometheus', file)
    expect(r.code).toBe(0)
    expect(promtoolCheck(r.out).problems).toEqual([])
    expect(r.out).toContain('\nswarm_perf_tasks_completed_total 60\n')
    expect(r.out).toContain('\nswarm_perf_service_time_seconds_count 60\n')
    expect(r.out).toContain('agent_id="agent-3"')
  })

  it('reports a bad line on stderr with its line number and still writes the rest', async () => {
    const r = await cli('export', '--format', 'openmetrics', '--agent-label', 'role', file)
    expect(r.code).toBe(0)
    expect(r.err).toContain(`JSONL_PARSE (line ${log.events.length + 1})`)
    expect(openMetricsProblems(r.out)).toEqual([])
    expect(r.out).toContain('role="coder"')
  })

  it('writes CSV with one row per agent, JSON, and a Grafana dashboard without a log', async () => {
    const csv = await cli('export', '--format', 'csv', file)
    expect(csv.out.trimEnd().split('\r\n')).toHaveLength(5)
    const json = JSON.parse((await cli('export', '--format', 'json', file)).out)
    expect(json.swarm.tasksCompleted).toBe(60)
    const grafana = await cli('export', '--format', 'grafana')
    expect(grafana.code).toBe(0)
    expect(JSON.parse(grafana.out).schemaVersion).toBeGreaterThanOrEqual(38)
  })

  it('reads the log from stdin with -, as from a file', () => {
    const r = spawnSync('node', ['dist/cli/main.js', 'export', '--format', 'json', '-'], {
      cwd: new URL('..', import.meta.url).pathname,
      input: readFileSync(file),
      encoding: 'utf8',
    })
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout).swarm.tasksCompleted).toBe(60)
    expect(r.stderr).toContain(`JSONL_PARSE (line ${log.events.length + 1})`)
  })

  it('exits 2 with the usage for a bad format, a bad option or a missing file', async () => {
    const bad = await cli('export', '--format', 'xml', file)
    expect(bad.code).toBe(2)
    expect(bad.err).toContain("unknown format 'xml'")
    expect(bad.err).toContain('Usage: swarm-perf export')
    const label = await cli('export', '--format', 'prometheus', '--agent-label', 'pod', file)
    expect(label.code).toBe(2)
    expect(label.err).toContain('invalid export options: agentLabel')
    const missing = await cli('export', '--format', 'csv', join(dir, 'nope.jsonl'))
    expect(missing.code).toBe(2)
    expect(missing.err).toContain("cannot read '")
    expect((await cli('export', '--format', 'csv', '--max-agent-series', '-3', file)).code).toBe(2)
  })
})
