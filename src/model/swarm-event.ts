import { z } from 'zod'

/**
 * The events a host emits, as plain data. Every event has `type` and `ts` (milliseconds since the epoch, event
 * time): windows rotate and snapshots tick on `ts`, never on the wall clock, so a replay is deterministic.
 */
const id = z.string().min(1, 'must be a non-empty string')
const ts = z.number().finite().nonnegative()
const nonNegative = z.number().finite().nonnegative()
/**
 * A duration the host reports: at most 2^53 - 1 ms (some 285,000 years). Larger finite values overflowed the sums
 * and sums of squares behind means and consistency to Infinity, and the agent's figures to NaN.
 */
const durationMs = nonNegative.max(Number.MAX_SAFE_INTEGER, 'must be at most 2^53 - 1 ms')

export const agentJoinedSchema = z.object({
  type: z.literal('agent:joined'),
  ts,
  agentId: id,
  capabilities: z.array(z.string()).optional(),
  /** Concurrent tasks the agent runs at once. */
  capacity: z.number().int().positive().optional(),
  role: z.string().optional(),
})
export const agentLeftSchema = z.object({
  type: z.literal('agent:left'),
  ts,
  agentId: id,
  reason: z.string().optional(),
})
export const taskQueuedSchema = z.object({
  type: z.literal('task:queued'),
  ts,
  taskId: id,
  kind: z.string().optional(),
  requiredCapabilities: z.array(z.string()).optional(),
  priority: z.number().finite().optional(),
  estimatedMs: nonNegative.optional(),
})
export const taskAssignedSchema = z.object({ type: z.literal('task:assigned'), ts, taskId: id, agentId: id })
export const taskStartedSchema = z.object({ type: z.literal('task:started'), ts, taskId: id, agentId: id })
export const taskCompletedSchema = z.object({
  type: z.literal('task:completed'),
  ts,
  taskId: id,
  agentId: id,
  /** Service time reported by the host; when absent it is completed.ts - started.ts. */
  durationMs: durationMs.optional(),
})
export const taskFailedSchema = z.object({
  type: z.literal('task:failed'),
  ts,
  taskId: id,
  agentId: id,
  error: z.string().optional(),
})
/** A task withdrawn by the host before it finished: it ends, neither completed nor failed. */
export const taskCancelledSchema = z.object({
  type: z.literal('task:cancelled'),
  ts,
  taskId: id,
  agentId: id.optional(),
  reason: z.string().optional(),
})
export const messageSentSchema = z.object({ type: z.literal('message:sent'), ts, messageId: id, from: id, to: id })
export const messageReceivedSchema = z.object({
  type: z.literal('message:received'),
  ts,
  messageId: id,
  from: id,
  to: id,
})
export const queueDepthSchema = z.object({
  type: z.literal('queue:depth'),
  ts,
  depth: z.number().int().nonnegative(),
  agentId: id.optional(),
})
export const consensusRoundSchema = z.object({
  type: z.literal('consensus:round'),
  ts,
  roundId: id,
  durationMs,
  participants: z.number().int().nonnegative(),
  agreed: z.boolean(),
})
export const hostResourcesSchema = z.object({
  type: z.literal('host:resources'),
  ts,
  cpu: z.number().min(0).max(1),
  memoryUsedBytes: nonNegative,
  memoryTotalBytes: z.number().finite().positive(),
  loadAverage: nonNegative.optional(),
})
/** The host's answer to a reassignment the monitor emitted. */
export const reassignmentAckSchema = z.object({
  type: z.literal('reassignment:applied'),
  ts,
  taskId: id,
  toAgentId: id,
  fromAgentId: id.optional(),
})
export const reassignmentRefusedSchema = z.object({
  type: z.literal('reassignment:refused'),
  ts,
  taskId: id,
  toAgentId: id,
  reason: z.string(),
  /**
   * The `at` of the reassignment refused. With it, a late refusal undoes only that placement or move, not a later
   * one of the same task to the same agent; without it, whichever is in flight.
   */
  reassignmentAt: ts.optional(),
})

export const swarmEventSchema = z.discriminatedUnion('type', [
  agentJoinedSchema,
  agentLeftSchema,
  taskQueuedSchema,
  taskAssignedSchema,
  taskStartedSchema,
  taskCompletedSchema,
  taskFailedSchema,
  taskCancelledSchema,
  messageSentSchema,
  messageReceivedSchema,
  queueDepthSchema,
  consensusRoundSchema,
  hostResourcesSchema,
  reassignmentAckSchema,
  reassignmentRefusedSchema,
])

export type SwarmEvent = z.infer<typeof swarmEventSchema>
export type SwarmEventType = SwarmEvent['type']
/** The event of one type, e.g. `EventOf<'task:completed'>`. */
export type EventOf<T extends SwarmEventType> = Extract<SwarmEvent, { type: T }>

export const swarmEventTypes: readonly SwarmEventType[] = swarmEventSchema.options.map((o) => o.shape.type.value)
