import type { Reassignment } from './reassignment.js'
import type { SwarmSnapshot } from './snapshot.js'

/** A task known to the monitor that has not started: unassigned (agentId null) or waiting at an agent. */
export interface PendingTask {
  taskId: string
  kind: string | null
  requiredCapabilities: readonly string[]
  priority: number
  estimatedMs: number | null
  queuedAt: number
  agentId: string | null
  assignedAt: number | null
}

/** A task an agent has started and not finished. */
export interface RunningTask {
  taskId: string
  kind: string | null
  estimatedMs: number | null
  startedAt: number
}

export interface PlacementContext {
  /**
   * The latest snapshot: capabilities and measured service times by kind. Between ticks it is the last one
   * published, so its counts may be behind; `queuedAt` and `runningAt` are current. Its agent ids are unique (the
   * monitor's always are; a context built by hand must keep them so).
   */
  snapshot: SwarmSnapshot
  /** Tasks waiting for an agent, oldest first. */
  unassigned: readonly PendingTask[]
  /**
   * Tasks assigned but not started, per agent, including placements the host has not confirmed yet (those have
   * `assignedAt: null`).
   */
  queuedAt: ReadonlyMap<string, readonly PendingTask[]>
  /**
   * What an agent is running now, oldest start first. Optional: a context built by hand may leave it out, and
   * then the snapshot's `inFlight` counts stand in.
   */
  runningAt?: (agentId: string) => readonly RunningTask[]
  now: number
  /**
   * Agents the rebalancer is emptying (failing, or far slower than the fleet): a strategy places there only into a
   * free slot, where the task starts at once. Queued there, it would be moved again at the next tick.
   */
  draining?: ReadonlySet<string>
  /** When placement runs next (the next tick, or the next pass between ticks); absent when unknown. */
  nextPlacementAt?: number
}

/**
 * A placement strategy: where new tasks go. Pure apart from its own cursor state; it never sees the monitor's
 * internals. A user's own object of this shape is accepted wherever a strategy name is.
 */
export interface Strategy {
  readonly name: string
  place(ctx: PlacementContext): Reassignment[]
}
