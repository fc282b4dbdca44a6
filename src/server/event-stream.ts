import type { ServerResponse } from 'node:http'

/**
 * Server-Sent Events to many clients: each event is serialised once and written to every open response. A client
 * whose socket stops draining is dropped rather than buffered without bound.
 */
export class EventStream {
  readonly #clients = new Set<ServerResponse>()
  readonly #heartbeat: NodeJS.Timeout
  readonly #maxBufferedBytes: number

  constructor(heartbeatMs: number, maxBufferedBytes = 8 * 1024 * 1024) {
    this.#maxBufferedBytes = maxBufferedBytes
    this.#heartbeat = setInterval(() => this.#write(': keep-alive\n\n'), heartbeatMs)
    this.#heartbeat.unref()
  }

  get size(): number {
    return this.#clients.size
  }

  /** Takes over the response: headers, the retry hint, and what the client should see first. */
  add(res: ServerResponse, first: ReadonlyArray<readonly [string, unknown]>): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    })
    res.write('retry: 2000\n\n')
    for (const [event, data] of first) res.write(frame(event, data))
    this.#clients.add(res)
    res.on('close', () => this.#clients.delete(res))
  }

  send(event: string, data: unknown): void {
    if (this.#clients.size > 0) this.#write(frame(event, data))
  }

  close(): void {
    clearInterval(this.#heartbeat)
    for (const res of this.#clients) res.end()
    this.#clients.clear()
  }

  #write(text: string): void {
    for (const res of this.#clients) {
      if (res.writableLength > this.#maxBufferedBytes) {
        this.#clients.delete(res)
        res.destroy()
        continue
      }
      res.write(text)
    }
  }
}

function frame(event: string, data: unknown): string {
  // JSON has no raw newlines, so one data line carries the whole payload.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}
