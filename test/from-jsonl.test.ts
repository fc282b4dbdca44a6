import { PassThrough, Readable } from 'node:stream'
import { lastValueFrom, toArray } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { fromJsonl } from '../src/hosts/from-jsonl.js'
import type { SwarmError } from '../src/model/errors.js'

/** Every event and error of a log given as these chunks (strings, or bytes). */
async function read(chunks: Array<string | Uint8Array>, maxLineChars?: number) {
  const adapter = fromJsonl(Readable.from(chunks, { objectMode: false }), maxLineChars ? { maxLineChars } : {})
  const errors: SwarmError[] = []
  adapter.errors$?.subscribe((e) => errors.push(e))
  const events = await lastValueFrom(adapter.events$.pipe(toArray()))
  return { events, errors, lines: events.map((e) => adapter.lineOf?.(e)) }
}

const joined = (agentId: string) => JSON.stringify({ type: 'agent:joined', ts: 0, agentId })

describe('fromJsonl line splitting', () => {
  it('ends lines at \\n only, so a lone \\r (JSON whitespace) neither splits an event nor shifts line numbers', async () => {
    // readline ended a line at a lone \r: the event below became two bad lines, and "b" was reported on line 4.
    const { events, errors, lines } = await read([
      `${joined('a')}\r\n`,
      '{"type":"agent:joined",\r"ts":0,"agentId":"x"}\r\n',
      'not json\r\r\n',
      `${joined('b')}`,
    ])
    expect(events.map((e) => (e as { agentId: string }).agentId)).toEqual(['a', 'x', 'b'])
    expect(lines).toEqual([1, 2, 4])
    expect(errors.map((e) => [e.code, e.line])).toEqual([['JSONL_PARSE', 3]])
  })

  it('joins a line and a character split across chunks, and drops a BOM and the \\r of a \\r\\n split between them', async () => {
    const bytes = Buffer.from(`\ufeff${joined('é')}\r\n${joined('ü')}\n`)
    const cut = [3, 20, bytes.indexOf('\r') + 1, bytes.lastIndexOf(0xc3) + 1]
    const chunks = [0, ...cut].map((at, i, all) => bytes.subarray(at, all[i + 1]))
    const { events, errors, lines } = await read(chunks)
    expect(errors).toEqual([])
    expect(events.map((e) => (e as { agentId: string }).agentId)).toEqual(['é', 'ü'])
    expect(lines).toEqual([1, 2])
  })

  it('reports a line longer than maxLineChars with its number, skips it whole, and reads on', async () => {
    const long = `{"type":"agent:joined","ts":0,"agentId":"${'z'.repeat(100)}"}`
    const { events, errors, lines } = await read(
      [`${joined('a')}\n${long.slice(0, 50)}`, `${long.slice(50)}\n`, joined('b')],
      80,
    )
    expect(errors.map((e) => [e.code, e.line, e.message])).toEqual([
      ['JSONL_PARSE', 2, 'line 2 is longer than 80 characters; skipped'],
    ])
    expect(lines).toEqual([1, 3])
    expect(events).toHaveLength(2)
  })

  it('skips lines of JSON whitespace only, and reports one of other spaces (not JSON)', async () => {
    const { events, errors } = await read([`${joined('a')}\n \t\r\n\n\u00a0\n\u2028\n${joined('b')}\n`])
    expect(events).toHaveLength(2)
    expect(errors.map((e) => [e.code, e.line])).toEqual([
      ['JSONL_PARSE', 4],
      ['JSONL_PARSE', 5],
    ])
  })

  it('reads a stream again for a subscriber after the last one left (the stream it paused flows again)', async () => {
    const input = new PassThrough()
    const adapter = fromJsonl(input)
    adapter.events$.subscribe().unsubscribe()
    const events = lastValueFrom(adapter.events$.pipe(toArray()))
    input.end(`${joined('a')}\n${joined('b')}\n`)
    expect((await events).map((e) => (e as { agentId: string }).agentId)).toEqual(['a', 'b'])
  })

  it('parses and reports nothing more of a chunk once its subscriber has left', async () => {
    const input = new PassThrough()
    const adapter = fromJsonl(input)
    const errors: SwarmError[] = []
    adapter.errors$?.subscribe((e) => errors.push(e))
    const seen: unknown[] = []
    const subscription = adapter.events$.subscribe((e) => {
      seen.push(e)
      subscription.unsubscribe()
    })
    input.write(`${joined('a')}\nbad\nbad\n${joined('b')}\n`)
    await new Promise((resolve) => setImmediate(resolve))
    expect(seen).toHaveLength(1)
    expect(errors).toEqual([])
  })

  it('ends the stream with an error, not a throw, when a stream in object mode gives something else', async () => {
    const adapter = fromJsonl(Readable.from([joined('a'), { not: 'text' }], { objectMode: true }))
    await expect(lastValueFrom(adapter.events$.pipe(toArray()))).rejects.toThrow(/not text or bytes/)
  })
})
