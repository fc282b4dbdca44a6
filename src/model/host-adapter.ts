import type { Observable } from 'rxjs'
import type { SwarmError } from './errors.js'
import type { Reassignment } from './reassignment.js'

/**
 * The middleware seam: a host adapter translates its host's events into SwarmEvents and applies reassignments
 * through the host's own API. It answers each applied or refused move with a `reassignment:applied` or
 * `reassignment:refused` event on `events$`.
 */
export interface HostAdapter {
  readonly name: string
  /** Events as the adapter produced them; ingest validates each one. */
  readonly events$: Observable<unknown>
  /**
   * Host events the adapter could not translate (unknown names, missing ids, repeated envelopes), reported with a
   * code and the raw host event. Optional; the monitor merges it into the session's `errors$`.
   */
  readonly errors$?: Observable<SwarmError>
  /**
   * How this host's figures are derived where it leaves a choice (e.g. assignment taken as the start because the
   * host emits no start event). Optional; the monitor copies it into every snapshot's `definitions`.
   */
  readonly definitions?: Readonly<Record<string, string>>
  /**
   * The events carry recorded time (a log read back), unrelated to wall time: the monitor then never ticks on wall
   * time while the source is quiet (`idleTicks`), since a read that stalls would change what a replay produces.
   */
  readonly recorded?: boolean
  /** Where an event came from, for error reports (e.g. the 1-based line of a JSONL file). Optional. */
  lineOf?(event: unknown): number | undefined
  /** Apply a placement or move. May throw: the monitor catches it and reports it on `errors$`. */
  apply?(reassignment: Reassignment): void | Promise<void>
  dispose?(): void
}
