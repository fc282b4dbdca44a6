// The history is bounded by count and by the per-agent entries it holds; past the entry budget its oldest
// snapshots lose their agents. The budget counts distinct entry objects (an entry handed on unchanged is shared
// between consecutive snapshots), so the oracle here is a Set of the objects the full snapshots hold.
import fc from 'fast-check'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { createAnalysis } from '../src/analysis/index.js'
import type { AgentSnapshot, SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import { SnapshotHistory } from '../src/monitor/snapshot-history.js'
import { agent, snapshot } from './fixtures/analysis-snapshot.js'

/** Per step: how many agents, and which of them keep last snapshot's entry (by place, as build-snapshot does). */
const stepsArb = fc.array(
  fc.record({
    agents: fc.integer({ min: 0, max: 12 }),
    keep: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  }),
  { minLength: 1, maxLength: 60 },
)

function distinctEntries(snapshots: readonly SwarmSnapshot[]): number {
  const seen = new Set<AgentSnapshot>()
  for (const s of snapshots) for (const a of s.agents) seen.add(a)
  return seen.size
}

describe('SnapshotHistory', () => {
  it('keeps the newest snapshots within both bounds, thinning the oldest, and counts entries exactly', () => {
    fc.assert(
      fc.property(
        stepsArb,
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 0, max: 60 }),
        (steps, maxSnapshots, maxEntries) => {
          const history = new SnapshotHistory(maxSnapshots, maxEntries)
          const pushed: SwarmSnapshot[] = []
          let previous: AgentSnapshot[] = []
          for (const [i, step] of steps.entries()) {
            const agents = Array.from({ length: step.agents }, (_, a) =>
              step.keep[a] && previous[a] ? previous[a] : agent(`a${a}`, { tasksCompleted: i }),
            )
            const s = snapshot({ at: i * 1000, seq: i, agents })
            pushed.push(s)
            history.push(s)
            previous = agents

            const kept = history.snapshots
            // The newest, by count, in order; each the pushed one or its thin copy.
            expect(kept.map((k) => k.seq)).toEqual(pushed.slice(-maxSnapshots).map((p) => p.seq))
            const full = kept.filter((k) => !k.agentsOmitted)
            // Thin ones are a prefix, never the newest, and lose nothing but their agents.
            expect(kept.slice(0, kept.length - full.length).every((k) => k.agentsOmitted)).toBe(true)
            expect(kept[kept.length - 1]).toBe(s)
            for (const k of kept) {
              const original = pushed.find((p) => p.seq === k.seq) as SwarmSnapshot
              if (k.agentsOmitted) expect(k).toEqual({ ...original, agents: [], agentsOmitted: true })
              else expect(k).toBe(original)
            }
            expect(history.agentEntries).toBe(distinctEntries(full))
            // Within the budget, unless only the newest is left full; and no snapshot thinned that fit.
            if (full.length > 1) expect(history.agentEntries).toBeLessThanOrEqual(maxEntries)
            const oneMore = kept[kept.length - full.length - 1]
            if (oneMore) {
              const original = pushed.find((p) => p.seq === oneMore.seq) as SwarmSnapshot
              expect(distinctEntries([original, ...full])).toBeGreaterThan(maxEntries)
            }
          }
        },
      ),
    )
  })
})

describe('a history past its entry budget', () => {
  it('error-spike names agents by the failures since the oldest snapshot that kept its agents', () => {
    const analysis = createAnalysis({})
    const thin = { ...snapshot({ at: 0, swarm: { tasksFailed: 100 } }), agents: [], agentsOmitted: true as const }
    const tenMinutesAgo = snapshot({
      at: 3_000_000,
      swarm: { tasksFailed: 103 },
      agents: [agent('a1', { tasksFailed: 50 }), agent('a2', { tasksFailed: 53 })],
    })
    const now = snapshot({
      at: 3_600_000,
      swarm: { tasksFailed: 110 },
      agents: [agent('a1', { tasksFailed: 51 }), agent('a2', { tasksFailed: 59 })],
    })
    const spike = analysis.evaluate(now, [thin, tenMinutesAgo]).insights.find((i) => i.kind === 'error-spike')
    // 10 failures in the hour (against the thin snapshot's count); per agent since the one 10 minutes ago.
    expect(spike?.value).toBe(10)
    expect(spike?.recommendation).toBe(
      'investigate a2 (6 failures in the last 10 min), a1 (1 failures in the last 10 min)',
    )
  })

  it('the analysis archive keeps no agents for a fleet too large for all its points, and error-spike says so', () => {
    const analysis = createAnalysis({})
    const fleet = (failed: number, n: number) =>
      Array.from({ length: n }, (_, i) => agent(`a${i}`, { tasksFailed: i === 0 ? failed : 0 }))
    // One snapshot a minute for an hour; the monitor's own history keeps the last 10.
    const history: SwarmSnapshot[] = []
    const at = (i: number) => i * 60_000
    let last: ReturnType<typeof analysis.evaluate> | undefined
    for (let i = 0; i <= 60; i++) {
      // 1,667 agents: one more than 120 archive points of them fit in 200,000 entries.
      const s = snapshot({ at: at(i), swarm: { tasksFailed: i }, agents: fleet(i, 1667) })
      last = analysis.evaluate(s, history.slice(-10))
      history.push(s)
    }
    const spike = last?.insights.find((i) => i.kind === 'error-spike')
    // 60 failures since the (thin) archive point an hour old; a0's since the oldest snapshot with agents, 10 min.
    expect(spike?.value).toBe(60)
    expect(spike?.recommendation).toBe('investigate a0 (10 failures in the last 10 min)')
  })

  it('throughput-degradation says when the snapshot it compares agents with is less than a window old', () => {
    const analysis = createAnalysis({})
    const thin = { ...snapshot({ at: 0 }), agents: [], agentsOmitted: true as const }
    const halfAWindowAgo = snapshot({
      at: 570_000,
      agents: [agent('a1', { throughputPerMin: 10 }), agent('a2', { throughputPerMin: 10 })],
    })
    const now = snapshot({
      at: 600_000,
      window: { durationMs: 60_000 },
      agents: [agent('a1', { throughputPerMin: 10 }), agent('a2', { throughputPerMin: 1 })],
      swarm: { throughputPerMin: 11, throughputHistoricalPerMin: 20, tasksQueued: 3 },
    })
    const found = analysis
      .evaluate(now, [thin, halfAWindowAgo])
      .insights.find((i) => i.kind === 'throughput-degradation')
    expect(found?.recommendation).toBe('investigate a2 (10/min -> 1/min) (since 30 s ago)')
  })

  it('the monitor thins its oldest snapshots and keeps every swarm figure, so comparePeriods still reads them', () => {
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor({ tickMs: 1000, historyAgentEntries: 10 }).connect(events$, {
      start: 'immediate',
    })
    const t0 = 1_700_000_000_000
    for (let a = 0; a < 4; a++) events$.next({ type: 'agent:joined', ts: t0, agentId: `agent-${a}` })
    for (let i = 0; i < 8; i++) {
      const ts = t0 + i * 1000 + 10
      for (let a = 0; a < 4; a++) {
        const taskId = `t${i}-${a}`
        events$.next({ type: 'task:started', ts, taskId, agentId: `agent-${a}` })
        events$.next({ type: 'task:completed', ts: ts + 100 + a, taskId, agentId: `agent-${a}` })
      }
    }
    events$.complete()
    const history = session.history()
    const full = history.filter((s) => !s.agentsOmitted)
    // Every agent has new samples every tick: 4 new entries per snapshot, so 10 entries hold the last two.
    expect(full.length).toBe(2)
    expect(history.length).toBeGreaterThan(full.length)
    for (const s of history) expect(s.swarm.agents).toBe(4)
    expect(full.every((s) => s.agents.length === 4)).toBe(true)
    const [first, last] = [history[0], history[history.length - 1]]
    const deltas = session.comparePeriods({ from: first.at, to: first.at }, { from: last.at, to: last.at })
    expect(deltas.find((d) => d.metric === 'swarm.agents')).toMatchObject({ a: 4, b: 4 })
  })
})
