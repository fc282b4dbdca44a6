import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import type { Observable, Subscription } from 'rxjs'
import { type ExportFormat, exporters, exportFormats, isExportFormat } from '../exporters/index.js'
import { DroppedSeriesCounter } from '../exporters/metric-families.js'
import type { SwarmSession } from '../model/session.js'
import type { SwarmSnapshot } from '../model/snapshot.js'
import { parseServerOptions, type ServerOptions, type ServerOptionsInput } from './config.js'
import { EventStream } from './event-stream.js'
import { loadStaticFiles, type StaticFile } from './static-files.js'

/**
 * What the server reads: a SwarmSession satisfies it, and so does any object with the latest snapshot and the
 * session's streams, so the server never depends on how the monitor is built.
 */
export type SnapshotSource = Pick<SwarmSession, 'snapshot' | 'snapshots$' | 'alerts$' | 'reassignments$'> & {
  readonly insights$?: Observable<unknown>
  history?(): readonly SwarmSnapshot[]
}

export interface SwarmServer {
  /** e.g. `http://127.0.0.1:9464`. */
  readonly url: string
  readonly port: number
  readonly server: Server
  /** Ends the event streams and stops listening. */
  close(): Promise<void>
}

export interface SwarmRequestHandler {
  (req: IncomingMessage, res: ServerResponse): void
  /** Stop following the source and end the event streams. */
  dispose(): void
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

const securityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
}
const pageHeaders = {
  ...securityHeaders,
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
}

const digest = (text: string) => createHash('sha256').update(text).digest()

/**
 * The request handler behind `swarm-perf serve`, usable inside your own node:http server:
 * `/metrics` (Prometheus 0.0.4, or OpenMetrics when the scraper asks for it), `/api/snapshot`, `/api/agents/:id`,
 * `/api/history`, `/api/export?format=`, `/api/events` (Server-Sent Events: `snapshot`, `alert`, `insight`,
 * `reassignment`, `end`) and the dashboard page with its static files. GET and HEAD only; everything else is a 4xx.
 */
export function createSwarmRequestHandler(
  source: SnapshotSource,
  input?: ServerOptionsInput | ServerOptions,
): SwarmRequestHandler {
  const options = parseServerOptions(input)
  const files = loadStaticFiles()
  const hosts = acceptedHosts(options)
  const events = new EventStream(options.heartbeatMs)
  const dropped = new DroppedSeriesCounter()
  const tokenDigest = options.token === undefined ? null : digest(options.token)
  let latest: SwarmSnapshot | null = null
  /** Wall time at which `latest` was taken. */
  let latestTakenAt = 0
  let ended = false
  // One rendering per snapshot and format, however many scrapers ask for it.
  const rendered = new Map<string, { snapshot: SwarmSnapshot; bytes: Buffer; gzip?: Buffer }>()
  const sendRendered = (req: IncomingMessage, res: ServerResponse, format: ExportFormat, snapshot: SwarmSnapshot) => {
    let entry = rendered.get(format)
    if (entry?.snapshot !== snapshot) {
      const text = exporters[format].render(snapshot, options.export, { droppedSeries: dropped })
      entry = { snapshot, bytes: Buffer.from(text, 'utf8') }
      rendered.set(format, entry)
    }
    // Prometheus asks for gzip; large expositions shrink about tenfold. Compressed once per snapshot, too.
    const gzip = entry.bytes.length >= 4096 && quality(req.headers['accept-encoding'], ['gzip']) > 0
    if (gzip) entry.gzip ??= gzipSync(entry.bytes, { level: 1 })
    sendBytes(req, res, 200, exporters[format].contentType, gzip ? entry.gzip! : entry.bytes, {
      Vary: 'Accept, Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    })
  }

  // Snapshots go out at most every eventMinIntervalMs; the latest one wins.
  let lastSentAt = 0
  let pending: NodeJS.Timeout | null = null
  const sendLatest = () => {
    pending = null
    lastSentAt = Date.now()
    if (latest) events.send('snapshot', latest)
  }
  const subscriptions: Subscription[] = [
    source.snapshots$.subscribe({
      next: (snapshot) => {
        latest = snapshot
        latestTakenAt = Date.now()
        const wait = options.eventMinIntervalMs - (Date.now() - lastSentAt)
        if (wait <= 0) sendLatest()
        else if (!pending) {
          pending = setTimeout(sendLatest, wait)
          pending.unref()
        }
      },
      complete: () => {
        // A snapshot still waiting for its slot goes out before the end.
        if (pending) {
          clearTimeout(pending)
          sendLatest()
        }
        ended = true
        events.send('end', { at: latest?.at ?? null })
      },
      error: () => {
        ended = true
        events.send('end', { at: latest?.at ?? null })
      },
    }),
    source.alerts$.subscribe({ next: (alert) => events.send('alert', alert), error: () => {} }),
    source.reassignments$.subscribe({ next: (r) => events.send('reassignment', r), error: () => {} }),
  ]
  if (source.insights$)
    subscriptions.push(source.insights$.subscribe({ next: (i) => events.send('insight', i), error: () => {} }))

  /** The session's latest snapshot, fresh within snapshotRefreshMs; after the session ended, its last one. */
  const currentSnapshot = (): SwarmSnapshot => {
    if (!ended && (latest === null || Date.now() - latestTakenAt >= options.snapshotRefreshMs)) {
      try {
        latest = source.snapshot()
        latestTakenAt = Date.now()
      } catch {
        // A disposed session may refuse; the last snapshot seen still stands.
      }
    }
    if (!latest) throw new HttpError(503, 'no snapshot yet: the session has not produced one')
    return latest
  }

  const authorised = (req: IncomingMessage, url: URL): boolean => {
    if (!tokenDigest) return true
    const header = req.headers.authorization
    // The scheme is case-insensitive (RFC 7235).
    const given = /^bearer /i.test(header ?? '') ? (header as string).slice(7) : url.searchParams.get('access_token')
    return given !== null && timingSafeEqual(digest(given), tokenDigest)
  }

  const route = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const path = url.pathname
    const isData = path === '/metrics' || path === '/api' || path.startsWith('/api/')
    if (!isData) return serveStatic(res, files, path, req.method === 'HEAD')
    if (!authorised(req, url))
      throw new HttpError(401, 'missing or wrong bearer token', { 'WWW-Authenticate': 'Bearer realm="swarm-perf"' })

    if (path === '/metrics') {
      // OpenMetrics when the scraper names it and ranks it at least as high as the 0.0.4 text (q=0 refuses it).
      const accept = req.headers.accept
      const openMetrics = quality(accept, ['application/openmetrics-text'])
      const format =
        openMetrics > 0 && openMetrics >= quality(accept, ['text/plain', 'text/*', '*/*'])
          ? 'openmetrics'
          : 'prometheus'
      return sendRendered(req, res, format, currentSnapshot())
    }
    if (path === '/api/snapshot') return sendJson(req, res, 200, currentSnapshot())
    if (path === '/api/history') {
      const history = source.history ? source.history() : []
      return sendJson(req, res, 200, history.map(chartPoint))
    }
    if (path.startsWith('/api/agents/')) {
      const id = decode(path.slice('/api/agents/'.length))
      const agent = currentSnapshot().agents.find((a) => a.agentId === id)
      if (!agent) throw new HttpError(404, `no agent '${id}' in the latest snapshot`)
      return sendJson(req, res, 200, agent)
    }
    if (path === '/api/export') {
      const format = url.searchParams.get('format')
      if (!isExportFormat(format))
        throw new HttpError(
          400,
          `query parameter format must be one of ${exportFormats.join(', ')}; got '${format ?? ''}'`,
        )
      const exporter = exporters[format]
      res.setHeader('Content-Disposition', `inline; filename="swarm-perf.${exporter.extension}"`)
      return sendRendered(req, res, format, currentSnapshot())
    }
    if (path === '/api/events') {
      if (req.method === 'HEAD') return send(req, res, 200, 'text/event-stream; charset=utf-8', '')
      if (events.size >= options.maxEventClients)
        throw new HttpError(503, `too many event-stream clients (limit ${options.maxEventClients})`, {
          'Retry-After': '10',
        })
      const first: Array<[string, unknown]> = []
      if (latest ?? tryCurrent()) first.push(['snapshot', latest])
      if (ended) first.push(['end', { at: latest?.at ?? null }])
      events.add(res, first)
      return
    }
    throw new HttpError(404, `no such endpoint: ${path}`)
  }

  const tryCurrent = (): SwarmSnapshot | null => {
    try {
      return currentSnapshot()
    } catch {
      return null
    }
  }

  const handler = ((req: IncomingMessage, res: ServerResponse) => {
    try {
      checkRequest(req, options, hosts)
      const url = new URL(req.url ?? '/', 'http://localhost')
      route(req, res, url)
    } catch (error) {
      sendError(req, res, error)
    }
  }) as SwarmRequestHandler
  handler.dispose = () => {
    for (const s of subscriptions) s.unsubscribe()
    if (pending) clearTimeout(pending)
    events.close()
  }
  return handler
}

/** Starts the server (127.0.0.1:9464 unless told otherwise) and resolves once it listens. */
export async function startSwarmServer(
  source: SnapshotSource,
  input?: ServerOptionsInput | ServerOptions,
): Promise<SwarmServer> {
  const options = parseServerOptions(input)
  const handler = createSwarmRequestHandler(source, options)
  const server = createServer(
    {
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: options.headersTimeoutMs,
      // How often Node looks for requests past their time limit (its default, 30 s, would let them linger).
      connectionsCheckingInterval: Math.max(100, Math.min(30_000, Math.floor(options.headersTimeoutMs / 4))),
      maxHeaderSize: 16 * 1024,
    },
    handler,
  )
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const host = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        handler.dispose()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

const loopbackNames = ['localhost', '127.0.0.1', '[::1]']

/** The Host names a server accepts: `allowedHosts`, or loopback names when bound to loopback, or any (null). */
export function acceptedHosts(options: ServerOptions): ReadonlySet<string> | null {
  if (options.allowedHosts) return new Set(options.allowedHosts.map((h) => h.toLowerCase()))
  const loopback = options.host === 'localhost' || options.host === '::1' || options.host.startsWith('127.')
  return loopback ? new Set([...loopbackNames, options.host]) : null
}

function checkRequest(req: IncomingMessage, options: ServerOptions, hosts: ReadonlySet<string> | null): void {
  if (req.method !== 'GET' && req.method !== 'HEAD')
    throw new HttpError(405, `method ${req.method} not allowed: this server only reads`, { Allow: 'GET, HEAD' })
  if (hosts) {
    const host = (req.headers.host ?? '').toLowerCase().replace(/:\d+$/, '')
    if (!hosts.has(host)) throw new HttpError(403, `host '${host}' not allowed: use ${[...hosts].join(', ')}`)
  }
  if ((req.url ?? '').length > options.maxUrlLength)
    throw new HttpError(414, `request target longer than ${options.maxUrlLength} characters`)
  const length = Number(req.headers['content-length'] ?? 0)
  if (req.headers['transfer-encoding'] || !Number.isFinite(length) || length > options.maxRequestBytes)
    throw new HttpError(413, `request body larger than ${options.maxRequestBytes} bytes`)
  // Bodies are never read: drain a small one so the connection can be reused.
  if (length > 0) req.resume()
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    throw new HttpError(400, 'malformed percent-encoding in the path')
  }
}

function serveStatic(res: ServerResponse, files: Map<string, StaticFile>, path: string, head: boolean): void {
  const file = files.get(path)
  if (!file) throw new HttpError(404, `no such file: ${path}`)
  res.writeHead(200, {
    ...pageHeaders,
    'Content-Type': file.contentType,
    'Content-Length': file.body.length,
    'Cache-Control': 'no-cache',
  })
  res.end(head ? undefined : file.body)
}

function send(req: IncomingMessage, res: ServerResponse, status: number, contentType: string, body: string): void {
  sendBytes(req, res, status, contentType, Buffer.from(body, 'utf8'))
}

function sendBytes(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  contentType: string,
  bytes: Buffer,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...headers,
    ...securityHeaders,
    'Content-Type': contentType,
    'Content-Length': bytes.length,
    'Cache-Control': 'no-store',
  })
  res.end(req.method === 'HEAD' ? undefined : bytes)
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
  send(req, res, status, 'application/json; charset=utf-8', JSON.stringify(value))
}

function sendError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const status = error instanceof HttpError ? error.status : 500
  const message = error instanceof HttpError ? error.message : 'internal error'
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (error instanceof HttpError) for (const [k, v] of Object.entries(error.headers)) res.setHeader(k, v)
  // After refusing a body, do not keep reading it.
  if (status === 413) res.setHeader('Connection', 'close')
  sendJson(req, res, status, { error: { status, message } })
  if (status === 413) req.destroy()
}

/** The few numbers the dashboard's charts plot, per snapshot. */
export function chartPoint(s: SwarmSnapshot) {
  return {
    at: s.at,
    throughputPerMin: s.swarm.throughputPerMin,
    responseMs: s.swarm.responseMs,
    serviceMs: s.swarm.serviceMs,
    errorRate: s.swarm.errorRate,
    imbalance: s.swarm.imbalance,
  }
}

/**
 * The q a request header (Accept, Accept-Encoding) gives the first of `names` it lists (most specific first),
 * 1 when it has no q; -1 when it lists none of them. Parameters other than q are ignored.
 */
export function quality(header: string | undefined, names: readonly string[]): number {
  if (!header) return -1
  const ranges = header.split(',').map((range) => {
    const [name, ...params] = range.split(';').map((part) => part.trim().toLowerCase())
    const q = params.find((p) => p.startsWith('q='))
    const value = q === undefined ? 1 : Number(q.slice(2))
    return { name, q: Number.isFinite(value) ? value : 0 }
  })
  for (const name of names) {
    const listed = ranges.filter((r) => r.name === name)
    if (listed.length > 0) return Math.max(...listed.map((r) => r.q))
  }
  return -1
}
