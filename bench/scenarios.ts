/**
 * `npm run bench -- scenarios [--json] [--seeds N] [--large-budget S] [--skip-large]`: the simulator with the monitor
 * attached, every named scenario under every strategy with and without the rebalancer, in virtual time.
 *
 * Goals (issue 6): on heavy and overload, optimal + rebalancer reaches at least 0.85 efficiency and at least 1.5x
 * round-robin's (without the rebalancer: the baseline), as the mean over seeds 1..N; no task lost or done twice in
 * any run; `large` (1000 agents, 100,000 tasks) with the monitor attached completes in at most 30 s of wall time.
 * `large` runs in slices of virtual time and stops at a wall-time budget, reporting how far it got; the simulator
 * alone on `large` (a trivial placer instead of the monitor) shows what the host side costs. On heavy and overload a
 * full-knowledge reference placer (`runOracle`) shows how close to the lower bound online placement can get at all.
 */
import {
  type ComparisonRow,
  compareStrategies,
  comparisonTableRows,
  summarizeRun,
} from '../src/sim/compare-strategies.js'
import { buildPlan } from '../src/sim/plan.js'
import { attachMonitor, runScenario } from '../src/sim/run-scenario.js'
import { scenarioNames, scenarios } from '../src/sim/scenarios.js'
import { createSimulator } from '../src/sim/simulator.js'
import type { Benchmark } from './index.js'
import { machine, table, versions } from './report.js'

const option = (args: string[], name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1)
}

interface LargeResult {
  config: string
  finished: boolean
  wallMs: number
  virtualMs: number
  tasksCompleted: number
  tasksTotal: number
  tasksLost: number
  tasksDuplicated: number
  efficiency: number | null
  events: number
}

function largeResult(
  config: string,
  finished: boolean,
  startedAt: number,
  o: ReturnType<ReturnType<typeof createSimulator>['outcome']>,
  events: number,
): LargeResult {
  return {
    config,
    finished,
    wallMs: Math.round(performance.now() - startedAt),
    virtualMs: Math.round(o.nowMs),
    tasksCompleted: o.tasksCompleted,
    tasksTotal: o.tasksTotal,
    tasksLost: o.tasksLost,
    tasksDuplicated: o.tasksDuplicated,
    efficiency: finished ? Math.round(o.efficiency * 1000) / 1000 : null,
    events,
  }
}

/** `large` with the monitor attached, advanced in 10 s slices of virtual time until done or out of budget. */
function runLarge(strategy: string, rebalance: boolean, budgetMs: number): LargeResult {
  const t0 = performance.now()
  const { sim, session } = attachMonitor({ scenario: 'large', strategy, rebalance })
  let events = 0
  sim.events$.subscribe(() => events++)
  for (let t = 10_000; !sim.done && performance.now() - t0 < budgetMs; t += 10_000) sim.advanceTo(t)
  const finished = sim.done
  sim.stop()
  session.dispose()
  return largeResult(`${strategy}${rebalance ? ' + rebalancer' : ''}`, finished, t0, sim.outcome(), events)
}

/** The simulator alone on `large`: each waiting task goes to the next live capable agent, on every heartbeat. */
function runLargeHostOnly(): LargeResult {
  const t0 = performance.now()
  const sim = createSimulator(buildPlan(scenarios.large))
  const byKind = new Map<string, { agents: string[]; cursor: number }>()
  const kindOf = new Map(sim.plan.tasks.map((t) => [t.jobId, t.kind]))
  const pool: string[] = []
  let events = 0
  sim.events$.subscribe((e) => {
    events++
    if (e.type === 'agent:joined') {
      const planned = sim.plan.agents.find((a) => a.agentId === e.agentId)!
      for (const kind of Object.keys(planned.speeds)) {
        if (!byKind.has(kind)) byKind.set(kind, { agents: [], cursor: 0 })
        byKind.get(kind)!.agents.push(e.agentId)
      }
    } else if (e.type === 'task:queued') pool.push(e.taskId)
    else if (e.type === 'queue:depth') {
      for (const taskId of pool.splice(0)) {
        const list = byKind.get(kindOf.get(taskId.split('~')[0])!)!
        const toAgentId = list.agents[list.cursor++ % list.agents.length]
        sim.apply({ taskId, toAgentId, reason: 'place', expectedGainMs: 0, at: e.ts })
      }
    }
  })
  const o = sim.run()
  return largeResult('simulator only (round-robin placer)', o.finished, t0, o, events)
}

/**
 * A reference, not a strategy: a placer that knows every task's size and every agent's speed exactly and places at
 * every event (no tick). Longest task first, each to the capable agent that would finish it earliest, bound only
 * when that agent has a free slot now (otherwise it waits for it). It shows how much of the gap to the lower bound
 * any online placement leaves on a scenario. Exact for scenarios without slowdowns (heavy, overload).
 */
function runOracle(scenario: string, seed: number): number {
  const sim = createSimulator(buildPlan(scenarios[scenario], { seed }))
  const planned = new Map(sim.plan.agents.map((a) => [a.agentId, a]))
  const tasks = new Map(sim.plan.tasks.map((t) => [t.jobId, t]))
  const running = new Map<string, number[]>() // agent -> finish times of its running tasks
  const pending: string[] = []
  let now = 0
  const sizeOf = (taskId: string) => tasks.get(taskId.split('~')[0])!
  const place = () => {
    pending.sort((a, b) => sizeOf(b).sizeMs - sizeOf(a).sizeMs)
    for (const taskId of [...pending]) {
      const task = sizeOf(taskId)
      let best: string | null = null
      let bestFinish = Number.POSITIVE_INFINITY
      let bestFree = false
      for (const [agentId, finishes] of running) {
        const agent = planned.get(agentId)!
        const speed = agent.speeds[task.kind]
        if (speed === undefined) continue
        const free = finishes.length < agent.capacity
        const finish = (free ? now : Math.min(...finishes)) + task.sizeMs / speed
        if (finish < bestFinish) [best, bestFinish, bestFree] = [agentId, finish, free]
      }
      if (best === null || !bestFree) continue
      running.get(best)!.push(bestFinish)
      pending.splice(pending.indexOf(taskId), 1)
      sim.apply({ taskId, toAgentId: best, reason: 'place', expectedGainMs: 0, at: now })
    }
  }
  sim.events$.subscribe((e) => {
    now = e.ts - sim.startTs
    if (e.type === 'agent:joined') running.set(e.agentId, [])
    else if (e.type === 'task:queued') pending.push(e.taskId)
    else if (e.type === 'task:completed' || e.type === 'task:failed') {
      const finishes = running.get(e.agentId)!
      let closest = 0
      for (let i = 1; i < finishes.length; i++)
        if (Math.abs(finishes[i] - now) < Math.abs(finishes[closest] - now)) closest = i
      finishes.splice(closest, 1)
    }
    if (e.type === 'task:queued' || e.type === 'task:completed' || e.type === 'task:failed') place()
  })
  return sim.run().efficiency
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length

export const scenariosBenchmark: Benchmark = {
  name: 'scenarios',
  summary: 'simulator + monitor: efficiency, response time, conservation per scenario and strategy; large in <= 30 s',
  async run({ json, args }) {
    const seeds = Number(option(args, '--seeds') ?? 5)
    const largeBudgetMs = Number(option(args, '--large-budget') ?? 60) * 1000
    const skipLarge = args.includes('--skip-large')
    const say = (text: string) => {
      if (!json) process.stdout.write(text)
    }

    // Every scenario but large, every strategy, with and without the rebalancer, on the scenario's own seed.
    const runs: ComparisonRow[] = []
    for (const scenario of scenarioNames.filter((n) => n !== 'large')) {
      const rows = compareStrategies({ scenario })
      runs.push(...rows)
      say(`\n${scenario} (seed ${rows[0].seed}, lower bound ${Math.round(rows[0].lowerBoundMs)} ms)\n`)
      say(table(comparisonTableRows(rows).map((row, i) => ({ ...row, wallMs: Math.round(rows[i].wallMs) }))))
    }

    // The goal pair on heavy and overload, over seeds 1..N.
    const goals: Record<string, unknown>[] = []
    for (const scenario of ['heavy', 'overload']) {
      const optimal: number[] = []
      const roundRobin: number[] = []
      const oracle: number[] = []
      for (let seed = 1; seed <= seeds; seed++) {
        const o = summarizeRun(runScenario({ scenario, strategy: 'optimal', rebalance: true, seed }))
        const r = summarizeRun(runScenario({ scenario, strategy: 'round-robin', rebalance: false, seed }))
        optimal.push(o.efficiency)
        roundRobin.push(r.efficiency)
        oracle.push(runOracle(scenario, seed))
        for (const s of [o, r])
          if (s.tasksLost || s.tasksDuplicated) runs.push({ ...s, rebalancer: s === o, wallMs: 0 })
      }
      const optimalMean = mean(optimal)
      const ratio = optimalMean / mean(roundRobin)
      goals.push({
        scenario,
        seeds,
        optimalRebalancer: Math.round(optimalMean * 1000) / 1000,
        optimalMin: Math.min(...optimal),
        roundRobin: Math.round(mean(roundRobin) * 1000) / 1000,
        ratio: Math.round(ratio * 100) / 100,
        fullKnowledgeReference: Math.round(mean(oracle) * 1000) / 1000,
        pass: optimalMean >= 0.85 && ratio >= 1.5,
      })
    }
    say(
      `\ngoal on heavy and overload: optimal + rebalancer >= 0.85 and >= 1.5x round-robin (mean of seeds 1..${seeds})\n`,
    )
    say(table(goals))

    const conservation = {
      runs: runs.length,
      lost: runs.reduce((a, r) => a + r.tasksLost, 0),
      duplicated: runs.reduce((a, r) => a + r.tasksDuplicated, 0),
    }
    say(
      `\nconservation over ${conservation.runs} runs: ${conservation.lost} lost, ${conservation.duplicated} done twice\n`,
    )

    const large: LargeResult[] = []
    if (!skipLarge) {
      large.push(runLargeHostOnly())
      for (const [strategy, rebalance] of [
        ['least-loaded', false],
        ['optimal', true],
      ] as const)
        large.push(runLarge(strategy, rebalance, largeBudgetMs))
      say(
        `\nlarge: 1000 agents, 100,000 tasks (goal: with the monitor attached, done in <= 30 s; budget ${largeBudgetMs / 1000} s)\n`,
      )
      say(table(large.map((l) => ({ ...l, pass: l.finished && l.wallMs <= 30_000 }))))
    }
    const result = {
      machine: machine(),
      versions: versions(['rxjs', 'zod']),
      command: `npm run bench -- scenarios${args.length ? ` ${args.join(' ')}` : ''}`,
      runs,
      goals,
      conservation,
      large,
    }
    say(`\n${JSON.stringify(result.machine)}\n${JSON.stringify(result.versions)}\n`)
    return result
  },
}
