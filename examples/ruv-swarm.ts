/**
 * swarm-perf on an event emitter, with the ruv-swarm mapping and a host-supplied apply callback.
 *
 *   npx tsx examples/ruv-swarm.ts
 *
 * ruv-swarm 1.0.20's published runtime emits no lifecycle events. Its typed `RuvSwarm` class (src/index.ts in the
 * package, shipped as TypeScript source only) does, with its own on/off: `agent:added`, `agent:removed`,
 * `task:created`, `task:assigned`, `task:completed`, `task:failed`. That class cannot be imported from the
 * package, so this example's host is a small swarm on Node's EventEmitter that emits exactly its payloads; with a
 * build of that source, pass the RuvSwarm instance to `fromEventEmitter` instead. ruv-swarm has no API to move a
 * task: the host supplies `apply`, and its answer (return or throw) comes back as reassignment:applied / refused.
 */
import { EventEmitter } from 'node:events'
import { createSwarmMonitor, fromEventEmitter, type Reassignment, ruvSwarmMapping } from '../src/index.js'

/** A stand-in with RuvSwarm's events: pending tasks wait until an idle agent takes one (or the monitor places it). */
class TinySwarm extends EventEmitter {
  private readonly pending: string[] = []
  private readonly idle = new Set<string>()
  private readonly speed = new Map<string, number>()
  private next = 0

  addAgent(id: string, speed: number) {
    this.speed.set(id, speed)
    this.emit('agent:added', { agentId: id, config: { id, type: 'coder', capabilities: ['code'] } })
    this.idle.add(id)
  }

  submitTask(description: string) {
    const task = { id: `task-${++this.next}`, description, priority: 'medium', status: 'pending' }
    this.emit('task:created', { task })
    this.pending.push(task.id)
  }

  /** The host's own placement: the first idle agent takes the oldest pending task. */
  dispatch() {
    for (const agentId of this.idle) {
      const taskId = this.pending.shift()
      if (taskId) this.run(taskId, agentId)
    }
  }

  /** The apply callback: a pending task goes to an idle agent; anything else is refused with the reason. */
  place(r: Reassignment): true {
    if (!this.pending.includes(r.taskId)) throw new Error('the task already started')
    if (!this.idle.has(r.toAgentId)) throw new Error(`${r.toAgentId} is busy`)
    this.pending.splice(this.pending.indexOf(r.taskId), 1)
    this.run(r.taskId, r.toAgentId)
    return true
  }

  get done() {
    return this.pending.length === 0 && this.idle.size === this.speed.size
  }

  private run(taskId: string, agentId: string) {
    this.idle.delete(agentId)
    this.emit('task:assigned', { taskId, agentId })
    setTimeout(
      () => {
        this.idle.add(agentId)
        if (Math.random() < 0.1) this.emit('task:failed', { taskId, error: new Error('model timeout') })
        else this.emit('task:completed', { taskId, result: { taskId, agentId } })
      },
      (this.speed.get(agentId) ?? 1) * (5 + Math.random() * 20),
    )
  }
}

const swarm = new TinySwarm()

// 1. Register: the mapping translates the events; the host's own callback applies placements.
const adapter = fromEventEmitter(swarm, ruvSwarmMapping(), { apply: (r) => swarm.place(r) })
const session = createSwarmMonitor({
  tickMs: 50,
  strategy: 'performance-based',
  analysis: { alerts: [{ id: 'failures', metric: 'swarm.errorRate', op: '>', threshold: 0.05 }] },
}).attach(adapter)

// 2. Subscribe.
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
  console.log(`placement ${r.taskId} -> ${r.toAgentId}`)
})
session.errors$.subscribe((error) => console.log(`error     ${error.code}: ${error.message}`))

// 3. Run: three agents, one three times slower; the host dispatches every 30 ms, the monitor places on its ticks.
await Promise.resolve() // the session subscribes on the next microtask
swarm.addAgent('ruv-1', 1)
swarm.addAgent('ruv-2', 1)
swarm.addAgent('ruv-3', 3)
for (let i = 0; i < 40; i++) swarm.submitTask(`task ${i}`)
const dispatcher = setInterval(() => swarm.dispatch(), 30)
while (!swarm.done) await new Promise((resolve) => setTimeout(resolve, 20))

clearInterval(dispatcher)
session.dispose()
const { swarm: summary } = session.snapshot()
console.log(
  JSON.stringify({
    host: 'ruv-swarm-emitter',
    submitted: 40,
    tasksCompleted: summary.tasksCompleted,
    tasksFailed: summary.tasksFailed,
    serviceP95Ms: summary.serviceMs.p95,
    placements,
    insights,
    alerts,
  }),
)
