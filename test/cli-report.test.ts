import { execFile } from 'node:child_process'
import { createWriteStream, mkdtempSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { fromJsonl } from '../src/hosts/from-jsonl.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { replayJsonl } from '../src/monitor/replay.js'
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

  it('gives the line number of a line that is JSON but not an object, and reads past a byte-order mark', async () => {
    const bad = join(dir, 'bare-values.jsonl')
    writeFileSync(bad, `\ufeff${[lines[0], '42', '"str"', 'null', ...lines.slice(1)].join('\n')}\n`)
    const report = JSON.parse((await cli(['report', bad])).stdout)
    expect(report.swarm.eventsValid).toBe(events.length)
    expect(report.errors.filter((e: { line: number }) => e.line <= 4)).toEqual([
      { line: 2, code: 'EVENT_SCHEMA', message: expect.stringMatching(/line 2 is a number, not an event/) },
      { line: 3, code: 'EVENT_SCHEMA', message: expect.stringMatching(/line 3 is a string, not an event/) },
      { line: 4, code: 'EVENT_SCHEMA', message: expect.stringMatching(/line 4 is null, not an event/) },
    ])
  })

  it('replays a pipe that stalls exactly as the file: no idle tick on wall time', async () => {
    // tickMs 20: with idle ticks on, the 200 ms stall below would tick the replay about ten times.
    const config = { tickMs: 20 }
    const fromFile = await replayJsonl(log, config)
    const fifo = join(dir, 'events.fifo')
    await run('mkfifo', [fifo])
    const replaying = replayJsonl(fifo, config)
    const writer = createWriteStream(fifo)
    writer.write(`${lines.slice(0, 20).join('\n')}\n`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    writer.end(`${lines.slice(20).join('\n')}\n`)
    const fromPipe = await replaying
    expect(fromPipe.history.map((s) => s.at)).toEqual(fromFile.history.map((s) => s.at))
    expect(fromPipe.snapshot).toEqual(fromFile.snapshot)
    expect(fromPipe.reassignments).toEqual(fromFile.reassignments)
  })

  it('gives a monitor attached to fromJsonl no idle ticks, whatever its config: a stalled pipe replays as the file', async () => {
    const replay = async (path: string, feed?: () => Promise<void>) => {
      const session = createSwarmMonitor({ tickMs: 20 }).attach(fromJsonl(path))
      const snapshots = lastValueFrom(session.snapshots$.pipe(toArray()))
      await feed?.()
      return (await snapshots).map((s) => s.at)
    }
    const fifo = join(dir, 'attached.fifo')
    await run('mkfifo', [fifo])
    const fromPipe = await replay(fifo, async () => {
      const writer = createWriteStream(fifo)
      writer.write(`${lines.slice(0, 20).join('\n')}\n`)
      await new Promise((resolve) => setTimeout(resolve, 200))
      writer.end(`${lines.slice(20).join('\n')}\n`)
    })
    expect(fromPipe).toEqual(await replay(log))
  })

  it('closes the file of a replay disposed before its end', async () => {
    const big = join(dir, 'big.jsonl')
    writeFileSync(big, `${Array.from({ length: 200_000 }, () => lines[0]).join('\n')}\n`)
    const open = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === big
        } catch {
          return false
        }
      }).length
    for (let i = 0; i < 3; i++) {
      const session = createSwarmMonitor().attach(fromJsonl(big))
      await new Promise((resolve) => setTimeout(resolve, 20))
      session.dispose()
    }
    // Closing is I/O: wait for it, with a deadline.
    for (let waited = 0; open() > 0 && waited < 2000; waited += 20) await new Promise((r) => setTimeout(r, 20))
    expect(open()).toBe(0)
  })

  it('exits 2 with a clear message when the file is missing or a directory', async () => {
    for (const path of [join(dir, 'missing.jsonl'), dir]) {
      const { code, stderr } = await cli(['report', path])
      expect(code).toBe(2)
      expect(stderr).toMatch(/swarm-perf report: cannot read/)
    }
    expect((await cli(['report'])).code).toBe(2)
    // A second file was ignored in silence; export already refused it.
    expect(await cli(['report', log, log])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/give one events file/),
    })
  })

  it("replays a log stamped ahead of today's clock as it will any other day (no future check on a recording)", async () => {
    const ahead = join(dir, 'ahead.jsonl')
    const ts = Date.now() + 30 * 86_400_000
    writeFileSync(
      ahead,
      [
        { type: 'agent:joined', ts, agentId: 'a' },
        { type: 'task:started', ts, taskId: 't', agentId: 'a' },
        { type: 'task:completed', ts: ts + 5, taskId: 't', agentId: 'a' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n'),
    )
    const { snapshot, errors } = await replayJsonl(ahead)
    expect(errors).toEqual([])
    expect(snapshot.swarm).toMatchObject({ eventsValid: 3, eventsInvalid: 0, tasksCompleted: 1 })
  })

  it('exits 2 when a path that looks readable fails to open (a Unix socket)', async () => {
    // It passed the access and stat check and failed only when read: exit 0 with an empty snapshot before.
    const socket = join(dir, 'events.sock')
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(socket, resolve))
    try {
      for (const args of [
        ['report', socket],
        ['export', '--format', 'json', socket],
      ]) {
        const { code, stderr } = await cli(args)
        expect(code, args.join(' ')).toBe(2)
        expect(stderr).toMatch(/cannot read .*events\.sock/)
      }
    } finally {
      server.close()
    }
  })
})
