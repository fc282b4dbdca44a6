import { asyncScheduler, defer, interval, type Observable, of, type SchedulerLike } from 'rxjs'
import { catchError, concatMap, map } from 'rxjs/operators'
import { errorCodes, type SwarmError } from '../model/errors.js'
import type { EventOf } from '../model/swarm-event.js'

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

/**
 * `host:resources` events every `everyMs` on the scheduler's clock; a failed reading becomes a SwarmError (code
 * RESOURCES_SAMPLE_FAILED) and sampling goes on.
 */
export function sampleResources(
  source: ResourceSource,
  everyMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<EventOf<'host:resources'> | SwarmError> {
  return interval(everyMs, scheduler).pipe(
    concatMap(() =>
      defer(() => {
        const reading = source()
        return reading instanceof Promise ? reading : of(reading)
      }).pipe(
        map(
          (r): EventOf<'host:resources'> => ({
            type: 'host:resources',
            ts: scheduler.now(),
            cpu: r.cpu,
            memoryUsedBytes: r.memoryUsedBytes,
            memoryTotalBytes: r.memoryTotalBytes,
            ...(r.loadAverage === undefined ? {} : { loadAverage: r.loadAverage }),
          }),
        ),
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
