import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { lastValueFrom, toArray } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { paceByEventTime } from '../src/cli/commands/serve.js'
import { main } from '../src/cli/run-cli.js'
import { fromJsonl } from '../src/hosts/from-jsonl.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { makeEventLog, toJsonl } from './fixtures/event-log.js'

function startCli(...argv: string[]) {
  const controller = new AbortController()
  let out = ''
  let err = ''
  let announced: (url: string) => void
  const url = new Promise<string>((resolve) => (announced = resolve))
  const exit = main(argv, {
    out: (t) => {
      out += t
      const m = /dashboard (http:\/\/\S+)\//.exec(out)
      if (m) announced(m[1])
    },
    err: (t) => (err += t),
    signal: controller.signal,
  })
  return { url, exit, stop: () => controller.abort(), output: () => ({ out, err }) }
}

const dir = mkdtempSync(join(tmpdir(), 'swarm-perf-serve-'))
const file = join(dir, 'events.jsonl')
writeFileSync(file, toJsonl(makeEventLog({ seed: 3, agents: 3, tasks: 40 }).events))

describe('swarm-perf serve', () => {
  it('serves the replayed log on 127.0.0.1 until stopped, then exits 0', async () => {
    const run = startCli('serve', file, '--port', '0')
    const url = await Promise.race([run.url, run.exit.then((code) => `exited ${code}: ${run.output().err}`)])
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    // The replay runs as fast as the file reads; poll until it is in (bounded), then check the figures.
    let completed = 0
    for (let i = 0; i < 100 && completed < 40; i++) {
      completed = (await (await fetch(`${url}/api/snapshot`)).json()).swarm.tasksCompleted
      if (completed < 40) await new Promise((r) => setTimeout(r, 50))
    }
    expect(completed).toBe(40)
    const metrics = await (await fetch(`${url}/metrics`)).text()
    expect(metrics).toContain('swarm_perf_tasks_completed_total 40')
    expect((await fetch(`${url}/`)).status).toBe(200)
    run.stop()
    expect(await run.exit).toBe(0)
    await expect(fetch(`${url}/metrics`)).rejects.toThrow()
  })

  it('wants the token when given one', async () => {
    const run = startCli('serve', file, '--port', '0', '--token', 'sixteen-chars-or-more')
    const url = await run.url
    expect((await fetch(`${url}/api/snapshot`)).status).toBe(401)
    const ok = await fetch(`${url}/api/snapshot`, { headers: { Authorization: 'Bearer sixteen-chars-or-more' } })
    expect(ok.status).toBe(200)
    run.stop()
    expect(await run.exit).toBe(0)
  })

  it('exits 1 when the port is taken and 2 for bad usage or a missing file', async () => {
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const port = (blocker.address() as { port: number }).port
    const taken = startCli('serve', file, '--port', String(port))
    expect(await taken.exit).toBe(1)
    expect(taken.output().err).toContain('cannot listen')
    blocker.close()
    const speed = startCli('serve', file, '--speed', '0')
    expect(await speed.exit).toBe(2)
    const missing = startCli('serve', join(dir, 'nope.jsonl'))
    expect(await missing.exit).toBe(2)
    expect(missing.output().err).toContain("cannot read '")
    const token = startCli('serve', file, '--port', '0', '--token', 'short')
    expect(await token.exit).toBe(2)
    expect(token.output().err).toContain('token: must be at least 16 characters')
    const directory = startCli('serve', dir, '--port', '0')
    expect(await directory.exit).toBe(2)
    expect(directory.output().err).toContain('it is a directory')
    // An empty value is not 0 (Number('') is): no random port, no cap of zero series.
    for (const flags of [
      ['--port', ''],
      ['--port', '70000'],
      ['--max-agent-series', ''],
    ]) {
      const bad = startCli('serve', file, ...flags)
      expect(await bad.exit).toBe(2)
      expect(bad.output().err).toMatch(/must be a whole number/)
    }
  })
})

describe('fromJsonl', () => {
  it('ends the stream with an error, not a throw, when the path cannot be read as a file', async () => {
    const adapter = fromJsonl(dir)
    await expect(lastValueFrom(adapter.events$, { defaultValue: null })).rejects.toThrow(/EISDIR/)
  })

  it('reads the log once for every subscriber, so a tap beside the monitor does not count a bad line twice', async () => {
    const log = join(dir, 'tapped.jsonl')
    writeFileSync(
      log,
      '{"type":"agent:joined","ts":0,"agentId":"a"}\nnot json\n{"type":"agent:joined","ts":1,"agentId":"b"}\n',
    )
    const adapter = fromJsonl(log)
    const tapped: unknown[] = []
    adapter.events$.subscribe((e) => tapped.push(e))
    const session = createSwarmMonitor({ idleTicks: false }).attach(adapter)
    const errors = lastValueFrom(session.errors$.pipe(toArray()))
    const final = await lastValueFrom(session.snapshots$)
    expect((await errors).map((e) => [e.code, e.line])).toEqual([['JSONL_PARSE', 2]])
    expect(final.swarm).toMatchObject({ agents: 2, eventsValid: 2, eventsInvalid: 1 })
    expect(tapped).toHaveLength(2)
  })
})

describe('serve --speed', () => {
  it('replays events at their event-time pace divided by the speed (virtual time)', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
    scheduler.run(({ cold, expectObservable }) => {
      const e = (ts: number) => ({ type: 'x', ts })
      // Read all at once from the file; paced to 0, 1000/2 and 3000/2 ms of wall time.
      const source = cold('(abc|)', { a: e(10_000), b: e(11_000), c: e(13_000) })
      expectObservable(paceByEventTime(source, 2, scheduler)).toBe('a 499ms b 999ms (c|)', {
        a: e(10_000),
        b: e(11_000),
        c: e(13_000),
      })
    })
  })
})
