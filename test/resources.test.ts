import { Subject, VirtualTimeScheduler } from 'rxjs'
import { TestScheduler } from 'rxjs/testing'
import { describe, expect, it } from 'vitest'
import { type ResourceReading, sampleResources } from '../src/hosts/resources.js'
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

describe('host resource readings that are wrong, slow or never come', () => {
  /** Readings over `ms` of virtual time from `source`, sampled every 100 ms: what the snapshot and errors$ saw. */
  function sampled(source: () => ResourceReading | Promise<ResourceReading>, ms: number) {
    const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b))
    const seen: { cpu: unknown[]; errors: string[] } = { cpu: [], errors: [] }
    scheduler.run(({ flush }) => {
      const session = createSwarmMonitor(
        { resources: { sampleEveryMs: 100 }, idleTicks: false },
        { resourceSource: source, scheduler },
      ).connect(new Subject<SwarmEvent>(), { start: 'immediate' })
      session.errors$.subscribe((e) => seen.errors.push(e.message))
      for (let t = 150; t < ms; t += 100)
        scheduler.schedule(() => seen.cpu.push(session.snapshot().swarm.resources.cpu), t)
      scheduler.schedule(() => session.dispose(), ms)
      flush()
    })
    return seen
  }

  it('reports a reading that is not one, as a host:resources event with it would be, and keeps the last good one', () => {
    // They were stored as they came: cpu "high" or 7 reached the snapshot and the cpu bottleneck.
    const readings: unknown[] = [
      { cpu: 0.5, memoryUsedBytes: 1, memoryTotalBytes: 2 },
      { cpu: 'high', memoryUsedBytes: 1, memoryTotalBytes: 2 },
      { cpu: 7, memoryUsedBytes: 1, memoryTotalBytes: 2 },
      'hello',
      null,
    ]
    let i = 0
    const seen = sampled(() => readings[i++ % readings.length] as ResourceReading, 560)
    expect(seen.cpu).toEqual([0.5, 0.5, 0.5, 0.5, 0.5])
    expect(seen.errors).toHaveLength(4)
    expect(seen.errors[0]).toMatch(/^sampling host resources failed: the reading's cpu: /)
  })

  it('skips the readings due while one is in flight (a slow source does not pile them up)', async () => {
    const scheduler = new VirtualTimeScheduler()
    const answers: Array<(r: ResourceReading) => void> = []
    const readings: unknown[] = []
    sampleResources(() => new Promise<ResourceReading>((resolve) => answers.push(resolve)), 100, scheduler).subscribe(
      (r) => readings.push(r),
    )
    scheduler.maxFrames = 1000
    scheduler.flush()
    // Ten intervals went by while the first reading was out: one call.
    expect(answers).toHaveLength(1)
    answers[0]({ cpu: 0.5, memoryUsedBytes: 1, memoryTotalBytes: 2 })
    await Promise.resolve()
    await Promise.resolve()
    expect(readings).toHaveLength(1)
    // None of the intervals missed is made up now (concatMap called the source again at once, for each of them).
    expect(answers).toHaveLength(1)
    scheduler.maxFrames = 1100
    scheduler.flush()
    expect(answers).toHaveLength(2)
  })

  it('gives up a reading that never comes, and goes on sampling', () => {
    // A slow source piled up every interval's reading behind it (and called it 90 times at once once fast); one
    // that never settled stopped sampling for good, in silence.
    let calls = 0
    const never = sampled(() => {
      calls++
      return new Promise<ResourceReading>(() => {})
    }, 25_000)
    expect(never.errors).toEqual([
      'sampling host resources failed: no reading within 10000 ms; the monitor goes on without this reading',
      'sampling host resources failed: no reading within 10000 ms; the monitor goes on without this reading',
    ])
    expect(calls).toBe(3)
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
