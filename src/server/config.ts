import { z } from 'zod'
import { exportOptionsSchema } from '../exporters/config.js'
import { parseConfig } from '../model/validate.js'

export const serverOptionsSchema = z
  .object({
    /** Loopback unless told otherwise: the figures describe your infrastructure. */
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port. */
    port: z.number().int().min(0).max(65_535).default(9464),
    /**
     * Host header names accepted (any port). Default: only loopback names when bound to a loopback address, so a
     * web page elsewhere cannot read the figures through DNS rebinding; anything when bound to another address.
     */
    allowedHosts: z.array(z.string().min(1)).optional(),
    /** When set, every data endpoint wants `Authorization: Bearer <token>` (or `?access_token=` for EventSource). */
    token: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Largest request body accepted; no endpoint takes one, so anything larger is refused with 413. */
    maxRequestBytes: z.number().int().nonnegative().default(1024),
    /** Longest request target accepted (414 above it). */
    maxUrlLength: z.number().int().positive().default(2048),
    /** Time allowed to receive a whole request (headers and body); Node answers 408 after it. */
    requestTimeoutMs: z.number().int().positive().default(10_000),
    headersTimeoutMs: z.number().int().positive().default(5_000),
    /** Server-Sent Events clients at once (503 beyond). */
    maxEventClients: z.number().int().positive().default(64),
    /**
     * A request is answered from the session's latest snapshot; when none came for this long (wall time), the
     * session builds one on demand, at most once per period however many scrapers ask. 0: build on every request.
     */
    snapshotRefreshMs: z.number().int().nonnegative().default(1000),
    /** Snapshots go out over SSE at most this often (the latest one wins). */
    eventMinIntervalMs: z.number().int().nonnegative().default(250),
    /** A comment line keeps idle SSE connections open through proxies. */
    heartbeatMs: z.number().int().positive().default(15_000),
    /** Options of the /metrics and /api/export exporters. */
    export: exportOptionsSchema.default(exportOptionsSchema.parse({})),
  })
  .strict()

export type ServerOptionsInput = z.input<typeof serverOptionsSchema>
export type ServerOptions = z.output<typeof serverOptionsSchema>

export function parseServerOptions(input?: ServerOptionsInput): ServerOptions {
  return parseConfig(serverOptionsSchema, input, 'server options')
}
