/**
 * Host task ids ↔ SwarmEvent task ids, one per attempt. A host that retries a task under the same id would make
 * the monitor count one task twice (or reject the second run as a duplicate); instead each attempt is its own
 * task: the first keeps the host's id, the n-th (n ≥ 2) is `<hostTaskId>#<n>`. The reverse lookup is a map, so a
 * host id that itself contains '#' is never misread.
 */
export class TaskAttempts {
  private readonly attempts = new Map<string, number>()
  private readonly byTaskId = new Map<string, { hostTaskId: string; attempt: number }>()

  /** The SwarmEvent task id of the host task's current attempt. */
  current(hostTaskId: string): string {
    return TaskAttempts.idOf(hostTaskId, this.attempt(hostTaskId))
  }

  /** The current attempt number, 1 for a task never retried. */
  attempt(hostTaskId: string): number {
    return this.attempts.get(hostTaskId) ?? 1
  }

  /** Start the next attempt and return its SwarmEvent task id. */
  next(hostTaskId: string): string {
    const attempt = this.attempt(hostTaskId) + 1
    this.attempts.set(hostTaskId, attempt)
    const taskId = TaskAttempts.idOf(hostTaskId, attempt)
    this.byTaskId.set(taskId, { hostTaskId, attempt })
    return taskId
  }

  /** Which host task and attempt a SwarmEvent task id names (a plain host id is its first attempt). */
  resolve(taskId: string): { hostTaskId: string; attempt: number } {
    return this.byTaskId.get(taskId) ?? { hostTaskId: taskId, attempt: 1 }
  }

  /** Whether the SwarmEvent task id is the host task's current attempt. */
  isCurrent(taskId: string): boolean {
    const { hostTaskId, attempt } = this.resolve(taskId)
    return this.attempt(hostTaskId) === attempt
  }

  private static idOf(hostTaskId: string, attempt: number): string {
    return attempt === 1 ? hostTaskId : `${hostTaskId}#${attempt}`
  }
}
