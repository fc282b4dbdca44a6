import { asyncScheduler, defer, interval, type Observable, of, type SchedulerLike, throwError } from 'rxjs'
import { catchError, exhaustMap, map, timeout } from 'rxjs/operators'
import { errorCodes, type SwarmError } from '../model/errors.js'
import { type EventOf, hostResourcesSchema } from '../model/swarm-event.js'

/** One reading of the host. */
export interface ResourceReading {
  /** 0..1 across all cores. */
  cpu: number
  memoryUsedBytes: number
  memoryTotalBytes: number
  loadAverage?: number
}

/** Where readings come from: systeminformation by default; a synchronous source keeps virtual-time tests exact. */
export type ResourceSource = () => ResourceReading | Promise<ResourceReading>

/** Reads the machine with systeminformation (loaded on first use, so hosts that push their own never load it). */
export const systemResourceSource: ResourceSource = async () => {
  const si = await import('systeminformation')
  const [load, mem] = await Promise.all([si.currentLoad(), si.mem()])
  return {
    cpu: Math.min(1, Math.max(0, load.currentLoad / 100)),
    // `active` excludes buffers and cache, which the kernel gives back under pressure.
    memoryUsedBytes: mem.active,
    memoryTotalBytes: mem.total,
    loadAverage: load.avgLoad,
  }
}

/** A reading not in by then is given up (a source whose promise never settles would stop sampling for good). */
export const readingTimeoutMs = (everyMs: number): number => Math.max(2 * everyMs, 10_000)

/**
 * `host:resources` events every `everyMs` on the scheduler's clock; a failed reading becomes a SwarmError (code
 * RESOURCES_SAMPLE_FAILED) and sampling goes on. A reading is checked as a host's `host:resources` event is; one
 * still in flight when the next is due skips it (a slow source does not pile up readings), and one not in within
 * `readingTimeoutMs` is given up.
 */
export function sampleResources(
  source: ResourceSource,
  everyMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<EventOf<'host:resources'> | SwarmError> {
  return interval(everyMs, scheduler).pipe(
    exhaustMap(() =>
      defer(() => {
        const reading = source()
        return reading instanceof Promise ? reading : of(reading)
      }).pipe(
        timeout({
          first: readingTimeoutMs(everyMs),
          scheduler,
          with: () => throwError(() => new Error(`no reading within ${readingTimeoutMs(everyMs)} ms`)),
        }),
        map((r): EventOf<'host:resources'> => {
          const event = {
            type: 'host:resources' as const,
            ts: scheduler.now(),
            cpu: r?.cpu,
            memoryUsedBytes: r?.memoryUsedBytes,
            memoryTotalBytes: r?.memoryTotalBytes,
            ...(r?.loadAverage === undefined ? {} : { loadAverage: r.loadAverage }),
          }
          const checked = hostResourcesSchema.safeParse(event)
          if (!checked.success) {
            const issue = checked.error.issues[0]
            throw new Error(`the reading's ${issue.path.join('.')}: ${issue.message}`)
          }
          return checked.data
        }),
        catchError((error: unknown) => [
          {
            code: errorCodes.resources,
            message: `sampling host resources failed: ${error instanceof Error ? error.message : String(error)}; the monitor goes on without this reading`,
          } satisfies SwarmError,
        ]),
      ),
    ),
  )
}
