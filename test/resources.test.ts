import { Subject } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import type { ResourceReading } from '../src/hosts/resources.js'
import type { SwarmError } from '../src/model/errors.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'

describe('host resource sampling', () => {
  it('samples on its interval (virtual time), reports a failed reading and goes on, and stands down when the host pushes its own', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
    scheduler.run(({ flush }) => {
      let reads = 0
      const source = (): ResourceReading => {
        reads++
        if (reads === 2) throw new Error('sensor unavailable')
        return { cpu: reads / 10, memoryUsedBytes: 100 * reads, memoryTotalBytes: 1000 }
      }
      const events$ = new Subject<SwarmEvent>()
      const session = createSwarmMonitor(
        { resources: { sampleEveryMs: 1000 } },
        { resourceSource: source, scheduler },
      ).connect(events$, { start: 'immediate' })
      const errors: SwarmError[] = []
      session.errors$.subscribe((e) => errors.push(e))
      scheduler.schedule(() => {
        expect(session.snapshot().swarm.resources.cpu).toBe(0.1)
      }, 1500)
      scheduler.schedule(() => {
        // Second reading failed, third arrived.
        expect(errors.map((e) => e.code)).toEqual(['RESOURCES_SAMPLE_FAILED'])
        expect(errors[0].message).toMatch(/sensor unavailable/)
        expect(session.snapshot().swarm.resources.cpu).toBe(0.3)
        events$.next({ type: 'host:resources', ts: 3500, cpu: 0.9, memoryUsedBytes: 1, memoryTotalBytes: 2 })
      }, 3500)
      scheduler.schedule(() => {
        // The sampler stopped when the host pushed its own: no fourth reading, and the host's figure stands.
        expect(reads).toBe(3)
        const snapshot: SwarmSnapshot = session.snapshot()
        expect(snapshot.swarm.resources.cpu).toBe(0.9)
        session.dispose()
      }, 5500)
      flush()
      expect(reads).toBe(3)
    })
  })

  it('never moves event time: a host whose clock is far from wall time loses no event to a reading', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
    scheduler.run(({ flush }) => {
      const source = (): ResourceReading => ({ cpu: 0.5, memoryUsedBytes: 1, memoryTotalBytes: 2 })
      const events$ = new Subject<SwarmEvent>()
      const session = createSwarmMonitor(
        { resources: { sampleEveryMs: 100 }, idleTicks: false },
        { resourceSource: source, scheduler },
      ).connect(events$, { start: 'immediate' })
      const errors: SwarmError[] = []
      session.errors$.subscribe((e) => errors.push(e))
      // Event time is a recorded log's, years from the virtual wall clock (0..1000 ms), and moves on slowly.
      const t0 = 1_700_000_000_000
      for (let i = 0; i < 10; i++) {
        scheduler.schedule(() => events$.next({ type: 'agent:joined', ts: t0 + i, agentId: `a${i}` }), 50 + i * 100)
      }
      scheduler.schedule(() => {
        const snapshot = session.snapshot()
        expect(errors).toEqual([])
        expect(snapshot.swarm.agents).toBe(10)
        // Readings are not host events: they are not counted, and the snapshot's time is the log's.
        expect(snapshot.swarm.eventsValid).toBe(10)
        expect(snapshot.at).toBe(t0 + 9)
        expect(snapshot.swarm.resources.cpu).toBe(0.5)
        session.dispose()
      }, 1000)
      flush()
    })
  })
})

describe('idle ticks', () => {
  it('keep placing waiting tasks when the host goes quiet (wall time on a virtual scheduler)', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
    scheduler.run(({ flush }) => {
      const events$ = new Subject<SwarmEvent>()
      const session = createSwarmMonitor({ tickMs: 1000, rebalance: false }, { scheduler }).connect(events$, {
        start: 'immediate',
      })
      const placed: string[] = []
      const ticks: number[] = []
      session.reassignments$.subscribe((r) => placed.push(`${r.taskId}->${r.toAgentId}`))
      session.snapshots$.subscribe((s) => ticks.push(s.at))
      events$.next({ type: 'agent:joined', ts: 10_000, agentId: 'a' })
      events$.next({ type: 'task:queued', ts: 10_100, taskId: 'x' })
      // Nothing more from the host: after one quiet wall tick the monitor ticks at the next boundary by itself.
      scheduler.schedule(() => {
        expect(ticks).toEqual([11_000, 12_000])
        expect(placed).toEqual(['x->a'])
        session.dispose()
      }, 3500)
      flush()
    })
  })

  it('do not tick while events keep arriving', () => {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
    scheduler.run(({ flush }) => {
      const events$ = new Subject<SwarmEvent>()
      const session = createSwarmMonitor({ tickMs: 1000 }, { scheduler }).connect(events$, { start: 'immediate' })
      const ticks: number[] = []
      session.snapshots$.subscribe((s) => ticks.push(s.at))
      for (let i = 0; i < 8; i++) {
        scheduler.schedule(() => events$.next({ type: 'queue:depth', ts: 5_000 + i * 100, depth: i }), i * 500)
      }
      scheduler.schedule(() => {
        expect(ticks).toEqual([])
        session.dispose()
      }, 3900)
      flush()
    })
  })
})
