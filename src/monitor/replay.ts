import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { lastValueFrom, tap, toArray } from 'rxjs'
import { fromJsonl } from '../hosts/from-jsonl.js'
import type { SwarmError } from '../model/errors.js'
import type { Alert } from '../model/finding.js'
import type { Reassignment } from '../model/reassignment.js'
import type { SwarmSnapshot } from '../model/snapshot.js'
import type { SwarmMonitorConfigInput } from './config.js'
import { createSwarmMonitor } from './create-swarm-monitor.js'

export interface ReplayResult {
  snapshot: SwarmSnapshot
  /** Every snapshot of the replay, oldest first (bounded by historySize). */
  history: readonly SwarmSnapshot[]
  errors: SwarmError[]
  /** Every firing and resolved transition, in order. */
  alerts: Alert[]
  reassignments: Reassignment[]
}

/** The file cannot be read: the CLI exits 2 on this. */
export class UnreadableLogError extends Error {
  constructor(
    readonly path: string,
    cause: unknown,
  ) {
    super(`cannot read '${path}': ${cause instanceof Error ? cause.message : String(cause)}`, { cause })
    this.name = 'UnreadableLogError'
  }
}

/**
 * Throws an UnreadableLogError unless `path` can be read as a log: anything readable but a directory (a file, a
 * pipe, process substitution such as `report <(zcat log.gz)`).
 */
export async function checkLog(path: string): Promise<void> {
  try {
    await access(path, constants.R_OK)
    if ((await stat(path)).isDirectory()) throw new Error('it is a directory')
  } catch (error) {
    throw new UnreadableLogError(path, error)
  }
}

/**
 * Replays a recorded JSONL log (a path, or a stream such as stdin) through a monitor and resolves with the final
 * snapshot and everything the session reported. Host resource sampling and idle ticks are off, and a recorded
 * source's times are not judged by the wall clock: a replay is deterministic.
 */
export async function replayJsonl(
  source: string | Readable,
  config: SwarmMonitorConfigInput = {},
): Promise<ReplayResult> {
  if (typeof source === 'string') await checkLog(source)
  // Idle ticks run on wall time: a read that stalls for a tick (a slow disk, a pipe) would tick the replay.
  const monitor = createSwarmMonitor({ ...config, resources: { sampleEveryMs: 0 }, idleTicks: false })
  const adapter = fromJsonl(source)
  // A path can pass checkLog and still fail to open or read (a socket, an I/O error partway): that is an
  // unreadable log too, not a replay of what was read before it.
  let readError: unknown = null
  const session = monitor.attach({
    ...adapter,
    events$: adapter.events$.pipe(
      tap({
        error: (error) => {
          readError = error
        },
      }),
    ),
  })
  const errors = lastValueFrom(session.errors$.pipe(toArray()))
  const alerts = lastValueFrom(session.alerts$.pipe(toArray()))
  const reassignments = lastValueFrom(session.reassignments$.pipe(toArray()))
  const snapshots = await lastValueFrom(session.snapshots$.pipe(toArray()), { defaultValue: [] })
  if (readError !== null) throw new UnreadableLogError(typeof source === 'string' ? source : '-', readError)
  return {
    snapshot: snapshots[snapshots.length - 1] ?? session.snapshot(),
    history: session.history(),
    errors: await errors,
    alerts: await alerts,
    reassignments: await reassignments,
  }
}
