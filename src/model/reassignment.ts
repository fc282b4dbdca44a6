/**
 * A placement (no `fromAgentId`) or a move of a task that has not started. The host applies it and answers with
 * `reassignment:applied` or `reassignment:refused`, then `task:assigned` as usual.
 */
export interface Reassignment {
  taskId: string
  fromAgentId?: string
  toAgentId: string
  reason: 'place' | 'rebalance' | 'evacuate' | (string & {})
  /** Expected reduction of the task's completion time, ms (for a placement: versus the mean agent). */
  expectedGainMs: number
  at: number
}
