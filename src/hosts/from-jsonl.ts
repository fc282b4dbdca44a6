import { createReadStream } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { Observable, Subject, share } from 'rxjs'
import { errorCodes, type SwarmError } from '../model/errors.js'
import type { HostAdapter } from '../model/host-adapter.js'

/**
 * Replays a recorded log: one SwarmEvent per line (blank lines skipped). A line that is not JSON, or is JSON but
 * not an object, is reported on errors$ with its line number and the rest is processed; an object that is not a
 * valid event is reported by the monitor, also with its line number (`lineOf`). The stream completes at the end
 * of the file, so a replay ends by itself. The log is read once, from the first subscription, for every subscriber (a
 * stream cannot be read twice, and a bad line is reported once): subscribe a tap before the monitor's first
 * microtask, as `attach` leaves room for, to see every line.
 */
export function fromJsonl(source: string | Readable): HostAdapter {
  const lines = new WeakMap<object, number>()
  const errors$ = new Subject<SwarmError>()
  const events$ = new Observable<unknown>((subscriber) => {
    const input = typeof source === 'string' ? createReadStream(source, { encoding: 'utf8' }) : source
    const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })
    let line = 0
    reader.on('line', (raw) => {
      line++
      // A byte-order mark some editors write would make the first line bad JSON.
      const text = line === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw
      if (text.trim() === '') return
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
    })
    reader.on('close', () => {
      errors$.complete()
      subscriber.complete()
    })
    // readline re-emits its input's errors (reading a directory, a vanished file): unheard, either would throw.
    input.on('error', (error: Error) => subscriber.error(error))
    reader.on('error', (error: Error) => subscriber.error(error))
    return () => {
      reader.close()
      // readline leaves its input open; a file this adapter opened is its to close (a disposed replay kept it).
      if (typeof source === 'string') input.destroy()
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
