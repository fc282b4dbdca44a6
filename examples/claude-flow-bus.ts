/**
 * swarm-perf registered on a claude-flow orchestrator's event bus (@claude-flow/shared/core).
 *
 *   npx tsx examples/claude-flow-bus.ts
 *
 * `createOrchestrator()` gives the bus, a TaskManager and a LifecycleManager, but nothing that assigns tasks: here
 * the monitor's strategy does, through `taskManager.assignTask`, and its rebalancer moves tasks that wait at a slow
 * agent. Agents (played here) start what they are given, one at a time, and report through the TaskManager.
 */
import { createOrchestrator } from '@claude-flow/shared/core'
import { claudeFlowBusAdapter, createSwarmMonitor } from '../src/index.js'

// The HealthMonitor's check reports the queue; it also keeps event time moving while tasks wait to be placed.
const { eventBus, taskManager, lifecycleManager, healthMonitor } = createOrchestrator({
  health: { checkInterval: 50, historyLimit: 100, degradedThreshold: 1, unhealthyThreshold: 2 },
})
healthMonitor.start()

// 1. Register: the adapter listens to the bus and applies moves through the TaskManager (never for a started task).
const monitor = createSwarmMonitor({
  tickMs: 100,
  strategy: 'round-robin',
  rebalancer: { minDwellMs: 0, minGainMs: 0 },
  analysis: { alerts: [{ id: 'slow-p95', metric: 'swarm.serviceMs.p95', op: '>', threshold: 50 }] },
})
const session = monitor.attach(claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager }))

// 2. Subscribe to what comes back.
let insights = 0
let alerts = 0
let moves = 0
session.insights$.subscribe((insight) => {
  insights++
  console.log(`insight ${insight.kind}: ${insight.message} -> ${insight.recommendation}`)
})
session.alerts$.subscribe((alert) => {
  alerts++
  console.log(`alert   ${alert.ruleId} ${alert.state}: ${alert.metric} = ${alert.value}`)
})
session.reassignments$.subscribe((r) => {
  moves++
  console.log(`${r.fromAgentId ? `move    ${r.fromAgentId} ->` : 'place  '} ${r.toAgentId}: ${r.taskId} (${r.reason})`)
})
session.errors$.subscribe((error) => console.log(`error   ${error.code}: ${error.message}`))

// 3. Run: four agents, one of them four times slower; they take tasks in the order they were assigned.
const agents = ['fast-1', 'fast-2', 'fast-3', 'slow-1']
const queues = new Map(agents.map((id) => [id, [] as string[]]))
const busy = new Set<string>()
const work = (agentId: string) => {
  if (busy.has(agentId)) return
  const taskId = queues.get(agentId)?.shift()
  if (!taskId) return
  busy.add(agentId)
  void taskManager.startTask(taskId)
  setTimeout(
    () => {
      busy.delete(agentId)
      void taskManager.completeTask(taskId, { taskId, success: true, duration: 0 })
      work(agentId)
    },
    (agentId.startsWith('slow') ? 4 : 1) * (5 + Math.random() * 20),
  )
}
eventBus.on('task:assigned', (event) => {
  const { taskId, agentId } = event.payload as { taskId: string; agentId: string }
  for (const queue of queues.values()) if (queue.includes(taskId)) queue.splice(queue.indexOf(taskId), 1)
  queues.get(agentId)?.push(taskId)
  work(agentId)
})
for (const id of agents) {
  await lifecycleManager.spawn({
    id,
    name: id,
    type: 'coder',
    capabilities: ['code'],
    maxConcurrentTasks: 1,
    priority: 1,
  })
}
for (let i = 0; i < 40; i++) await taskManager.createTask({ type: 'coding', description: `task ${i}` })
while (taskManager.getTasks().some((t) => t.status !== 'completed')) await new Promise((r) => setTimeout(r, 20))

healthMonitor.stop()
session.dispose()
const { swarm } = session.snapshot()
console.log(
  JSON.stringify({
    host: 'claude-flow-bus',
    submitted: 40,
    taskManagerCompleted: taskManager.getMetrics().completedTasks,
    tasksCompleted: swarm.tasksCompleted,
    tasksFailed: swarm.tasksFailed,
    serviceP95Ms: swarm.serviceMs.p95,
    reassignments: moves,
    insights,
    alerts,
  }),
)
