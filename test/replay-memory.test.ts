// A replay from an array runs as one synchronous job, so anything that keeps a snapshot alive "until the job ends"
// (a WeakRef does) keeps every snapshot of the replay. What the session holds must stay near what its history's
// entry budget allows.
import v8 from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Subject } from 'rxjs'
import { expect, it } from 'vitest'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'

v8.setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

it('a long synchronous replay holds what the history budget allows, not every snapshot', () => {
  const agents = 2000
  const ticks = 200
  const t0 = 1_700_000_000_000
  gc()
  const before = process.memoryUsage().heapUsed
  const events$ = new Subject<SwarmEvent>()
  const session = createSwarmMonitor({ capacity: agents, tickMs: 1000, historyAgentEntries: 20_000 }).connect(events$, {
    start: 'immediate',
  })
  let ts = t0
  for (let a = 0; a < agents; a++) events$.next({ type: 'agent:joined', ts, agentId: `agent-${a}` })
  let task = 0
  // Every agent completes a task every tick, so every snapshot has 2,000 new entries (about 1 KB each): kept, the
  // 200 snapshots would hold some 400 MB; the budget keeps 20,000 entries.
  for (let i = 0; i < ticks; i++) {
    for (let a = 0; a < agents; a++) {
      const taskId = `t${task++}`
      events$.next({ type: 'task:started', ts, taskId, agentId: `agent-${a}` })
      events$.next({ type: 'task:completed', ts: ts + 1 + ((a * 7 + i) % 500), taskId, agentId: `agent-${a}` })
    }
    ts += 1000
  }
  events$.next({ type: 'queue:depth', ts, depth: 0 })
  gc()
  const heldMB = (process.memoryUsage().heapUsed - before) / 2 ** 20
  expect(session.history().filter((s) => !s.agentsOmitted).length).toBeLessThanOrEqual(10)
  // Measured 138 MB with the budget holding (the same before the analysis' fleet pass reused the previous one);
  // 348 MB when that pass held the last fleet through a WeakRef, which the replay's one job kept alive.
  expect(heldMB).toBeLessThan(200)
  session.dispose()
}, 60_000)
