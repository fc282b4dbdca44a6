import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { scriptEvents, t0 } from './fixtures/events.js'

const run = promisify(execFile)
const cli = (args: string[]) =>
  run('node', ['dist/cli/main.js', ...args], { cwd: new URL('..', import.meta.url).pathname }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  )

describe('swarm-perf report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'swarm-perf-report-'))
  const log = join(dir, 'events.jsonl')
  const events = scriptEvents(
    ['a', 'b'],
    Array.from({ length: 40 }, (_, i) => ({
      taskId: `t${i}`,
      agentId: i % 2 ? 'a' : 'b',
      queuedAt: t0 + i * 100,
      startedAt: t0 + i * 100 + 5,
      serviceMs: 50 + i,
    })),
  )
  const lines = events.map((e) => JSON.stringify(e))
  lines.splice(5, 0, '{"type": "task:queued", "ts": ')
  lines.splice(9, 0, JSON.stringify({ type: 'task:completed', ts: t0, taskId: 'never', agentId: 'a' }))
  writeFileSync(log, `${lines.join('\n')}\n`)

  it('replays a log and prints the final snapshot with every bad line and its number', async () => {
    const { code, stdout } = await cli(['report', log])
    expect(code).toBe(0)
    const report = JSON.parse(stdout)
    expect(report.swarm.tasksCompleted).toBe(40)
    expect(report.swarm.eventsValid).toBe(events.length)
    expect(report.swarm.eventsInvalid).toBe(2)
    expect(report.errors).toEqual([
      { line: 6, code: 'JSONL_PARSE', message: expect.stringMatching(/^line 6 is not JSON/) },
      { line: 10, code: 'EVENT_UNKNOWN_TASK', message: "task 'never' was never queued or started" },
    ])
    for (const key of ['bottlenecks', 'insights', 'alerts', 'predictions', 'agents', 'alertHistory']) {
      expect(report).toHaveProperty(key)
    }
  })

  it('prints a table with --format table', async () => {
    const { code, stdout } = await cli(['report', log, '--format', 'table'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/agents 2 {2}completed 40/)
  })

  it('exits 2 with a clear message when the file is missing or not a file', async () => {
    for (const path of [join(dir, 'missing.jsonl'), dir]) {
      const { code, stderr } = await cli(['report', path])
      expect(code).toBe(2)
      expect(stderr).toMatch(/swarm-perf report: cannot read/)
    }
    expect((await cli(['report'])).code).toBe(2)
  })
})
