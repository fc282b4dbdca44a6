import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { quality, type SwarmServer, startSwarmServer } from '../src/server/swarm-server.js'
import { fakeSession } from './fixtures/fake-session.js'
import { promtoolCheck } from './fixtures/promtool.js'
import { makeAgent, makeSnapshot } from './fixtures/snapshot.js'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** A raw HTTP request (fetch would normalise `..` and refuse some methods), path sent exactly as given. */
function call(
  server: SwarmServer,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: server.port, path, method: init.method ?? 'GET', headers: init.headers },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(init.body)
  })
}

/** Reads Server-Sent Events until `until` says stop; returns the events seen. */
function readEvents(
  server: SwarmServer,
  path: string,
  until: (events: Array<{ event: string; data: unknown }>) => boolean,
  onOpen?: () => void,
): Promise<Array<{ event: string; data: unknown }>> {
  return new Promise((resolve, reject) => {
    const seen: Array<{ event: string; data: unknown }> = []
    const req = request({ host: '127.0.0.1', port: server.port, path }, (res) => {
      expect(res.headers['content-type']).toMatch(/^text\/event-stream/)
      let buffer = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const frame = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(frame)?.[1]
          const data = /^data: (.*)$/m.exec(frame)?.[1]
          if (event && data) seen.push({ event, data: JSON.parse(data) })
          end = buffer.indexOf('\n\n')
        }
        if (seen.length === 1 && onOpen) onOpen()
        if (until(seen)) {
          req.destroy()
          resolve(seen)
        }
      })
    })
    req.on('error', (e) => (e.message === 'socket hang up' ? resolve(seen) : reject(e)))
    req.end()
  })
}

const servers: SwarmServer[] = []
async function start(...args: Parameters<typeof startSwarmServer>) {
  const server = await startSwarmServer(args[0], { port: 0, ...args[1] })
  servers.push(server)
  return server
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()))
})

const snapshot = makeSnapshot(5)
snapshot.agents.push(makeAgent(9, { agentId: 'agent/with spaces' }))

describe('HTTP server endpoints', () => {
  it('binds 127.0.0.1 unless told otherwise', async () => {
    const server = await start(fakeSession(snapshot).source)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    expect((server.server.address() as { address: string }).address).toBe('127.0.0.1')
  })

  it('serves /metrics in the 0.0.4 text format that promtool accepts, OpenMetrics when asked', async () => {
    const server = await start(fakeSession(snapshot).source)
    const text = await call(server, '/metrics')
    expect(text.status).toBe(200)
    expect(text.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    expect(promtoolCheck(text.body).problems).toEqual([])
    const om = await call(server, '/metrics', {
      headers: { Accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' },
    })
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8')
    expect(om.body.endsWith('# EOF\n')).toBe(true)
    // The answer depends on Accept, so caches must key on it; and q=0 refuses a format.
    expect(om.headers.vary).toBe('Accept, Accept-Encoding')
    const refused = await call(server, '/metrics', {
      headers: { Accept: 'text/plain;version=0.0.4, application/openmetrics-text;q=0' },
    })
    expect(refused.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
    const ranked = await call(server, '/metrics', {
      headers: { Accept: 'application/openmetrics-text;q=0.3, text/plain;q=0.9' },
    })
    expect(ranked.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8')
  })

  it('reads q in Accept and Accept-Encoding', () => {
    expect(quality('gzip;q=0, identity', ['gzip'])).toBe(0)
    expect(quality('deflate, GZIP;q=0.5', ['gzip'])).toBe(0.5)
    expect(quality('text/*;q=0.2, */*;q=0.1', ['text/plain', 'text/*', '*/*'])).toBe(0.2)
    expect(quality('application/json', ['text/plain', 'text/*', '*/*'])).toBe(-1)
    expect(quality(undefined, ['gzip'])).toBe(-1)
  })

  it('gzips /metrics for scrapers that accept it, the same text underneath', async () => {
    const server = await start(fakeSession(makeSnapshot(50)).source)
    const plain = await call(server, '/metrics')
    const zipped = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: '/metrics', headers: { 'Accept-Encoding': 'gzip' } },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }))
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(zipped.encoding).toBe('gzip')
    expect(zipped.body.length).toBeLessThan(Buffer.byteLength(plain.body) / 4)
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(plain.body)
  })

  it('serves the snapshot, one agent by (encoded) id, and each export format', async () => {
    const session = fakeSession(snapshot)
    const server = await start(session.source)
    const s = await call(server, '/api/snapshot')
    expect(s.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(s.body)).toEqual(snapshot)
    const agent = await call(server, `/api/agents/${encodeURIComponent('agent/with spaces')}`)
    expect(agent.status).toBe(200)
    expect(JSON.parse(agent.body).agentId).toBe('agent/with spaces')
    const csv = await call(server, '/api/export?format=csv')
    expect(csv.headers['content-type']).toMatch(/^text\/csv/)
    expect(csv.headers['content-disposition']).toBe('inline; filename="swarm-perf.csv"')
    expect(csv.body.split('\r\n')).toHaveLength(snapshot.agents.length + 2)
    for (const format of ['prometheus', 'openmetrics', 'json', 'grafana'])
      expect((await call(server, `/api/export?format=${format}`)).status).toBe(200)
    // A newer snapshot is what the next request sees.
    session.push({ ...snapshot, seq: 43 })
    expect(JSON.parse((await call(server, '/api/snapshot')).body).seq).toBe(43)
    const history = JSON.parse((await call(server, '/api/history')).body)
    expect(history.map((p: { at: number }) => p.at)).toEqual([snapshot.at, snapshot.at])
  })

  it('serves the dashboard page and its vendored chart library from its own folder', async () => {
    const server = await start(fakeSession(snapshot).source)
    const page = await call(server, '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(page.headers['content-security-policy']).toContain("default-src 'self'")
    expect(page.body).toContain('vendor/uPlot.iife.min.js')
    expect(page.body).not.toMatch(/https?:\/\/(?!127)/)
    const lib = await call(server, '/vendor/uPlot.iife.min.js')
    expect(lib.status).toBe(200)
    expect(lib.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(lib.body).toContain('uPlot')
    const head = await call(server, '/dashboard.js', { method: 'HEAD' })
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
  })
})

describe('snapshot freshness under many scrapers', () => {
  it('builds at most one snapshot per refresh period however many scrapers ask, or one per request at 0', async () => {
    const session = fakeSession(snapshot)
    let builds = 0
    const counting = {
      ...session.source,
      snapshot: () => {
        builds++
        return session.source.snapshot()
      },
    }
    const server = await start(counting, { snapshotRefreshMs: 60_000 })
    const replies = await Promise.all(Array.from({ length: 20 }, () => call(server, '/metrics')))
    expect(new Set(replies.map((r) => r.body)).size).toBe(1)
    // The snapshot the stream delivered is fresh: nothing had to be built.
    expect(builds).toBe(0)

    const eager = await start(counting, { snapshotRefreshMs: 0 })
    await Promise.all(Array.from({ length: 5 }, () => call(eager, '/api/snapshot')))
    expect(builds).toBe(5)
  })
})

describe('Server-Sent Events', () => {
  it('sends the latest snapshot first, then alerts, insights, reassignments and snapshots as they come', async () => {
    const session = fakeSession(snapshot)
    const server = await start(session.source, { eventMinIntervalMs: 0 })
    const alert = { ...snapshot.alerts[0], state: 'resolved' as const }
    const reassignment = {
      taskId: 't1',
      fromAgentId: 'agent-1',
      toAgentId: 'agent-2',
      reason: 'rebalance',
      expectedGainMs: 120,
      at: 5,
    }
    const events = await readEvents(
      server,
      '/api/events',
      (seen) => seen.some((e) => e.event === 'end'),
      () => {
        session.alert(alert)
        session.insight(snapshot.insights[0])
        session.reassign(reassignment)
        session.push({ ...snapshot, seq: 99 })
        session.end()
      },
    )
    expect(events.map((e) => e.event)).toEqual(['snapshot', 'alert', 'insight', 'reassignment', 'snapshot', 'end'])
    expect(events[0].data).toEqual(snapshot)
    expect(events[1].data).toEqual(alert)
    expect(events[3].data).toEqual(reassignment)
    expect((events[4].data as { seq: number }).seq).toBe(99)
  })

  it('sends the last snapshot and end to a client that arrives after the session ended', async () => {
    const session = fakeSession(snapshot)
    const server = await start(session.source)
    session.end()
    const events = await readEvents(server, '/api/events', (seen) => seen.length >= 2)
    expect(events.map((e) => e.event)).toEqual(['snapshot', 'end'])
    expect((await call(server, '/api/snapshot')).status).toBe(200)
  })
})

describe('HTTP server error cases', () => {
  it('answers 404 for unknown endpoints, agents and files', async () => {
    const server = await start(fakeSession(snapshot).source)
    for (const path of ['/api/nothing', '/api/agents/nobody', '/nothing.html', '/vendor/LICENSE-uPlot']) {
      const r = await call(server, path)
      expect(r.status, path).toBe(404)
      expect(JSON.parse(r.body).error.status).toBe(404)
    }
    expect(JSON.parse((await call(server, '/api/agents/nobody')).body).error.message).toBe(
      "no agent 'nobody' in the latest snapshot",
    )
  })

  it('serves nothing outside its folder, however the path is spelled', async () => {
    const server = await start(fakeSession(snapshot).source)
    for (const path of [
      '/../package.json',
      '/../../package.json',
      '/%2e%2e/%2e%2e/package.json',
      '/vendor/../../swarm-server.ts',
      '/vendor/..%2f..%2fswarm-server.ts',
      '/..%5c..%5cpackage.json',
      '/static-files.ts',
      '//etc/passwd',
      '/%00index.html',
    ]) {
      const r = await call(server, path)
      expect(r.status, path).toBe(404)
      expect(r.body).not.toContain('"name": "swarm-perf"')
      expect(r.body).not.toContain('import')
    }
  })

  it('answers 400 for an unknown export format and for malformed percent-encoding', async () => {
    const server = await start(fakeSession(snapshot).source)
    const bad = await call(server, '/api/export?format=xml')
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body).error.message).toBe(
      "query parameter format must be one of prometheus, openmetrics, json, csv, grafana; got 'xml'",
    )
    expect((await call(server, '/api/export')).status).toBe(400)
    expect((await call(server, '/api/agents/%E0%A4%A')).status).toBe(400)
  })

  it('answers 405 with Allow for anything but GET and HEAD', async () => {
    const server = await start(fakeSession(snapshot).source)
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      const r = await call(server, '/api/snapshot', { method })
      expect(r.status, method).toBe(405)
      expect(r.headers.allow).toBe('GET, HEAD')
    }
  })

  it('answers 413 for a body over the limit and 414 for an overlong target', async () => {
    const server = await start(fakeSession(snapshot).source, { maxRequestBytes: 16, maxUrlLength: 100 })
    const big = await call(server, '/api/snapshot', { headers: { 'Content-Length': '64' }, body: 'x'.repeat(64) })
    expect(big.status).toBe(413)
    expect((await call(server, `/api/snapshot?${'a'.repeat(200)}`)).status).toBe(414)
  })

  it('answers 408 when a request does not arrive within the time limit', async () => {
    const server = await start(fakeSession(snapshot).source, { requestTimeoutMs: 300, headersTimeoutMs: 200 })
    // Real time has to pass for a real socket to time out; nothing here asserts how long it took.
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(server.port, '127.0.0.1', () => socket.write('GET /api/snapshot HTTP/1.1\r\nHost: x\r\n'))
      let text = ''
      socket.on('data', (d) => (text += d))
      socket.on('close', () => resolve(text))
    })
    expect(reply).toMatch(/^HTTP\/1\.1 408/)
  })

  it('with a token, wants it on data endpoints (header or access_token) and keeps the page open', async () => {
    const token = 'a-long-enough-secret-token'
    const server = await start(fakeSession(snapshot).source, { token })
    for (const path of ['/metrics', '/api/snapshot', '/api/events', '/api/export?format=csv']) {
      const r = await call(server, path)
      expect(r.status, path).toBe(401)
      expect(r.headers['www-authenticate']).toBe('Bearer realm="swarm-perf"')
    }
    expect(
      (await call(server, '/metrics', { headers: { Authorization: 'Bearer wrong-wrong-wrong-wrong' } })).status,
    ).toBe(401)
    expect((await call(server, '/metrics', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200)
    expect((await call(server, '/metrics', { headers: { Authorization: `bearer ${token}` } })).status).toBe(200)
    expect((await call(server, `/api/snapshot?access_token=${token}`)).status).toBe(200)
    expect((await call(server, '/')).status).toBe(200)
  })

  it('refuses a token too short to be a secret', async () => {
    await expect(startSwarmServer(fakeSession(snapshot).source, { token: 'short' })).rejects.toThrow(
      'invalid server options: token: must be at least 16 characters',
    )
  })

  it('answers 503 before the first snapshot and past the event-client limit', async () => {
    const empty = await start(fakeSession().source)
    const r = await call(empty, '/api/snapshot')
    expect(r.status).toBe(503)
    expect(JSON.parse(r.body).error.message).toBe('no snapshot yet: the session has not produced one')

    const server = await start(fakeSession(snapshot).source, { maxEventClients: 1 })
    const holder = request({ host: '127.0.0.1', port: server.port, path: '/api/events' })
    const opened = new Promise<void>((resolve) => holder.on('response', () => resolve()))
    holder.on('error', () => {})
    holder.end()
    await opened
    const second = await call(server, '/api/events')
    expect(second.status).toBe(503)
    expect(second.headers['retry-after']).toBe('10')
    holder.destroy()
  })
})

describe('the dashboard ships with the package', () => {
  it('vendors uPlot byte for byte from the installed package, with its license', () => {
    const vendor = new URL('../src/server/static/vendor/', import.meta.url)
    const installed = new URL('../node_modules/uplot/', import.meta.url)
    for (const file of ['uPlot.iife.min.js', 'uPlot.min.css'])
      expect(readFileSync(new URL(file, vendor)).equals(readFileSync(new URL(`dist/${file}`, installed)))).toBe(true)
    expect(readFileSync(new URL('LICENSE-uPlot', vendor), 'utf8')).toContain('MIT')
  })

  it('npm pack includes the page, its scripts and the vendored library (after npm run build)', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: new URL('../', import.meta.url),
      encoding: 'utf8',
    })
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path)
    for (const file of [
      'index.html',
      'dashboard.js',
      'dashboard.css',
      'vendor/uPlot.iife.min.js',
      'vendor/LICENSE-uPlot',
    ])
      expect(files).toContain(`dist/server/static/${file}`)
  })
})

describe('DNS rebinding', () => {
  it('bound to loopback, answers only requests addressed to a loopback name', async () => {
    const server = await start(fakeSession(snapshot).source)
    const evil = await call(server, '/api/snapshot', { headers: { Host: `attacker.example:${server.port}` } })
    expect(evil.status).toBe(403)
    expect(JSON.parse(evil.body).error.message).toContain("host 'attacker.example' not allowed")
    for (const host of [`localhost:${server.port}`, `127.0.0.1:${server.port}`, '[::1]'])
      expect((await call(server, '/api/snapshot', { headers: { Host: host } })).status, host).toBe(200)
    const listed = await start(fakeSession(snapshot).source, { allowedHosts: ['swarm.internal'] })
    expect((await call(listed, '/metrics', { headers: { Host: 'swarm.internal:9464' } })).status).toBe(200)
    expect((await call(listed, '/metrics')).status).toBe(403)
  })
})
