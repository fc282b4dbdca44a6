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

export interface PlacementContext {
  /** The latest snapshot: per-agent load, capabilities and measured service times by kind. */
  snapshot: SwarmSnapshot
  /** Tasks waiting for an agent, oldest first. */
  unassigned: readonly PendingTask[]
  /** Tasks assigned but not started, per agent. */
  queuedAt: ReadonlyMap<string, readonly PendingTask[]>
  now: number
}

/**
 * A placement strategy: where new tasks go. Pure apart from its own cursor state; it never sees the monitor's
 * internals. A user's own object of this shape is accepted wherever a strategy name is.
 */
export interface Strategy {
  readonly name: string
  place(ctx: PlacementContext): Reassignment[]
}
