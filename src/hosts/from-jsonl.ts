import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'
import { Observable, Subject, share } from 'rxjs'
import { errorCodes, type SwarmError } from '../model/errors.js'
import type { HostAdapter } from '../model/host-adapter.js'

/** Lines longer than this many UTF-16 units are reported and skipped: V8 cannot hold a string much past 2^29. */
export const maxJsonlLineChars = 64 * 1024 * 1024

const jsonBlank = /^[ \t\r]*$/

export interface FromJsonlOptions {
  /** Longest line read, in UTF-16 units (default `maxJsonlLineChars`); smaller only in tests. */
  maxLineChars?: number
}

/**
 * Replays a recorded log: one SwarmEvent per line (blank lines skipped). A line that is not JSON, or is JSON but
 * not an object, is reported on errors$ with its line number and the rest is processed; an object that is not a
 * valid event is reported by the monitor, also with its line number (`lineOf`). The stream completes at the end
 * of the file, so a replay ends by itself. The log is read once, from the first subscription, for every subscriber (a
 * stream cannot be read twice, and a bad line is reported once): subscribe a tap before the monitor's first
 * microtask, as `attach` leaves room for, to see every line.
 *
 * Lines end at "\n" (a "\r" before it is dropped), and only there: readline also ended a line at a lone "\r",
 * which JSON allows between tokens, so an event split in two and every later line number was off by one.
 */
export function fromJsonl(source: string | Readable, options: FromJsonlOptions = {}): HostAdapter {
  const maxLineChars = options.maxLineChars ?? maxJsonlLineChars
  const lines = new WeakMap<object, number>()
  const errors$ = new Subject<SwarmError>()
  const events$ = new Observable<unknown>((subscriber) => {
    const input = typeof source === 'string' ? createReadStream(source) : source
    const decoder = new StringDecoder('utf8')
    let line = 0
    /** The line read so far (its pieces, joined once at its end), and its length; -1: too long, skipping. */
    let pieces: string[] = []
    let length = 0

    const onLine = (raw: string) => {
      if (stopped) return
      line++
      // A byte-order mark some editors write would make the first line bad JSON.
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
      // Blank is JSON's whitespace only: a line of other spaces (a no-break space, say) is not JSON, and reported.
      if (jsonBlank.test(text)) return
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        errors$.next({
          code: errorCodes.jsonParse,
          message: `line ${line} is not JSON (${error instanceof Error ? error.message : String(error)}); each line must be one SwarmEvent object`,
          line,
          event: text.length > 200 ? `${text.slice(0, 200)}...` : text,
        })
        return
      }
      if (typeof value !== 'object' || value === null) {
        // Not an object, so it cannot carry its line number to the monitor (a WeakMap key): reported here.
        errors$.next({
          code: errorCodes.eventSchema,
          message: `line ${line} is ${value === null ? 'null' : `a ${typeof value}`}, not an event; each line must be one SwarmEvent object`,
          line,
          event: value,
        })
        return
      }
      lines.set(value, line)
      subscriber.next(value)
    }

    const endLine = () => {
      if (length < 0) {
        line++
        errors$.next({
          code: errorCodes.jsonParse,
          message: `line ${line} is longer than ${maxLineChars} characters; skipped`,
          line,
        })
      } else {
        const raw = pieces.length === 1 ? pieces[0] : pieces.join('')
        onLine(raw.endsWith('\r') ? raw.slice(0, -1) : raw)
      }
      pieces = []
      length = 0
    }

    const append = (piece: string) => {
      if (length < 0 || piece.length === 0) return
      if (length + piece.length > maxLineChars) {
        pieces = []
        length = -1
        return
      }
      pieces.push(piece)
      length += piece.length
    }

    const read = (text: string) => {
      let start = 0
      for (let nl = text.indexOf('\n'); nl >= 0 && !stopped; nl = text.indexOf('\n', start)) {
        append(text.slice(start, nl))
        endLine()
        start = nl + 1
      }
      append(text.slice(start))
    }

    let ended = false
    /** The subscriber left (a disposed session, say): the rest of a chunk read is not parsed or reported. */
    let stopped = false
    const finish = () => {
      if (ended) return
      ended = true
      read(decoder.end())
      if (length !== 0) endLine()
      errors$.complete()
      subscriber.complete()
    }
    const fail = (error: unknown) => {
      ended = true
      subscriber.error(error)
    }
    const onData = (chunk: unknown) => {
      if (ended) return
      try {
        if (typeof chunk === 'string') read(chunk)
        else if (chunk instanceof Uint8Array) read(decoder.write(chunk))
        else throw new TypeError(`the stream gave ${chunk === null ? 'null' : typeof chunk}, not text or bytes`)
      } catch (error) {
        // A stream in object mode giving something else: the read fails, it does not throw into the stream.
        fail(error)
      }
    }
    // Reading a directory, a vanished file, a socket: the stream ends with the error (unheard, it would throw).
    input.on('error', fail)
    input.on('data', onData)
    // A stream this adapter paused when an earlier subscriber left flows again (readline resumed it too).
    input.resume()
    input.on('end', finish)
    // A stream destroyed without an end still ends the replay.
    input.on('close', finish)
    return () => {
      stopped = true
      input.off('data', onData)
      input.off('end', finish)
      input.off('close', finish)
      // A file this adapter opened is its to close (a disposed replay kept it); another's stream is only paused.
      if (typeof source === 'string') input.destroy()
      else input.pause()
    }
  }).pipe(share())
  return {
    name: typeof source === 'string' ? `jsonl:${source}` : 'jsonl',
    events$,
    errors$,
    recorded: true,
    lineOf: (event) => (typeof event === 'object' && event !== null ? lines.get(event) : undefined),
  }
}
