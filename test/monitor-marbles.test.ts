import { map } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'

// Snapshots tick on event time (the events' ts), whenever the events happen to arrive: the marbles place the
// arrivals in virtual time, the timestamps say when they happened.
describe('ticks (marbles)', () => {
  it('emits one snapshot when an event crosses a tick boundary, and a final one when the events complete', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected))
    scheduler.run(({ cold, expectObservable }) => {
      const values: Record<string, SwarmEvent> = {
        a: { type: 'agent:joined', ts: 100, agentId: 'a' },
        b: { type: 'task:started', ts: 900, taskId: 't', agentId: 'a' },
        c: { type: 'task:completed', ts: 2300, taskId: 't', agentId: 'a' },
        d: { type: 'agent:left', ts: 2400, agentId: 'a' },
      }
      const events$ = cold('a 9ms b 9ms c 9ms d|', values)
      const session = createSwarmMonitor({ tickMs: 1000 }).connect(events$, { start: 'immediate' })
      const seen = session.snapshots$.pipe(map((s) => `${s.at}:${s.swarm.agents}/${s.swarm.tasksCompleted}`))
      // c (ts 2300) crosses the 2000 boundary; completion (the frame after d) brings the final snapshot, at 2400.
      expectObservable(seen).toBe('20ms x 10ms (y|)', { x: '2000:1/0', y: '2400:0/1' })
    })
  })
})
