import { describe, expect, it } from 'vitest'
import type { AnalysisConfigInput } from '../src/analysis/config.js'
import { parseAnalysisConfig } from '../src/analysis/config.js'
import { analysers, createAnalysis } from '../src/analysis/index.js'
import { ConfigError } from '../src/model/errors.js'
import type { SwarmSnapshot } from '../src/model/snapshot.js'
import { agent, snapshot } from './fixtures/analysis-snapshot.js'

const evaluate = (s: SwarmSnapshot, history: SwarmSnapshot[] = [], config: AnalysisConfigInput = {}) =>
  createAnalysis(config).evaluate(s, history)
const kinds = (s: SwarmSnapshot, history: SwarmSnapshot[] = [], config: AnalysisConfigInput = {}) => {
  const r = evaluate(s, history, config)
  return [
    ...r.bottlenecks.map((b) => `${b.kind}:${b.agentId ?? ''}`),
    ...r.insights.map((i) => `${i.kind}:${i.agentId ?? ''}`),
  ]
}

describe('analysis config', () => {
  it('defaults every threshold to the issue', () => {
    const c = parseAnalysisConfig({})
    expect(c.slowAgent.meanServiceMs).toBe(10_000)
    expect(c.slowAgent.fleetP50Ratio).toBe(2)
    expect(c.failingAgent).toMatchObject({ successRateBelow: 0.8, minFinished: 10 })
    expect(c.cpu.above).toBe(0.9)
    expect(c.memory.above).toBe(0.9)
    expect(c.queueBacklog.above).toBe(1000)
    expect(c.messageLatency.p95AboveMs).toBe(1000)
    expect(c.imbalance).toEqual({ efficiencyVarianceAbove: 0.1, loadImbalanceAbove: 0.3 })
    expect(c.throughputDegradation.belowRatio).toBe(0.8)
    expect(c.errorSpike).toEqual({ errorsAbove: 5, windowMs: 3_600_000 })
    expect(c.resourcePressure.above).toBe(0.85)
    expect(c.specialisation.speedupAtLeast).toBe(1.5)
  })

  it('rejects a bad config with one error naming every wrong field', () => {
    let error: unknown
    try {
      createAnalysis({ cpu: { above: 1.5 }, alerts: [{ id: 'a', metric: 'swarm..x', op: '!=' as '>', threshold: 1 }] })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual(['cpu.above', 'alerts.0.metric', 'alerts.0.op'])
  })

  it('rejects an anomaly window that can never hold the points it needs (it turned detection off in silence)', () => {
    expect(() => createAnalysis({ anomaly: { minPoints: 100, windowPoints: 60 } })).toThrow(
      /anomaly.minPoints: minPoints must be at most windowPoints/,
    )
    expect(() => createAnalysis({ anomaly: { minPoints: 60, windowPoints: 60 } })).not.toThrow()
  })

  it('names the snapshot roots a metric path may start from', () => {
    expect(() =>
      createAnalysis({ alerts: [{ id: 'a', metric: 'swam.responseMs.p95', op: '>', threshold: 1 }] }),
    ).toThrow(
      'invalid analysis config: alerts.0.metric: must start with swarm., queue., window. or agents.*. (e.g. swarm.responseMs.p95, agents.*.serviceMs.p95)',
    )
    expect(() => createAnalysis({ slas: [{ id: 's', metric: 'agents.*.load', op: '<', threshold: 1 }] })).toThrow(
      'slas.0.metric: SLA rules take swarm paths, not agents.*',
    )
  })
})

describe('bottlenecks', () => {
  it('slow-agent: mean service time above 10 s', () => {
    const slow = agent('a1', { tasksCompleted: 5, serviceMs: { mean: 12_000, p50: 11_000 } })
    const fine = agent('a2', { tasksCompleted: 5, serviceMs: { mean: 9_000, p50: 9_000 } })
    const r = evaluate(snapshot({ agents: [slow, fine] }))
    expect(r.bottlenecks).toEqual([
      expect.objectContaining({
        kind: 'slow-agent',
        agentId: 'a1',
        value: 12_000,
        threshold: 10_000,
        severity: 'warning',
      }),
    ])
    expect(r.bottlenecks[0].evidence).toContain('a1')
  })

  it('slow-agent: p50 above 2x the fleet p50 for the same kind, not at 1.9x', () => {
    const kindsOf = [{ kind: 'review', completed: 40, failed: 0, meanServiceMs: 1200, p50ServiceMs: 1000 }]
    const byKind = { review: { completed: 10, failed: 0, meanServiceMs: 2500 } }
    const slow = agent('a1', { tasksCompleted: 10, byKind, serviceMs: { mean: 2500, p50: 2100 } })
    const ok = agent('a2', { tasksCompleted: 10, byKind, serviceMs: { mean: 2000, p50: 1900 } })
    const r = evaluate(snapshot({ agents: [slow, ok], kinds: kindsOf }))
    expect(r.bottlenecks.map((b) => [b.kind, b.agentId, b.threshold])).toEqual([['slow-agent', 'a1', 2000]])
  })

  it('slow-agent: not for an agent with fewer than minCompleted tasks', () => {
    const s = snapshot({ agents: [agent('a1', { tasksCompleted: 2, serviceMs: { mean: 50_000, p50: 50_000 } })] })
    expect(kinds(s)).toEqual([])
  })

  it('failing-agent: success below 80% over at least 10 finished tasks', () => {
    const failing = agent('a1', { tasksCompleted: 7, tasksFailed: 3 })
    const few = agent('a2', { tasksCompleted: 3, tasksFailed: 6 })
    const fine = agent('a3', { tasksCompleted: 8, tasksFailed: 2 })
    const r = evaluate(snapshot({ agents: [failing, few, fine] }))
    expect(r.bottlenecks).toEqual([
      expect.objectContaining({
        kind: 'failing-agent',
        agentId: 'a1',
        value: 0.7,
        threshold: 0.8,
        severity: 'warning',
      }),
    ])
    const critical = evaluate(snapshot({ agents: [agent('a1', { tasksCompleted: 2, tasksFailed: 10 })] }))
    expect(critical.bottlenecks[0].severity).toBe('critical')
  })

  it('cpu and memory above 90%, not at 90%', () => {
    const hot = snapshot({ swarm: { resources: { cpu: 0.95, memoryUsedBytes: 95, memoryTotalBytes: 100 } } })
    expect(evaluate(hot).bottlenecks.map((b) => b.kind)).toEqual(['cpu', 'memory'])
    const at = snapshot({ swarm: { resources: { cpu: 0.9, memoryUsedBytes: 90, memoryTotalBytes: 100 } } })
    expect(evaluate(at).bottlenecks).toEqual([])
  })

  it('queue-backlog above 1000 queued tasks', () => {
    expect(evaluate(snapshot({ swarm: { tasksQueued: 1001 } })).bottlenecks).toEqual([
      expect.objectContaining({ kind: 'queue-backlog', value: 1001, threshold: 1000 }),
    ])
    expect(evaluate(snapshot({ swarm: { tasksQueued: 1000 } })).bottlenecks).toEqual([])
  })

  it('message-latency above the configured p95 bound', () => {
    const s = snapshot({ swarm: { messageLatencyMs: { p95: 1500 } } })
    expect(evaluate(s).bottlenecks).toEqual([expect.objectContaining({ kind: 'message-latency', value: 1500 })])
    expect(evaluate(s, [], { messageLatency: { p95AboveMs: 2000 } }).bottlenecks).toEqual([])
  })

  it('keeps since at the first tick the bottleneck was seen, and resets it after a break', () => {
    const analysis = createAnalysis({})
    const hot = (at: number) => snapshot({ at, swarm: { resources: { cpu: 0.95 } } })
    expect(analysis.evaluate(hot(1000), []).bottlenecks[0].since).toBe(1000)
    expect(analysis.evaluate(hot(2000), []).bottlenecks[0].since).toBe(1000)
    expect(analysis.evaluate(snapshot({ at: 3000 }), []).bottlenecks).toEqual([])
    expect(analysis.evaluate(hot(4000), []).bottlenecks[0].since).toBe(4000)
  })
})

describe('no finding for an agent that has left', () => {
  it('ignores left agents in every agent finding and action', () => {
    const left = agent('gone', {
      state: 'left',
      tasksCompleted: 10,
      tasksFailed: 40,
      queued: 20,
      efficiency: 0,
      serviceMs: { mean: 60_000, p50: 60_000 },
      byKind: { review: { completed: 10, failed: 40, meanServiceMs: 100 } },
    })
    const s = snapshot({
      agents: [left, agent('a1', { tasksCompleted: 20, efficiency: 0.9 })],
      kinds: [{ kind: 'review', completed: 100, failed: 40, meanServiceMs: 1000, p50ServiceMs: 900 }],
      swarm: { tasksFailed: 40 },
    })
    const r = evaluate(s)
    const mentions = [...r.bottlenecks, ...r.insights, ...r.actions].filter(
      (f) => 'agentId' in f && f.agentId === 'gone',
    )
    expect(mentions).toEqual([])
    expect(JSON.stringify(r.insights)).not.toContain('gone')
    // The same agent live would be a slow, failing, specialised agent.
    const live = evaluate(snapshot({ ...s, agents: [{ ...left, state: 'busy' }, s.agents[1]] }))
    expect(live.bottlenecks.map((b) => `${b.kind}:${b.agentId}`)).toEqual(['slow-agent:gone', 'failing-agent:gone'])
  })
})

describe('insights', () => {
  it('imbalance by load names agents and the number of tasks to move', () => {
    const busy = agent('agent-7', { capacity: 1, inFlight: 1, queued: 4 })
    const idle = agent('agent-2', { capacity: 1, inFlight: 0, queued: 0 })
    const r = evaluate(snapshot({ agents: [busy, idle], swarm: { imbalance: 1 } }))
    const i = r.insights.find((x) => x.kind === 'imbalance')
    expect(i?.recommendation).toBe('move 2 queued tasks from agent-7 (load 5) to agent-2 (load 0)')
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'rebalance' }))
    expect(kinds(snapshot({ agents: [busy, idle], swarm: { imbalance: 0.3 } }))).not.toContain('imbalance:')
  })

  it('imbalance moves tasks only to an agent that has every capability of the one it relieves', () => {
    const gpu = agent('gpu', { capacity: 1, inFlight: 1, queued: 5, capabilities: ['gpu'] })
    const cpu = agent('cpu', { capacity: 1, inFlight: 0, queued: 0, capabilities: [] })
    const r = evaluate(snapshot({ agents: [gpu, cpu], swarm: { imbalance: 1 } }))
    const i = r.insights.find((x) => x.kind === 'imbalance')
    expect(i?.recommendation).toBe('spread new tasks by load: most loaded gpu, least loaded cpu')
    expect(r.actions.map((a) => a.type)).not.toContain('rebalance')
    // A second GPU agent, busier than cpu, is the one to relieve gpu.
    const gpu2 = agent('gpu2', { capacity: 1, inFlight: 1, queued: 0, capabilities: ['gpu', 'fp8'] })
    const withGpu = evaluate(snapshot({ agents: [gpu, cpu, gpu2], swarm: { imbalance: 1 } }))
    expect(withGpu.insights.find((x) => x.kind === 'imbalance')?.recommendation).toBe(
      'move 2 queued tasks from gpu (load 6) to gpu2 (load 1)',
    )
    expect(withGpu.actions).toContainEqual(expect.objectContaining({ type: 'rebalance' }))
  })

  it('imbalance by variance of efficiency above 0.1', () => {
    const spread = [
      agent('a1', { tasksCompleted: 5, efficiency: 0.95 }),
      agent('a2', { tasksCompleted: 5, efficiency: 0.2 }),
    ]
    const r = evaluate(snapshot({ agents: spread }))
    expect(r.insights.map((i) => i.kind)).toEqual(['imbalance'])
    expect(r.insights[0].recommendation).toBe(
      'send fewer tasks to a2 (efficiency 0.20) and more to a1 (efficiency 0.95)',
    )
    const close = [
      agent('a1', { tasksCompleted: 5, efficiency: 0.7 }),
      agent('a2', { tasksCompleted: 5, efficiency: 0.2 }),
    ]
    expect(evaluate(snapshot({ agents: close })).insights).toEqual([])
  })

  it('throughput-degradation below 80% of the historical average while work waits', () => {
    const history = [snapshot({ at: 0 })]
    const at = 600_000
    const degraded = snapshot({ at, swarm: { throughputPerMin: 10, throughputHistoricalPerMin: 20, tasksQueued: 5 } })
    expect(kinds(degraded, history)).toContain('throughput-degradation:')
    const fine = snapshot({ at, swarm: { throughputPerMin: 17, throughputHistoricalPerMin: 20, tasksQueued: 5 } })
    expect(kinds(fine, history)).not.toContain('throughput-degradation:')
    const idle = snapshot({ at, swarm: { throughputPerMin: 10, throughputHistoricalPerMin: 20, tasksQueued: 0 } })
    expect(kinds(idle, history)).not.toContain('throughput-degradation:')
  })

  it('throughput-degradation names the agent whose throughput fell', () => {
    const before = snapshot({
      at: 0,
      agents: [agent('a1', { throughputPerMin: 10 }), agent('a2', { throughputPerMin: 10 })],
    })
    const now = snapshot({
      at: 600_000,
      agents: [agent('a1', { throughputPerMin: 10 }), agent('a2', { throughputPerMin: 1 })],
      swarm: { throughputPerMin: 11, throughputHistoricalPerMin: 20, tasksQueued: 3 },
    })
    const i = evaluate(now, [before]).insights.find((x) => x.kind === 'throughput-degradation')
    expect(i?.recommendation).toBe('investigate a2 (10/min -> 1/min)')
  })

  it('error-spike: more than 5 errors in the last hour, counted against the snapshot an hour old', () => {
    const hourAgo = snapshot({
      at: 0,
      swarm: { tasksFailed: 100 },
      agents: [agent('a1', { tasksCompleted: 900, tasksFailed: 100 })],
    })
    const six = snapshot({
      at: 3_600_000,
      swarm: { tasksFailed: 106 },
      agents: [agent('a1', { tasksCompleted: 900, tasksFailed: 106 })],
    })
    const r = evaluate(six, [hourAgo])
    expect(r.insights).toEqual([expect.objectContaining({ kind: 'error-spike', value: 6, agentId: 'a1' })])
    expect(r.insights[0].recommendation).toBe('investigate a1 (6 of 6 failures)')
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'investigate', agentId: 'a1' }))
    const five = snapshot({ at: 3_600_000, swarm: { tasksFailed: 105 } })
    expect(kinds(five, [hourAgo])).toEqual([])
  })

  it('error-spike counts the whole hour even when the monitor keeps a shorter history', () => {
    const analysis = createAnalysis({})
    const history: SwarmSnapshot[] = []
    let last: ReturnType<typeof analysis.evaluate> | undefined
    // One failure every 10 minutes for an hour; the monitor keeps only the last 3 snapshots.
    for (let i = 0; i <= 5; i++) {
      const s = snapshot({
        at: i * 600_000,
        swarm: { tasksFailed: i },
        agents: [agent('a1', { tasksCompleted: 100, tasksFailed: i })],
      })
      last = analysis.evaluate(s, history.slice(-3))
      history.push(s)
    }
    expect(last?.insights.find((i) => i.kind === 'error-spike')).toBeUndefined()
    const anHourLater = snapshot({
      at: 3_600_000,
      swarm: { tasksFailed: 6 },
      agents: [agent('a1', { tasksCompleted: 100, tasksFailed: 6 })],
    })
    // 6 failures since the snapshot at 0, an hour old, which only the analysis' own archive still holds.
    expect(analysis.evaluate(anHourLater, history.slice(-3)).insights).toEqual([
      expect.objectContaining({ kind: 'error-spike', value: 6 }),
    ])
  })

  it('resource-pressure above 85% sizes the in-flight work that fits', () => {
    const s = snapshot({ swarm: { tasksInFlight: 10, resources: { cpu: 0.88 } } })
    const r = evaluate(s)
    expect(r.insights).toEqual([expect.objectContaining({ kind: 'resource-pressure', value: 0.88 })])
    expect(r.insights[0].recommendation).toBe('cap in-flight tasks at 9 (now 10, 8.8% CPU each) or add host capacity')
    expect(evaluate(snapshot({ swarm: { resources: { cpu: 0.85 } } })).insights).toEqual([])
  })

  it('specialisation: an agent at least 1.5x faster than the fleet at a kind', () => {
    const fleet = [{ kind: 'review', completed: 30, failed: 0, meanServiceMs: 1500, p50ServiceMs: 1400 }]
    const fast = agent('a1', {
      tasksCompleted: 10,
      byKind: { review: { completed: 10, failed: 0, meanServiceMs: 1000 } },
    })
    const r = evaluate(snapshot({ agents: [fast], kinds: fleet }))
    expect(r.insights).toEqual([expect.objectContaining({ kind: 'specialisation', agentId: 'a1', value: 1.5 })])
    expect(r.insights[0].recommendation).toContain("route 'review' tasks to a1")
    const notQuite = agent('a1', {
      tasksCompleted: 10,
      byKind: { review: { completed: 10, failed: 0, meanServiceMs: 1100 } },
    })
    expect(evaluate(snapshot({ agents: [notQuite], kinds: fleet })).insights).toEqual([])
  })

  it('queue-growth from the Holt trend of the queue depth', () => {
    const live = [agent('a1'), agent('a2')]
    const growing = Array.from({ length: 10 }, (_, i) =>
      snapshot({ at: i * 10_000, agents: live, swarm: { tasksQueued: 20 + i * 5, throughputPerMin: 10 } }),
    )
    const r = evaluate(growing[9], growing.slice(0, 9))
    const growth = r.insights.find((i) => i.kind === 'queue-growth')
    expect(growth?.value).toBeCloseTo(30, 0)
    expect(growth?.recommendation).toBe('add 6 agents (each completes 5/min) to stop the queue of 65 growing by 30/min')
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'scale-out', n: 6 }))
    // The same trend goes with the prediction: 65 queued growing 30/min is 365 in 10 min.
    const trends = r.predictions.find((p) => p.kind === null)?.trends
    expect(trends?.queueDepth?.perMin).toBeCloseTo(30, 6)
    expect(trends?.queueDepth?.in10Min).toBeCloseTo(365, 4)
    expect(trends?.throughputPerMin).toEqual({ level: 10, perMin: 0 })
    const flat = growing.map((s) => snapshot({ ...s, swarm: { ...s.swarm, tasksQueued: 50 } }))
    expect(kinds(flat[9], flat.slice(0, 9))).toEqual([])
  })

  it('no-capable-agent for tasks whose capabilities no live agent has', () => {
    const s = snapshot({
      agents: [agent('a1', { capabilities: ['python'] })],
      queue: {
        unplaceable: [
          { taskId: 't1', requiredCapabilities: ['python', 'gpu'] },
          { taskId: 't2', requiredCapabilities: ['gpu', 'python'] },
        ],
      },
    })
    const r = evaluate(s)
    expect(r.insights).toEqual([expect.objectContaining({ kind: 'no-capable-agent', value: 2 })])
    expect(r.insights[0].message).toContain('no live agent has [gpu]')
    expect(r.insights[0].recommendation).toBe(
      'add an agent with capabilities gpu, python, or drop the requirement from t1, t2',
    )
    expect(evaluate(snapshot({ agents: [agent('a1')] })).insights).toEqual([])
  })

  it('reports an insight in newInsights only on the tick it appears', () => {
    const analysis = createAnalysis({})
    const hot = (at: number) => snapshot({ at, swarm: { resources: { cpu: 0.88 } } })
    expect(analysis.evaluate(hot(1), []).newInsights).toHaveLength(1)
    const again = analysis.evaluate(hot(2), [])
    expect(again.insights).toHaveLength(1)
    expect(again.newInsights).toEqual([])
  })
})

describe('actions', () => {
  it('evacuate a critical failing agent, investigate a warning one, each once', () => {
    const analysis = createAnalysis({})
    const s = snapshot({
      agents: [agent('a1', { tasksCompleted: 2, tasksFailed: 10 }), agent('a2', { tasksCompleted: 7, tasksFailed: 3 })],
    })
    const first = analysis.evaluate(s, [])
    expect(first.actions.map((a) => [a.type, 'agentId' in a ? a.agentId : null])).toEqual([
      ['evacuate', 'a1'],
      ['investigate', 'a2'],
    ])
    expect(analysis.evaluate({ ...s, at: s.at + 1000 }, []).actions).toEqual([])
  })
})

describe('predictions become scale actions', () => {
  const kindsOf = [{ kind: 'work', completed: 500, failed: 0, meanServiceMs: 1100, p50ServiceMs: 1000 }]
  const fleet = (n: number) => Array.from({ length: n }, (_, i) => agent(`a${i}`, { state: 'busy', inFlight: 1 }))

  it('scale-out(n) when more agents are predicted for the response target than are live', () => {
    const s = snapshot({ agents: fleet(2), kinds: kindsOf, swarm: { tasksQueued: 500, tasksInFlight: 2 } })
    const r = evaluate(s, [], { prediction: { responseTargetMs: 60_000 } })
    const overall = r.predictions.find((p) => p.kind === null)!
    expect(overall.queuedTasks).toBe(500)
    // 500 tasks of 1.1 s each within 60 s: about 500 * 1.1 / (60 - 1.1) = 9.3 slots.
    expect(overall.agentsForSla?.estimate).toBe(10)
    expect(overall.agentsForSla!.low).toBeLessThanOrEqual(10)
    expect(overall.agentsForSla!.high).toBeGreaterThanOrEqual(10)
    expect(overall.drainMs!.estimate).toBeCloseTo((500 * 1100) / 2, -1)
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'scale-out', n: 8 }))
  })

  it('scale-in(n) when even the pessimistic estimate leaves agents spare and the queue is empty', () => {
    const s = snapshot({ agents: fleet(10), kinds: kindsOf, swarm: { tasksQueued: 0, tasksInFlight: 0 } })
    const r = evaluate(s, [], { prediction: { responseTargetMs: 60_000 }, actions: { minAgents: 3 } })
    expect(r.actions).toEqual([expect.objectContaining({ type: 'scale-in', n: 7 })])
  })

  it('scale-out to maxAgents when no fleet up to it is predicted to meet the target', () => {
    const s = snapshot({ agents: fleet(2), kinds: kindsOf, swarm: { tasksQueued: 500, tasksInFlight: 2 } })
    const r = evaluate(s, [], { prediction: { responseTargetMs: 60_000, maxAgents: 5 } })
    const overall = r.predictions.find((p) => p.kind === null)!
    expect(overall.agentsForSla).toBeNull()
    expect(overall.slaUnreachable).toBe(true)
    expect(r.actions).toContainEqual(expect.objectContaining({ type: 'scale-out', n: 3 }))
    // Met within maxAgents: no flag.
    expect(evaluate(s, [], { prediction: { responseTargetMs: 60_000 } }).predictions[0].slaUnreachable).toBeUndefined()
  })

  it('scale-out when no agent is live and tasks wait', () => {
    const s = snapshot({ agents: [], kinds: kindsOf, swarm: { tasksQueued: 40, tasksInFlight: 0 } })
    expect(evaluate(s, [], { prediction: { responseTargetMs: 60_000 } }).actions).toEqual([
      expect.objectContaining({ type: 'scale-out', n: 1, reason: 'no live agent and 40 tasks queued' }),
    ])
    expect(evaluate(s, [], { actions: { minAgents: 3 } }).actions).toEqual([
      expect.objectContaining({ type: 'scale-out', n: 3 }),
    ])
    expect(evaluate({ ...s, swarm: { ...s.swarm, tasksQueued: 0 } }, []).actions).toEqual([])
  })

  it('takes the response target from an SLA rule on swarm.responseMs, and predicts no agents without one', () => {
    const s = snapshot({ agents: fleet(2), kinds: kindsOf, swarm: { tasksQueued: 500 } })
    const sla = { id: 'p95', metric: 'swarm.responseMs.p95', op: '<' as const, threshold: 60_000 }
    expect(evaluate(s, [], { slas: [sla] }).predictions[0].agentsForSla?.estimate).toBe(10)
    expect(evaluate(s, []).predictions[0].agentsForSla).toBeNull()
  })
})

describe('isolation', () => {
  it('an analyser that throws is reported and the others still run', () => {
    const registry = analysers as Record<string, unknown>
    const original = registry.cpu
    registry.cpu = () => {
      throw new Error('boom')
    }
    try {
      const r = evaluate(snapshot({ swarm: { resources: { memoryUsedBytes: 99, memoryTotalBytes: 100 } } }))
      expect(r.errors).toEqual([{ source: 'analysis:cpu', error: expect.any(Error) }])
      expect(r.bottlenecks.map((b) => b.kind)).toEqual(['memory'])
    } finally {
      registry.cpu = original
    }
  })
})
