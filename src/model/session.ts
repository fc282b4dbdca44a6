import type { Observable } from 'rxjs'
import type { SwarmError } from './errors.js'
import type { Action, Alert, Insight } from './finding.js'
import type { Reassignment } from './reassignment.js'
import type { MetricDelta, SwarmSnapshot } from './snapshot.js'
import type { Strategy } from './strategy.js'

/**
 * What `monitor.connect(events$)` and `monitor.attach(adapter)` return. Outputs are hot and shared;
 * `snapshots$` replays the latest snapshot to a late subscriber. When the events complete (or on `dispose()`),
 * the session flushes, emits a final snapshot and completes every output.
 */
export interface SwarmSession {
  readonly snapshots$: Observable<SwarmSnapshot>
  readonly insights$: Observable<Insight>
  /** `firing` and `resolved` transitions. */
  readonly alerts$: Observable<Alert>
  readonly reassignments$: Observable<Reassignment>
  readonly actions$: Observable<Action>
  readonly errors$: Observable<SwarmError>
  /** The latest snapshot (built on demand if no tick has happened yet). */
  snapshot(): SwarmSnapshot
  /** The bounded history of snapshots, oldest first. */
  history(): readonly SwarmSnapshot[]
  /** Per-metric deltas between the mean of the snapshots in time range a and those in range b. */
  comparePeriods(a: { from: number; to: number }, b: { from: number; to: number }): MetricDelta[]
  setStrategy(strategy: string | Strategy): void
  /** Flush, emit a final snapshot, complete every output, release WASM memory. Idempotent. */
  dispose(): void
}
