// The tick reuses what did not change: build-snapshot keeps each agent's sample-derived parts on its record and
// hands the same objects on, and the analysers skip agents whose parts are the objects they saw last tick. These
// tests hold the incremental paths to a recompute from scratch on the same input.
import fc from 'fast-check'
import { Subject } from 'rxjs'
import { describe, expect, it } from 'vitest'
import { liveAgents, queueDepth } from '../src/analysis/analyser.js'
import { busiestWithQueue, efficiencyEnds, idlest, imbalance } from '../src/analysis/imbalance.js'
import { type AnalysisConfig, createAnalysis, parseAnalysisConfig } from '../src/analysis/index.js'
import { agentSeries } from '../src/analysis/series.js'
import { slowAgent } from '../src/analysis/slow-agent.js'
import { specialisation } from '../src/analysis/specialisation.js'
import type { Bottleneck, Insight } from '../src/model/finding.js'
import type { Reassignment } from '../src/model/reassignment.js'
import type { AgentSnapshot, SwarmSnapshot } from '../src/model/snapshot.js'
import type { SwarmEvent } from '../src/model/swarm-event.js'
import { buildSnapshot } from '../src/monitor/build-snapshot.js'
import { createSwarmMonitor } from '../src/monitor/create-swarm-monitor.js'
import type { Ingest } from '../src/monitor/ingest.js'
import { agent, snapshot } from './fixtures/analysis-snapshot.js'

const t0 = 1_700_000_000_000
const kinds = ['plan', 'code', 'test']

/** Thresholds low enough that a small random swarm raises every per-agent finding now and then. */
const analysis = {
  slowAgent: { minCompleted: 1, fleetP50Ratio: 1.2 },
  failingAgent: { minFinished: 2, successRateBelow: 0.9 },
  specialisation: { minCompleted: 1, speedupAtLeast: 1.2 },
  anomaly: { tasksPerPoint: 1, windowPoints: 5, minPoints: 5, consecutive: 1, threshold: 1 },
  imbalance: { loadImbalanceAbove: 0.1, efficiencyVarianceAbove: 0.001 },
}

const stepArb = fc.record({
  /** Event time to the next step: often within a tick, sometimes past several sub-windows. */
  advanceMs: fc.oneof(fc.integer({ min: 0, max: 900 }), fc.integer({ min: 900, max: 9000 })),
  /**
   * Per agent (by index): nothing, a completion, a failure, a task left waiting at it, or a task queued for the
   * monitor to place (the strategy's placements and the rebalancer's moves change agents' counts too).
   */
  work: fc.array(fc.constantFrom('none', 'none', 'complete', 'fail', 'queue', 'pool'), {
    minLength: 8,
    maxLength: 8,
  }),
  serviceMs: fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 8, maxLength: 8 }),
  kind: fc.nat(),
  /** An agent leaves (and a new one joins in its place later), now and then. */
  leave: fc.option(fc.nat({ max: 7 }), { freq: 6 }),
})

/** A small swarm's events from the steps: agents join, tasks complete, fail or wait, agents leave and come back. */
type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never
type Step = ArbValue<typeof stepArb>

/**
 * Fixed runs that raise every per-agent finding the property counts, so its coverage does not hang on the random
 * runs: agent 0 is slow, agent 1 fails half its tasks, agent 2 is fast at one kind, agent 3's service time jumps
 * five-fold half way, tasks pile up waiting at agent 4; agent 7 leaves and comes back. `shift` varies the rhythm.
 */
const scriptedSteps = (shift: number): Step[] =>
  Array.from({ length: 40 }, (_, i) => ({
    advanceMs: (i + shift) % 9 === 8 ? 4000 : 1000,
    work: [
      'complete',
      (i + shift) % 2 ? 'fail' : 'complete',
      'complete',
      'complete',
      i < 12 + shift ? 'queue' : 'none',
      'complete',
      'complete',
      'complete',
    ],
    serviceMs: [2500, 600, (i + shift) % 3 === 0 ? 100 : 900, i < 20 ? 500 : 2800, 600, 500 + (i % 4) * 50, 550, 600],
    kind: i + shift,
    leave: i === 10 || i === 20 + shift ? 7 : null,
  }))

function eventsOf(steps: Step[]): SwarmEvent[] {
  const events: SwarmEvent[] = []
  let ts = t0
  let task = 0
  const ids = Array.from({ length: 8 }, (_, a) => `agent-${a}`)
  const live = ids.map(() => true)
  for (const id of ids) events.push({ type: 'agent:joined', ts, agentId: id, capacity: 2 })
  for (const step of steps) {
    ts += step.advanceMs
    step.work.forEach((work, a) => {
      if (!live[a] || work === 'none') return
      const taskId = `t${task++}`
      const agentId = ids[a]
      const kind = kinds[(step.kind + a) % kinds.length]
      events.push({ type: 'task:queued', ts, taskId, kind })
      if (work === 'pool') return
      events.push({ type: 'task:assigned', ts, taskId, agentId })
      if (work === 'queue') return
      events.push({ type: 'task:started', ts, taskId, agentId })
      const end = ts + step.serviceMs[a] / 10
      if (work === 'complete')
        events.push({ type: 'task:completed', ts: end, taskId, agentId, durationMs: step.serviceMs[a] })
      else events.push({ type: 'task:failed', ts: end, taskId, agentId })
    })
    if (step.leave !== null) {
      const a = step.leave
      if (live[a]) events.push({ type: 'agent:left', ts, agentId: ids[a] })
      else events.push({ type: 'agent:joined', ts, agentId: ids[a], capacity: 1 + (a % 3) })
      live[a] = !live[a]
    }
  }
  return events.sort((x, y) => x.ts - y.ts)
}

/** The snapshot's figures without the analysis' findings (filled after it is built). */
function figures(s: SwarmSnapshot) {
  const { bottlenecks, insights, alerts, sla, predictions, seq, ...rest } = s
  return rest
}

/** Build a snapshot as of now with every per-agent cache cleared, then put the caches back as they were. */
function fromScratch(session: unknown, at: number, reassignments: number): SwarmSnapshot {
  const s = session as {
    ingest: Ingest
    config: Parameters<typeof buildSnapshot>[1]
    definitions: Record<string, string>
  }
  const cacheFields = [
    'viewSamples',
    'viewRotations',
    'windowCompleted',
    'windowFailed',
    'windowServiceSumMs',
    'serviceMsView',
    'byKindView',
    'serviceHistogramView',
    'efficiencyParts',
    'snapshotView',
    'revision',
    'entryRevision',
  ] as const
  const saved = [...s.ingest.state.agents.values()].map((agent) => {
    const kept = Object.fromEntries(cacheFields.map((f) => [f, agent[f]]))
    agent.viewSamples = -1
    agent.efficiencyParts = null
    agent.snapshotView = null
    return [agent, kept] as const
  })
  const built = buildSnapshot(s.ingest, s.config, at, 0, reassignments, s.definitions)
  for (const [agent, kept] of saved) Object.assign(agent, kept)
  return built
}

/** Findings of a fresh analysis on copies of the snapshot and its history (no object it has seen before). */
function coldFindings(current: SwarmSnapshot, history: readonly SwarmSnapshot[]) {
  const copy = structuredClone(current)
  for (const field of ['bottlenecks', 'insights', 'alerts', 'sla', 'predictions'] as const) copy[field] = []
  const r = createAnalysis(analysis).evaluate(copy, structuredClone(history))
  return { insights: r.insights, bottlenecks: r.bottlenecks.map(({ since, ...b }) => b), predictions: r.predictions }
}

describe('incremental tick', () => {
  it('every snapshot and its findings equal a build and an analysis from scratch (property)', () => {
    let checked = 0
    const found = new Set<string>()
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 5, maxLength: 40 }), fc.boolean(), (steps, rebalance) => {
        const events$ = new Subject<SwarmEvent>()
        const session = createSwarmMonitor({
          tickMs: 1000,
          windowMs: 6000,
          windowSlots: 3,
          historySize: 1000,
          // Placements and moves nobody answers expire within a run, and give the agents' counts back.
          placementTimeoutMs: 3000,
          rebalance,
          idleTicks: false,
          analysis,
        }).connect(events$, { start: 'immediate' })
        // A subscriber that throws is caught by the session, so the pairs are compared after the run.
        const pairs: Array<{ emitted: unknown; expected: unknown }> = []
        session.snapshots$.subscribe((emitted) => {
          const scratch = fromScratch(session, emitted.at, emitted.swarm.reassignments.emitted)
          const history = session.history()
          const cold = coldFindings(emitted, history.slice(0, history.length - 1))
          pairs.push({
            emitted: {
              ...figures(emitted),
              insights: emitted.insights,
              bottlenecks: emitted.bottlenecks.map(({ since, ...b }) => b),
              predictions: emitted.predictions,
            },
            expected: { ...figures(scratch), ...cold },
          })
        })
        for (const e of eventsOf(steps)) events$.next(e)
        session.dispose()
        for (const { emitted, expected } of pairs) expect(emitted).toEqual(expected)
        for (const s of session.history()) for (const f of [...s.insights, ...s.bottlenecks]) found.add(f.kind)
        checked += pairs.length
      }),
      {
        numRuns: 40,
        examples: [
          [scriptedSteps(0), false],
          [scriptedSteps(1), false],
          [scriptedSteps(2), true],
        ],
      },
    )
    expect(checked).toBeGreaterThan(100)
    // The runs raise every per-agent finding the incremental paths serve, so the comparisons are not of empty lists.
    // The scripted examples alone give 123 comparisons and every kind: the counts do not hang on the random runs.
    for (const kind of ['slow-agent', 'failing-agent', 'specialisation', 'anomaly', 'imbalance'])
      expect(found).toContain(kind)
  })
})

/**
 * What changes an agent's counts but no kernel figure: assignments, starts, placements the monitor emits and the
 * host's answers to them, moves, cancellations, departures and returns. With no completion after the set-up the
 * efficiency figures stay put, so a handed-on entry is right only if every such change bumped the agent's revision.
 */
const countStepArb = fc.oneof(
  fc.record({ op: fc.constant('assign' as const), agent: fc.nat({ max: 5 }) }),
  fc.record({ op: fc.constant('start' as const), agent: fc.nat({ max: 5 }) }),
  fc.record({ op: fc.constant('pool' as const) }),
  fc.record({ op: fc.constant('answer' as const), refuse: fc.boolean() }),
  fc.record({ op: fc.constant('cancel' as const) }),
  fc.record({ op: fc.constant('leave-or-join' as const), agent: fc.nat({ max: 5 }) }),
  // Often enough that most runs cross a dozen ticks.
  { arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 100, max: 2500 }) }), weight: 4 },
)

describe('handed-on agent entries', () => {
  it('show every change of state and counts, with no kernel figure moving (property)', () => {
    let compared = 0
    let handedOn = 0
    let moves = 0
    let reassignmentsAnswered = 0
    fc.assert(
      fc.property(fc.array(countStepArb, { minLength: 10, maxLength: 60 }), fc.boolean(), (steps, rebalance) => {
        const events$ = new Subject<SwarmEvent>()
        const session = createSwarmMonitor({
          tickMs: 1000,
          placementTimeoutMs: 3000,
          rebalance,
          // Eager, so moves (and their expiry) happen in most runs.
          rebalancer: { imbalanceThreshold: 0.1, minDwellMs: 0, cooldownMs: 0, minGainMs: 0 },
          idleTicks: false,
        }).connect(events$, { start: 'immediate' })
        const pending: Reassignment[] = []
        session.reassignments$.subscribe((r) => {
          pending.push(r)
          if (r.reason === 'rebalance') moves++
        })
        const pairs: Array<{ emitted: unknown; expected: unknown }> = []
        let previous: SwarmSnapshot | null = null
        session.snapshots$.subscribe((emitted) => {
          const scratch = fromScratch(session, emitted.at, emitted.swarm.reassignments.emitted)
          pairs.push({ emitted: emitted.agents, expected: scratch.agents })
          for (let i = 0; previous && i < emitted.agents.length; i++)
            if (emitted.agents[i] === previous.agents[i]) handedOn++
          previous = emitted
        })
        const ids = Array.from({ length: 6 }, (_, a) => `agent-${a}`)
        const live = ids.map(() => true)
        let ts = t0
        let task = 0
        // Set-up: every agent completes three tasks, then the first sub-window closes, so the figures settle.
        for (const agentId of ids) events$.next({ type: 'agent:joined', ts, agentId, capacity: 2 })
        for (let r = 0; r < 3; r++) {
          ids.forEach((agentId, a) => {
            const taskId = `t${task++}`
            events$.next({ type: 'task:started', ts, taskId, agentId })
            events$.next({ type: 'task:completed', ts, taskId, agentId, durationMs: 100 * (a + 1) })
          })
        }
        ts += 11_000
        events$.next({ type: 'queue:depth', ts, depth: 0 })
        const waiting = ids.map((): string[] => [])
        const open: string[] = []
        for (const step of steps) {
          if (step.op === 'advance') {
            ts += step.ms
            events$.next({ type: 'queue:depth', ts, depth: 0 })
          } else if (step.op === 'assign' && live[step.agent]) {
            const taskId = `t${task++}`
            events$.next({ type: 'task:queued', ts, taskId, kind: 'plan' })
            events$.next({ type: 'task:assigned', ts, taskId, agentId: ids[step.agent] })
            waiting[step.agent].push(taskId)
            open.push(taskId)
          } else if (step.op === 'start' && live[step.agent] && waiting[step.agent].length > 0) {
            const taskId = waiting[step.agent].shift() as string
            events$.next({ type: 'task:started', ts, taskId, agentId: ids[step.agent] })
          } else if (step.op === 'pool') {
            const taskId = `t${task++}`
            events$.next({ type: 'task:queued', ts, taskId, kind: 'plan' })
            open.push(taskId)
          } else if (step.op === 'answer' && pending.length > 0) {
            const r = pending.shift() as Reassignment
            reassignmentsAnswered++
            events$.next(
              step.refuse
                ? { type: 'reassignment:refused', ts, taskId: r.taskId, toAgentId: r.toAgentId, reason: 'busy' }
                : { type: 'task:assigned', ts, taskId: r.taskId, agentId: r.toAgentId },
            )
          } else if (step.op === 'cancel' && open.length > 0) {
            events$.next({ type: 'task:cancelled', ts, taskId: open.shift() as string })
          } else if (step.op === 'leave-or-join') {
            const agentId = ids[step.agent]
            events$.next(
              live[step.agent]
                ? { type: 'agent:left', ts, agentId }
                : { type: 'agent:joined', ts, agentId, capacity: 3 },
            )
            live[step.agent] = !live[step.agent]
          }
        }
        session.dispose()
        for (const { emitted, expected } of pairs) expect(emitted).toEqual(expected)
        compared += pairs.length * 6
      }),
      { numRuns: 150 },
    )
    // The comparisons are of handed-on entries (more than half), and the moves happen: about 6,000 entries, 100 to
    // 150 moves and 100 answered reassignments a run.
    expect(handedOn).toBeGreaterThan(compared / 3)
    expect(moves).toBeGreaterThan(50)
    expect(reassignmentsAnswered).toBeGreaterThan(40)
  })
})

/** The series as the analysis built them before they were kept by position: a map of totals per snapshot. */
function seriesByMap(snapshots: readonly SwarmSnapshot[], tasksPerPoint: number) {
  const series = new Map<string, { serviceMs: number[]; errorRate: number[] }>()
  const acc = new Map<string, { completed: number; serviceMs: number; finished: number; failed: number }>()
  const totals = (a: AgentSnapshot) => {
    let completed = 0
    let failed = 0
    let serviceMs = 0
    for (const s of Object.values(a.byKind)) {
      completed += s.completed
      failed += s.failed
      serviceMs += (s.meanServiceMs ?? 0) * s.completed
    }
    return { completed, failed, serviceMs }
  }
  type Seen = { byKind: object; totals: ReturnType<typeof totals> }
  let previous = new Map<string, Seen>()
  for (const snap of snapshots) {
    const current = new Map<string, Seen>(snap.agents.map((a) => [a.agentId, { byKind: a.byKind, totals: totals(a) }]))
    for (const [id, seen] of current) {
      const last = previous.get(id)
      // The same byKind object is the same figures: nothing to add.
      if (!last || last.byKind === seen.byKind) continue
      const before = last.totals
      const now = seen.totals
      let s = series.get(id)
      if (!s) series.set(id, (s = { serviceMs: [], errorRate: [] }))
      let a = acc.get(id)
      if (!a) acc.set(id, (a = { completed: 0, serviceMs: 0, finished: 0, failed: 0 }))
      const dCompleted = now.completed - before.completed
      const dFailed = now.failed - before.failed
      if (dCompleted < 0 || dFailed < 0) {
        series.set(id, { serviceMs: [], errorRate: [] })
        acc.set(id, { completed: 0, serviceMs: 0, finished: 0, failed: 0 })
        continue
      }
      a.completed += dCompleted
      a.serviceMs += now.serviceMs - before.serviceMs
      a.finished += dCompleted + dFailed
      a.failed += dFailed
      if (a.completed >= tasksPerPoint) {
        s.serviceMs.push(a.serviceMs / a.completed)
        a.completed = 0
        a.serviceMs = 0
      }
      if (a.finished >= tasksPerPoint) {
        s.errorRate.push(a.failed / a.finished)
        a.finished = 0
        a.failed = 0
      }
    }
    previous = current
  }
  return series
}

describe('agent series kept by position', () => {
  it('equal the series built by id, whatever the agents do between snapshots (property)', () => {
    const agentArb = fc.record({
      id: fc.constantFrom('a', 'b', 'c', 'd', 'e'),
      /** Keep the previous tick's byKind object (no new samples), or new figures. */
      same: fc.boolean(),
      completed: fc.nat({ max: 5 }),
      failed: fc.nat({ max: 2 }),
      meanMs: fc.integer({ min: 1, max: 1000 }),
      /** The counters start again (a new agent under an old id). */
      restart: fc.boolean(),
    })
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(agentArb, { selector: (a) => a.id, maxLength: 5 }), { maxLength: 25 }),
        (ticks) => {
          const lifetime = new Map<string, { completed: number; failed: number; byKind: AgentSnapshot['byKind'] }>()
          const snapshots = ticks.map((list, i) =>
            snapshot({
              at: i * 1000,
              agents: list.map((spec) => {
                let known = lifetime.get(spec.id)
                if (!known || !spec.same) {
                  const base = !known || spec.restart ? { completed: 0, failed: 0 } : known
                  const completed = base.completed + spec.completed
                  const failed = base.failed + spec.failed
                  known = { completed, failed, byKind: { work: { completed, failed, meanServiceMs: spec.meanMs } } }
                  lifetime.set(spec.id, known)
                }
                return agent(spec.id, { byKind: known.byKind })
              }),
            }),
          )
          // Ticking one snapshot at a time (the incremental path) and replaying at once must both match the oracle.
          let ticking = agentSeries(snapshots.slice(0, 1), 2)
          for (let i = 2; i <= snapshots.length; i++) ticking = agentSeries(snapshots.slice(0, i), 2)
          // Copies share no byKind object between snapshots: every agent counts as changed at every tick.
          const copies = snapshots.map((s) => structuredClone(s))
          const replayed = agentSeries(copies, 2)
          for (const [state, expected] of [
            [ticking, seriesByMap(snapshots, 2)],
            [replayed, seriesByMap(copies, 2)],
          ] as const) {
            const got = new Map(
              [...state.series].map(([id, s]) => [
                id,
                { serviceMs: s.serviceMs.map((p) => p.value), errorRate: s.errorRate.map((p) => p.value) },
              ]),
            )
            expect(got).toEqual(expected)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('busiest and idlest agents', () => {
  it('are the first of a stable sort by load, as the analysers ranked them before (property)', () => {
    const agentsArb = fc.array(
      fc.record({ queued: fc.nat({ max: 3 }), inFlight: fc.nat({ max: 3 }), capacity: fc.integer({ min: 1, max: 3 }) }),
      { maxLength: 12 },
    )
    fc.assert(
      fc.property(agentsArb, (specs) => {
        const agents = specs.map((s, i) => agent(`a${i}`, s))
        expect(busiestWithQueue(agents)).toBe(agents.filter((a) => a.queued > 0).sort((a, b) => b.load - a.load)[0])
        expect(idlest(agents)).toBe([...agents].sort((a, b) => a.load - b.load)[0])
      }),
    )
  })

  it('the least and most efficient are the ends of a stable sort by efficiency over scored agents (property)', () => {
    // Few distinct efficiencies, so ties (where first-of-lowest and last-of-highest matter) are common.
    const agentsArb = fc.array(
      fc.record({ efficiency: fc.constantFrom(0, 0.25, 0.5, 1), finished: fc.nat({ max: 2 }) }),
      { maxLength: 12 },
    )
    fc.assert(
      fc.property(agentsArb, (specs) => {
        const agents = specs.map((s, i) => ({
          ...agent(`a${i}`, { tasksCompleted: s.finished }),
          efficiency: s.efficiency,
        }))
        const ranked = agents.filter((a) => a.tasksCompleted > 0).sort((a, b) => a.efficiency - b.efficiency)
        const { worst, best } = efficiencyEnds(agents)
        expect(worst).toBe(ranked[0])
        expect(best).toBe(ranked[ranked.length - 1])
      }),
    )
  })
})

describe('per-agent analysers with cached parts', () => {
  const config = parseAnalysisConfig({ slowAgent: { minCompleted: 1 }, specialisation: { minCompleted: 2 } })
  const kindArb = fc.record({
    p50: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
    mean: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }),
    completed: fc.integer({ min: 0, max: 60 }),
  })
  const agentArb = fc.record({
    p50: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
    mean: fc.option(fc.integer({ min: 0, max: 12_000 }), { nil: null }),
    kinds: fc.array(
      fc.record({ completed: fc.nat({ max: 8 }), mean: fc.option(fc.integer({ min: 0, max: 400 }), { nil: null }) }),
      {
        minLength: 3,
        maxLength: 3,
      },
    ),
    /** Hand on the previous snapshot's parts (as the monitor does for an agent without new samples). */
    same: fc.boolean(),
  })
  const names = ['plan', 'code', 'test']

  /** Two snapshots; the second hands on the first one's serviceMs and byKind objects for the agents marked `same`. */
  function pair(fleet: Array<ArbValue<typeof kindArb>>, specs: Array<ArbValue<typeof agentArb>>) {
    const kinds = fleet.map((k, i) => ({
      kind: names[i],
      completed: k.completed,
      failed: 0,
      meanServiceMs: k.mean,
      p50ServiceMs: k.p50,
    }))
    const build = (shift: number, previous?: SwarmSnapshot) =>
      snapshot({
        kinds,
        agents: specs.map((spec, i) => {
          const before = previous?.agents[i]
          const byKind: AgentSnapshot['byKind'] = {}
          spec.kinds.forEach((k, j) => {
            if (k.completed > 0) byKind[names[j]] = { completed: k.completed, failed: 0, meanServiceMs: k.mean }
          })
          const p50 = spec.p50 === null ? null : spec.p50 + shift
          return before && spec.same
            ? { ...before }
            : agent(`a${i}`, { tasksCompleted: 5, serviceMs: { p50, mean: spec.mean }, byKind })
        }),
      })
    const first = build(7)
    return [first, build(0, first)] as const
  }

  it('slow-agent finds what the walk over every agent and kind finds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(kindArb, { minLength: 3, maxLength: 3 }),
        fc.array(agentArb, { maxLength: 12 }),
        (fleet, specs) => {
          for (const s of pair(fleet, specs)) {
            const got = (slowAgent(s, [], config) as Bottleneck[]).map((f) => [
              f.agentId,
              f.value,
              f.threshold,
              f.severity,
            ])
            expect(got).toEqual(slowAgentsByWalk(s, config))
          }
        },
      ),
      { numRuns: 500 },
    )
  })

  it('specialisation finds what the walk over every agent and kind finds (property)', () => {
    fc.assert(
      fc.property(
        fc.array(kindArb, { minLength: 3, maxLength: 3 }),
        fc.array(agentArb, { maxLength: 12 }),
        (fleet, specs) => {
          for (const s of pair(fleet, specs)) {
            const got = (specialisation(s, [], config) as Insight[]).map((f) => [f.agentId, f.key, f.value])
            expect(got).toEqual(specialistsByWalk(s, config))
          }
        },
      ),
      { numRuns: 500 },
    )
  })
})

/** slow-agent as first written: every live agent, every kind, no screening. */
function slowAgentsByWalk(s: SwarmSnapshot, config: AnalysisConfig) {
  const c = config.slowAgent
  const fleetP50 = new Map(s.kinds.map((k) => [k.kind, k.p50ServiceMs]))
  const out: unknown[] = []
  for (const a of s.agents.filter((x) => x.state !== 'left')) {
    if (a.tasksCompleted < c.minCompleted) continue
    const mean = a.serviceMs.mean
    if (mean !== null && mean > c.meanServiceMs) {
      out.push([a.agentId, mean, c.meanServiceMs, mean >= c.meanServiceMs * c.criticalFactor ? 'critical' : 'warning'])
      continue
    }
    const p50 = a.serviceMs.p50
    if (p50 === null) continue
    let weighted = 0
    let weight = 0
    for (const [kind, stats] of Object.entries(a.byKind)) {
      const reference = fleetP50.get(kind)
      if (reference === null || reference === undefined || stats.completed === 0) continue
      weighted += reference * stats.completed
      weight += stats.completed
    }
    if (weight === 0) continue
    const threshold = (weighted / weight) * c.fleetP50Ratio
    if (p50 > threshold)
      out.push([a.agentId, p50, threshold, p50 >= threshold * c.criticalFactor ? 'critical' : 'warning'])
  }
  return out
}

/** specialisation as first written: every live agent, every kind. */
function specialistsByWalk(s: SwarmSnapshot, config: AnalysisConfig) {
  const c = config.specialisation
  const fleet = new Map(s.kinds.map((k) => [k.kind, k]))
  const out: unknown[] = []
  for (const a of s.agents.filter((x) => x.state !== 'left')) {
    for (const [kind, stats] of Object.entries(a.byKind)) {
      const f = fleet.get(kind)
      const mean = stats.meanServiceMs
      if (!f || f.meanServiceMs === null || mean === null || mean <= 0 || stats.completed < c.minCompleted) continue
      if (f.completed <= stats.completed) continue
      const speedup = f.meanServiceMs / mean
      if (speedup >= c.speedupAtLeast) out.push([a.agentId, `specialisation|${a.agentId}|${kind}`, speedup])
    }
  }
  return out
}

describe('agent entries handed on', () => {
  it('are the same objects while nothing of the agent changed, and new ones for the agent that did', () => {
    const events$ = new Subject<SwarmEvent>()
    const session = createSwarmMonitor({ tickMs: 1000, idleTicks: false }).connect(events$, { start: 'immediate' })
    for (const agentId of ['a', 'b', 'c']) events$.next({ type: 'agent:joined', ts: t0, agentId, capacity: 2 })
    events$.next({ type: 'task:started', ts: t0 + 10, taskId: 't1', agentId: 'a' })
    events$.next({ type: 'task:completed', ts: t0 + 50, taskId: 't1', agentId: 'a' })
    const first = session.snapshot()
    const second = session.snapshot()
    for (let i = 0; i < first.agents.length; i++) expect(second.agents[i]).toBe(first.agents[i])
    events$.next({ type: 'task:started', ts: t0 + 50, taskId: 't2', agentId: 'b' })
    const third = session.snapshot()
    const byId = (s: SwarmSnapshot, id: string) => s.agents.find((a) => a.agentId === id)
    expect(byId(third, 'b')).not.toBe(byId(second, 'b'))
    expect(byId(third, 'b')?.inFlight).toBe(1)
    expect(byId(third, 'c')).toBe(byId(second, 'c'))
    session.dispose()
  })
})

describe('caches keyed on the entry', () => {
  it('read any figure an entry carries as a walk over the entries would', () => {
    const config = parseAnalysisConfig({})
    const odd = agent('odd', { queued: -1, tasksCompleted: 5, efficiency: Number.NaN })
    const other = agent('other', { queued: 2, tasksCompleted: 5, efficiency: 0.1 })
    const s = snapshot({ agents: [odd, other], queue: { unassigned: 0 }, swarm: { tasksQueued: 0 } })
    // A negative queue is no marker of an agent that left, and a NaN efficiency makes the variance NaN (no finding),
    // as the walks before the caches read them.
    expect(liveAgents(s)).toEqual([odd, other])
    expect(queueDepth(s)).toBe(1)
    expect(imbalance(s, [], config)).toEqual([])
  })
})
