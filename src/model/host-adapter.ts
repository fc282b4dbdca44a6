import type { Observable } from 'rxjs'
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
  /** Apply a placement or move. May throw: the monitor catches it and reports it on `errors$`. */
  apply?(reassignment: Reassignment): void | Promise<void>
  dispose?(): void
}
