// Test helpers: the test plays the agents of real claude-flow hosts (no mocks of the packages).
import type { TaskDefinition, UnifiedSwarmCoordinator } from '@claude-flow/swarm'

export function taskData(name: string, maxRetries = 0): Omit<TaskDefinition, 'id' | 'status' | 'createdAt'> {
  return {
    type: 'coding',
    name,
    description: name,
    priority: 'normal',
    dependencies: [],
    input: {},
    timeoutMs: 600_000,
    retries: 0,
    maxRetries,
    metadata: {},
  }
}

/** The coordinator's message bus (TypeScript-private): how its agents report back. */
export function messageBusOf(coordinator: UnifiedSwarmCoordinator) {
  // biome-ignore lint/complexity/useLiteralKeys: the bracket reaches a TypeScript-private member
  return coordinator['messageBus']
}

/** Report a task's outcome the way a coordinator's agent does: a message on its bus, addressed to itself. */
export function report(
  coordinator: UnifiedSwarmCoordinator,
  agentId: string,
  taskId: string,
  outcome: 'complete' | 'fail',
): Promise<string> {
  return messageBusOf(coordinator).send({
    type: outcome === 'complete' ? 'task_complete' : 'task_fail',
    from: agentId,
    to: agentId,
    payload: outcome === 'complete' ? { taskId, result: { ok: true } } : { taskId, error: 'agent error' },
    priority: 'normal',
    requiresAck: false,
    ttlMs: 600_000,
  })
}

export interface PlayedAttempt {
  taskId: string
  agentId: string
  startedAt: number
  workMs: number
  outcome: 'complete' | 'fail'
  /** When the coordinator handled the agent's report (the bus delivered it). */
  endedAt?: number
}

/**
 * Play the coordinator's agents: each assignment is worked on for a random time, then completed or failed with a
 * message on the coordinator's bus. Durations are measured on the test's own clock (Date.now, faked by vitest):
 * from the assignment to the delivery of the agent's report, when the coordinator acts on it.
 */
export function playSwarmAgents(
  coordinator: UnifiedSwarmCoordinator,
  options: {
    random: () => number
    workMs: (random: () => number) => number
    failRate: number
    /** Each agent sends a heartbeat this often, as the coordinator expects (default 1000 ms). */
    heartbeatMs?: number
  },
) {
  const attempts: PlayedAttempt[] = []
  const reports = new Map<string, PlayedAttempt>() // by message id
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const onAssigned = (envelope: { data: { taskId: string; agentId: string } }) => {
    const { taskId, agentId } = envelope.data
    const attempt: PlayedAttempt = {
      taskId,
      agentId,
      startedAt: Date.now(),
      workMs: options.workMs(options.random),
      outcome: options.random() < options.failRate ? 'fail' : 'complete',
    }
    attempts.push(attempt)
    const timer = setTimeout(async () => {
      timers.delete(timer)
      reports.set(await report(coordinator, agentId, taskId, attempt.outcome), attempt)
    }, attempt.workMs)
    timers.add(timer)
  }
  const onDelivered = (envelope: { data: { messageId: string } }) => {
    const attempt = reports.get(envelope.data.messageId)
    if (attempt) attempt.endedAt = Date.now()
  }
  const heartbeats = setInterval(() => {
    for (const agent of coordinator.getAllAgents()) {
      void messageBusOf(coordinator).send({
        type: 'heartbeat',
        from: agent.id.id,
        to: agent.id.id,
        payload: {},
        priority: 'low',
        requiresAck: false,
        ttlMs: 600_000,
      })
    }
  }, options.heartbeatMs ?? 1000)
  coordinator.on('task.assigned', onAssigned)
  coordinator.on('message.received', onDelivered)
  return {
    attempts,
    stop() {
      coordinator.off('task.assigned', onAssigned)
      coordinator.off('message.received', onDelivered)
      for (const timer of timers) clearTimeout(timer)
      clearInterval(heartbeats)
    },
  }
}

/** What the bus players need of `createOrchestrator()` from @claude-flow/shared/core. */
export interface BusHost {
  eventBus: { on(type: string, handler: (event: { payload: unknown }) => unknown): { unsubscribe(): void } }
  taskManager: {
    startTask(taskId: string): Promise<void>
    completeTask(taskId: string, result: { taskId: string; success: boolean; duration: number }): Promise<void>
    failTask(taskId: string, error: Error): Promise<void>
    retryTask(taskId: string): Promise<void>
  }
}

/**
 * Play agents of a claude-flow orchestrator: each agent runs one task at a time from its own queue, in the order
 * tasks were assigned to it; a task moved elsewhere (a new task:assigned) leaves its queue. Starting happens from
 * inside the agent's task:assigned handler, and the next task starts right after the previous one is reported, as
 * an eager agent does. A failure is retried with `retryRate` while the TaskManager allows it.
 */
export function playBusAgents(
  host: BusHost,
  agentIds: readonly string[],
  options: {
    random: () => number
    workMs: (agentId: string, random: () => number) => number
    failRate: number
    retryRate: number
  },
) {
  const { taskManager } = host
  const queues = new Map(agentIds.map((id) => [id, [] as string[]]))
  const running = new Map<string, string>()
  const attempts: PlayedAttempt[] = []
  const timers = new Set<ReturnType<typeof setTimeout>>()

  const startNext = (agentId: string) => {
    if (running.has(agentId)) return
    const taskId = queues.get(agentId)?.shift()
    if (!taskId) return
    running.set(agentId, taskId)
    const attempt: PlayedAttempt = {
      taskId,
      agentId,
      startedAt: Date.now(),
      workMs: options.workMs(agentId, options.random),
      outcome: options.random() < options.failRate ? 'fail' : 'complete',
    }
    attempts.push(attempt)
    void taskManager.startTask(taskId)
    const timer = setTimeout(() => {
      timers.delete(timer)
      attempt.endedAt = Date.now()
      running.delete(agentId)
      if (attempt.outcome === 'complete') {
        void taskManager.completeTask(taskId, { taskId, success: true, duration: attempt.workMs })
      } else {
        void taskManager.failTask(taskId, new Error('agent error'))
        if (options.random() < options.retryRate) void taskManager.retryTask(taskId).catch(() => undefined)
      }
      startNext(agentId)
    }, attempt.workMs)
    timers.add(timer)
  }

  const subscription = host.eventBus.on('task:assigned', (event) => {
    const { taskId, agentId } = event.payload as { taskId: string; agentId: string }
    for (const queue of queues.values()) {
      const at = queue.indexOf(taskId)
      if (at >= 0) queue.splice(at, 1)
    }
    queues.get(agentId)?.push(taskId)
    startNext(agentId)
  })
  return {
    attempts,
    queues,
    stop() {
      subscription.unsubscribe()
      for (const timer of timers) clearTimeout(timer)
    },
  }
}
