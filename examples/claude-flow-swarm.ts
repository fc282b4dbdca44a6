/**
 * swarm-perf registered in a @claude-flow/swarm UnifiedSwarmCoordinator.
 *
 *   npx tsx examples/claude-flow-swarm.ts
 *
 * Four agents work through 40 tasks. The agents are played here the way the coordinator's agents report: a
 * `task_complete` or `task_fail` message on its message bus. The monitor measures them from the coordinator's own
 * events and places the tasks that wait in the coordinator's queue (it never picks them up again by itself).
 */
import { UnifiedSwarmCoordinator } from '@claude-flow/swarm'
import { claudeFlowSwarmAdapter, createSwarmMonitor } from '../src/index.js'

const coordinator = new UnifiedSwarmCoordinator({ heartbeatIntervalMs: 60_000 })
await coordinator.initialize()

// 1. Register: the adapter listens to the coordinator; the session applies its placements through it.
const monitor = createSwarmMonitor({
  tickMs: 100,
  strategy: 'least-loaded',
  analysis: { alerts: [{ id: 'errors', metric: 'swarm.errorRate', op: '>', threshold: 0.05 }] },
})
const session = monitor.attach(claudeFlowSwarmAdapter(coordinator, { reofferQueued: false }))

// 2. Subscribe to what comes back.
let insights = 0
let alerts = 0
let placements = 0
session.insights$.subscribe((insight) => {
  insights++
  console.log(`insight   ${insight.kind}: ${insight.message} -> ${insight.recommendation}`)
})
session.alerts$.subscribe((alert) => {
  alerts++
  console.log(`alert     ${alert.ruleId} ${alert.state}: ${alert.metric} = ${alert.value}`)
})
session.reassignments$.subscribe((r) => {
  placements++
  console.log(`placement ${r.taskId} -> ${r.toAgentId} (${r.reason})`)
})
session.errors$.subscribe((error) => console.log(`error     ${error.code}: ${error.message}`))

// 3. Run the swarm: each agent works 5-40 ms per task; one task in ten fails (and is retried once).
// The coordinator's agents report on its message bus (TypeScript-private, so reached by its name).
// biome-ignore lint/complexity/useLiteralKeys: the bracket reaches a TypeScript-private member
const bus = coordinator['messageBus']
coordinator.on('task.assigned', (event: { data: { taskId: string; agentId: string } }) => {
  const { taskId, agentId } = event.data
  const fails = Math.random() < 0.1
  setTimeout(
    () => {
      void bus.send({
        type: fails ? 'task_fail' : 'task_complete',
        from: agentId,
        to: agentId,
        payload: fails ? { taskId, error: 'tool call failed' } : { taskId, result: 'done' },
        priority: 'normal',
        requiresAck: false,
        ttlMs: 60_000,
      })
    },
    5 + Math.random() * 35,
  )
})
for (let i = 0; i < 4; i++) await coordinator.spawnAgent({ type: 'coder' })
const taskIds: string[] = []
for (let i = 0; i < 40; i++) {
  taskIds.push(
    await coordinator.submitTask({
      type: 'coding',
      name: `task ${i}`,
      description: `task ${i}`,
      priority: 'normal',
      dependencies: [],
      input: {},
      timeoutMs: 60_000,
      retries: 0,
      maxRetries: 1,
      metadata: {},
    }),
  )
}
// Heartbeats keep event time moving while the swarm waits, so the monitor's ticks still place queued tasks.
const heartbeats = setInterval(() => {
  for (const agent of coordinator.getAllAgents()) {
    void bus.send({
      type: 'heartbeat',
      from: agent.id.id,
      to: agent.id.id,
      payload: {},
      priority: 'low',
      requiresAck: false,
      ttlMs: 60_000,
    })
  }
}, 50)
const done = () => taskIds.every((id) => ['completed', 'failed'].includes(coordinator.getTask(id)?.status ?? ''))
while (!done()) await new Promise((resolve) => setTimeout(resolve, 20))

clearInterval(heartbeats)
session.dispose()
const { swarm } = session.snapshot()
const metrics = coordinator.getMetrics()
const retries = coordinator.getAllTasks().reduce((sum, task) => sum + task.retries, 0)
await coordinator.shutdown()
console.log(
  JSON.stringify({
    host: 'claude-flow-swarm',
    submitted: taskIds.length,
    coordinatorCompleted: metrics.completedTasks,
    coordinatorFailed: metrics.failedTasks,
    // A silent retry counts as a failed attempt in swarm-perf (the coordinator emits no task.failed for it).
    coordinatorRetries: retries,
    tasksCompleted: swarm.tasksCompleted,
    tasksFailed: swarm.tasksFailed,
    serviceP95Ms: swarm.serviceMs.p95,
    placements,
    insights,
    alerts,
  }),
)
