import type { Reassignment } from '../model/reassignment.js'
import { setOwn } from '../model/set-own.js'
import type { AgentSnapshot, SwarmSnapshot } from '../model/snapshot.js'
import type { PendingTask, PlacementContext } from '../model/strategy.js'
import { parseConfig } from '../model/validate.js'
import { type RebalancerConfig, type RebalancerConfigInput, rebalancerConfigSchema } from './config.js'
import { canRun, createExpectedCompletion, type ExpectedCompletionModel } from './expected-completion.js'
import { FleetServiceMeans } from './fleet-service-means.js'

/** Why an agent is being emptied. */
export interface Evacuation {
  agentId: string
  cause: 'failing' | 'slow' | 'left'
  /** Success rate (failing) or service time relative to the rest of the fleet (slow); 0 for 'left'. */
  value: number
  threshold: number
}

/** The workload analysis of one tick. Loads are (in flight + queued) / capacity, over live agents. */
export interface WorkloadAnalysis {
  at: number
  meanLoad: number
  /** Coefficient of variation of load (0 = even). */
  imbalance: number
  /** Load by agent id (made when first read). */
  readonly loads: Record<string, number>
  /**
   * Expected time for each agent to clear what it holds (backlog / capacity, ms), by agent id: load weighted by
   * speed (made when first read).
   */
  readonly drainMs: Record<string, number>
  /** Coefficient of variation of the drain times: agents equally loaded in tasks can differ several-fold in time. */
  drainImbalance: number
  /** Load above `overloadFactor` x the mean. */
  overloaded: string[]
  /** Load below `underloadFactor` x the mean. */
  underloaded: string[]
  evacuating: Evacuation[]
  /** Whether the imbalance or the drain imbalance is above the threshold, i.e. this tick may move tasks. */
  rebalancing: boolean
}

export interface Rebalancer {
  readonly config: RebalancerConfig
  /** Called once per tick: moves of queued (never started) tasks, evacuations first. */
  rebalance(ctx: PlacementContext): Reassignment[]
  /** The workload analysis alone (no moves, no state change). */
  analyse(ctx: PlacementContext): WorkloadAnalysis
  /** The analysis made by the last `rebalance` call; null when that call found no queued task it could move. */
  readonly lastAnalysis: WorkloadAnalysis | null
  /**
   * The live agents it would empty on this snapshot (failing, or far slower than the fleet), from the snapshot alone
   * and computed once per snapshot: the monitor hands them to the strategy as `draining` before it places, so it
   * does not queue work there only for the rebalancer to move it at the next tick.
   */
  drainingFor(snapshot: SwarmSnapshot): ReadonlySet<string>
}

export interface RebalancerOptions {
  /** The strategies' bound (StrategyOptions.maxQueuedPerSlot): a receiver holds at most capacity * (1 + this). */
  maxQueuedPerSlot?: number | null
}

interface MoveRecord {
  fromAgentId: string
  toAgentId: string
  at: number
  /** Agents this task was offered to earlier from the same holder that did not take it (refused, or never answered). */
  declinedBy: ReadonlySet<string>
}

function coefficientOfVariation(values: ArrayLike<number>): number {
  const n = values.length
  if (n === 0) return 0
  let sum = 0
  for (let i = 0; i < n; i++) sum += values[i]
  const mean = sum / n
  if (!(mean > 0)) return 0
  let squares = 0
  for (let i = 0; i < n; i++) squares += (values[i] - mean) ** 2
  return Math.sqrt(squares / n) / mean
}

/**
 * The first `k` of `n` candidates (`at(j)`, skipped when negative) in the order `before`, in that order: an insertion
 * into a short sorted list, one comparison for most candidates (the rebalancer's sources and targets per move, where
 * sorting the fleet per move took a tenth of a 10,000-agent tick).
 */
export function firstInOrder(
  n: number,
  k: number,
  at: (j: number) => number,
  before: (a: number, b: number) => boolean,
): number[] {
  const out: number[] = []
  for (let j = 0; j < n; j++) {
    const candidate = at(j)
    if (candidate < 0 || (out.length === k && !before(candidate, out[k - 1]))) continue
    let i = out.length === k ? k - 1 : out.length
    while (i > 0 && before(candidate, out[i - 1])) {
      out[i] = out[i - 1]
      i--
    }
    out[i] = candidate
  }
  return out
}

/** `values[i]` under the id of `agents[i]`. */
function byAgentId(agents: readonly AgentSnapshot[], values: Float64Array): Record<string, number> {
  const out: Record<string, number> = {}
  for (let i = 0; i < agents.length; i++) setOwn(out, agents[i].agentId, values[i])
  return out
}

const noAgents: ReadonlySet<string> = new Set()

/** Agents examined per rebalance move: the ones that take longest to drain give, the quickest to drain receive. */
export const sourcesPerMove = 8
export const targetsPerMove = 32

/**
 * The rebalancer: once per tick, it looks at the workload and moves queued tasks that have not started.
 *
 * - Workload analysis: loads, their mean and coefficient of variation (the imbalance), overloaded (> 1.5x mean)
 *   and underloaded (< 0.5x) agents.
 * - Evacuation (any tick): an agent that is failing (success rate below `minSuccessRate` over at least
 *   `minSamples` finished tasks), far slower than the rest of the fleet (`slowFactor`) or gone ('left' but still
 *   holding queued tasks) loses every queued task to the capable agent where it is expected to finish first
 *   (reason 'evacuate'). Not capped per tick and no dwell: such an agent should hold nothing.
 * - Rebalance (only while the imbalance of load, or of drain time, is above `imbalanceThreshold`): the single best
 *   move at a time (largest gain in the moved task's expected completion; a task appended to its new agent's queue
 *   delays nobody there, so every move with a gain is an improvement), backlogs updated after each, while the gain
 *   exceeds `minGainMs`, at most `maxMovesPerTick` (reason 'rebalance'). Candidates: the `sourcesPerMove` agents
 *   that take longest to drain give, the `targetsPerMove` quickest receive; only tasks waiting at least
 *   `minDwellMs` at their agent, among the last `scanDepth` of each queue (those waiting longest to start, assuming
 *   an agent starts its queue in order). Drain time (backlog / capacity) rather than task count, because agents
 *   differ several-fold in speed.
 * - Memory: every move is remembered for `cooldownMs`. Within it a task is never sent back to the agent it left,
 *   nor offered again to an agent that did not take it (the host refused the move, or never answered). A move in
 *   flight is not the rebalancer's to repeat: the monitor leaves such tasks out of `queuedAt`, and a context built
 *   by hand should too.
 * - Bound: with the strategies' `maxQueuedPerSlot` (`options`), a receiver holds at most capacity * (1 + it); a
 *   task with no receiver that has room stays where it is.
 */
export function createRebalancer(config?: RebalancerConfigInput, options: RebalancerOptions = {}): Rebalancer {
  const settings = parseConfig(rebalancerConfigSchema, config, 'rebalancer config')
  const maxQueuedPerSlot = options.maxQueuedPerSlot ?? null
  const moves = new Map<string, MoveRecord>()
  let lastAnalysis: WorkloadAnalysis | null = null
  // The failing and slow agents of the last snapshot asked about (the analysis and drainingFor share them).
  let evacuationsFor: { snapshot: SwarmSnapshot; list: Evacuation[]; draining: ReadonlySet<string> } | null = null
  // What the evacuation check reads of each agent, kept from snapshot to snapshot (most entries are handed on).
  const fleet = new FleetServiceMeans()

  /** The live agents to empty on this snapshot: failing, or far slower than the rest of the fleet. */
  function evacuationsOf(snapshot: SwarmSnapshot): NonNullable<typeof evacuationsFor> {
    if (evacuationsFor?.snapshot === snapshot) return evacuationsFor
    const list: Evacuation[] = []
    const { evacuation } = settings
    if (evacuation.enabled) {
      fleet.update(snapshot.agents)
      for (let i = 0; i < snapshot.agents.length; i++) {
        if (!fleet.isLive(i)) continue
        if (fleet.finishedAt(i) >= evacuation.minSamples && fleet.successRateAt(i) < evacuation.minSuccessRate) {
          list.push({
            agentId: snapshot.agents[i].agentId,
            cause: 'failing',
            value: fleet.successRateAt(i),
            threshold: evacuation.minSuccessRate,
          })
          continue
        }
        const slowness = fleet.slownessAt(i, evacuation.minSamples)
        if (slowness !== null && slowness > evacuation.slowFactor) {
          list.push({
            agentId: snapshot.agents[i].agentId,
            cause: 'slow',
            value: slowness,
            threshold: evacuation.slowFactor,
          })
        }
      }
    }
    evacuationsFor = { snapshot, list, draining: new Set(list.map((e) => e.agentId)) }
    return evacuationsFor
  }

  function analyseWith(ctx: PlacementContext, model: ExpectedCompletionModel): WorkloadAnalysis {
    // By place in model.agents first (no look-up by id on a large fleet), then the records the analysis reports.
    const agents = model.agents
    const n = agents.length
    const loadAt = new Float64Array(n)
    const drainAt = new Float64Array(n)
    let sum = 0
    for (let i = 0; i < n; i++) {
      loadAt[i] = model.loadOf(agents[i])
      sum += loadAt[i]
      drainAt[i] = model.backlogOf(agents[i]) / Math.max(1, agents[i].capacity)
    }
    const meanLoad = n > 0 ? sum / n : 0
    let squares = 0
    for (let i = 0; i < n; i++) squares += (loadAt[i] - meanLoad) ** 2
    const imbalance = meanLoad > 0 ? Math.sqrt(squares / n) / meanLoad : 0
    const drainImbalance = coefficientOfVariation(drainAt)
    const overloaded: string[] = []
    const underloaded: string[] = []
    for (let i = 0; i < n; i++) {
      if (loadAt[i] > settings.overloadFactor * meanLoad) overloaded.push(agents[i].agentId)
      if (loadAt[i] < settings.underloadFactor * meanLoad) underloaded.push(agents[i].agentId)
    }
    // In snapshot order: departed agents still holding queued tasks, and the failing and slow live ones (listed in
    // that order too).
    const evacuating: Evacuation[] = []
    const live = evacuationsOf(ctx.snapshot).list
    let next = 0
    for (const agent of ctx.snapshot.agents) {
      if (agent.state === 'left') {
        if ((ctx.queuedAt.get(agent.agentId)?.length ?? 0) > 0)
          evacuating.push({ agentId: agent.agentId, cause: 'left', value: 0, threshold: 0 })
      } else if (live[next]?.agentId === agent.agentId) evacuating.push(live[next++])
    }
    // Queued tasks of an agent the snapshot no longer lists have nowhere to run either.
    for (const [agentId, queue] of ctx.queuedAt)
      if (queue.length > 0 && !model.agent(agentId)) evacuating.push({ agentId, cause: 'left', value: 0, threshold: 0 })
    // The two maps by agent id are made when first read: an object of 10,000 keys each tick cost a tenth of a
    // 10,000-agent tick with queued work, and the monitor reads neither.
    let loads: Record<string, number> | null = null
    let drainMs: Record<string, number> | null = null
    return {
      at: ctx.now,
      meanLoad,
      imbalance,
      get loads() {
        loads ??= byAgentId(agents, loadAt)
        return loads
      },
      get drainMs() {
        drainMs ??= byAgentId(agents, drainAt)
        return drainMs
      },
      drainImbalance,
      overloaded,
      underloaded,
      evacuating,
      rebalancing: imbalance > settings.imbalanceThreshold || drainImbalance > settings.imbalanceThreshold,
    }
  }

  function recentMove(taskId: string, now: number): MoveRecord | undefined {
    const record = moves.get(taskId)
    return record && now - record.at < settings.cooldownMs ? record : undefined
  }

  /**
   * Within the cooldown a task goes neither back to the agent it left nor, when it still sits where a move of it
   * started (the host refused the move, or never answered it), to the agent that did not take it. A move still in
   * flight never gets here: the monitor leaves such tasks out of `queuedAt`.
   */
  function allowedTarget(task: PendingTask, holder: string, target: AgentSnapshot, now: number): boolean {
    if (target.agentId === holder || !canRun(target, task)) return false
    const record = recentMove(task.taskId, now)
    if (!record) return true
    if (record.fromAgentId === target.agentId) return false
    return !(
      record.fromAgentId === holder &&
      (record.toAgentId === target.agentId || record.declinedBy.has(target.agentId))
    )
  }

  /** Whether the agent can take one more task under the strategies' `maxQueuedPerSlot` bound. */
  function hasRoom(model: ExpectedCompletionModel, target: AgentSnapshot): boolean {
    return (
      maxQueuedPerSlot === null ||
      model.occupancy(target.agentId, target) < Math.max(1, target.capacity) * (1 + maxQueuedPerSlot)
    )
  }

  function rebalance(ctx: PlacementContext): Reassignment[] {
    const { now } = ctx
    for (const [taskId, record] of moves) if (now - record.at >= settings.cooldownMs) moves.delete(taskId)
    // Only queued tasks the host has confirmed ever move: with none anywhere there is nothing to decide, and a tick
    // over thousands of agents should not pay for the workload model (placements still in flight do not count).
    let movable = 0
    for (const queue of ctx.queuedAt.values()) for (const task of queue) if (task.assignedAt !== null) movable++
    if (movable === 0) {
      lastAnalysis = null
      return []
    }

    const model = createExpectedCompletion(ctx, settings.priorServiceMs)
    const analysis = analyseWith(ctx, model)
    lastAnalysis = analysis
    const out: Reassignment[] = []
    const evacuatingIds = new Set(analysis.evacuating.map((e) => e.agentId))
    const receivers = model.agents.filter((a) => !evacuatingIds.has(a.agentId))
    // Each agent's remaining queue as this tick changes it.
    const queues = new Map<string, PendingTask[]>()
    for (const [agentId, queue] of ctx.queuedAt) queues.set(agentId, [...queue])

    const move = (task: PendingTask, from: string, to: string, reason: string, gainMs: number, sourceMs: number) => {
      const target = model.agent(to)!
      out.push({ taskId: task.taskId, fromAgentId: from, toAgentId: to, reason, expectedGainMs: gainMs, at: now })
      // Offered again from where an earlier offer left it: the agents that did not take it stay excluded.
      const earlier = recentMove(task.taskId, now)
      const declinedBy =
        earlier && earlier.fromAgentId === from ? new Set([...earlier.declinedBy, earlier.toAgentId]) : noAgents
      moves.set(task.taskId, { fromAgentId: from, toAgentId: to, at: now, declinedBy })
      model.addWork(from, -sourceMs, -1)
      model.addWork(to, model.serviceMs(target, task), 1, target)
    }
    const serviceAt = (agentId: string, task: PendingTask) => {
      const agent = model.agent(agentId)
      return agent ? model.serviceMs(agent, task) : 0
    }
    const capacityOf = (agentId: string) => Math.max(1, model.agent(agentId)?.capacity ?? 1)

    // Evacuation: every queued task of a failing, slow or departed agent, to where it is expected to finish first.
    // Oldest first, so the receivers queue them in their original order.
    for (const { agentId: from } of analysis.evacuating) {
      const queue = queues.get(from) ?? []
      // Where each task would finish if it stayed: the work ahead of it in this queue, then its own service.
      const ahead: number[] = []
      let behind = 0
      for (let i = queue.length - 1; i >= 0; i--) {
        behind += serviceAt(from, queue[i])
        ahead[i] = model.backlogMs(from) - behind
      }
      const kept: PendingTask[] = []
      queue.forEach((task, i) => {
        let best: AgentSnapshot | null = null
        let bestMs = Number.POSITIVE_INFINITY
        // A placement the host has not confirmed (assignedAt null) is not the rebalancer's to move yet.
        if (task.assignedAt !== null)
          for (const target of receivers) {
            if (!allowedTarget(task, from, target, now) || !hasRoom(model, target)) continue
            const ms = model.completionMs(target, task)
            if (ms < bestMs) {
              best = target
              bestMs = ms
            }
          }
        if (!best) {
          kept.push(task)
          return
        }
        const serviceMs = serviceAt(from, task)
        move(task, from, best.agentId, 'evacuate', ahead[i] / capacityOf(from) + serviceMs - bestMs, serviceMs)
      })
      queues.set(from, kept)
    }

    if (!analysis.rebalancing) return out
    // By expected drain time, not task count: a slow agent's few tasks can wait longer than a fast agent's many.
    // Receivers in order of drain time (then place): the quickest to drain receive, the slowest holding queued
    // tasks give. Drain times are worked out once and kept up to date, as a move changes only its two agents.
    const drainOf = (agent: AgentSnapshot) => model.backlogOf(agent) / Math.max(1, agent.capacity)
    const drainAt = new Float64Array(receivers.length)
    const holding: number[] = []
    for (let i = 0; i < receivers.length; i++) {
      drainAt[i] = drainOf(receivers[i])
      if ((queues.get(receivers[i].agentId)?.length ?? 0) > 0) holding.push(i)
    }
    const quicker = (a: number, b: number) => drainAt[a] < drainAt[b] || (drainAt[a] === drainAt[b] && a < b)
    const slower = (a: number, b: number) => quicker(b, a)
    for (let moved = 0; moved < settings.maxMovesPerTick; moved++) {
      const sources = firstInOrder(
        holding.length,
        sourcesPerMove,
        (j) => ((queues.get(receivers[holding[j]].agentId)?.length ?? 0) > 0 ? holding[j] : -1),
        slower,
      ).reverse()
      const targets = firstInOrder(receivers.length, targetsPerMove, (j) => j, quicker)
      // The move by place among the receivers (their ids follow from it).
      let best: { task: PendingTask; gainMs: number; sourceMs: number; fromAt: number; toAt: number } | null = null
      for (const sourceAt of sources) {
        const from = receivers[sourceAt].agentId
        const queue = queues.get(from) ?? []
        let behind = 0
        for (let i = queue.length - 1; i >= Math.max(0, queue.length - settings.scanDepth); i--) {
          const task = queue[i]
          const serviceMs = serviceAt(from, task)
          behind += serviceMs
          if (task.assignedAt === null || now - task.assignedAt < settings.minDwellMs) continue
          const hereMs = (model.backlogMs(from) - behind) / capacityOf(from) + serviceMs
          for (const targetAt of targets) {
            const target = receivers[targetAt]
            if (!allowedTarget(task, from, target, now) || !hasRoom(model, target)) continue
            const gainMs = hereMs - model.completionMs(target, task)
            // A gain that is not a number (service times past the largest double) is no reason to move.
            if (Number.isNaN(gainMs)) continue
            if (!best || gainMs > best.gainMs)
              best = { task, gainMs, sourceMs: serviceMs, fromAt: sourceAt, toAt: targetAt }
          }
        }
      }
      if (!best || best.gainMs <= settings.minGainMs) break
      const from = receivers[best.fromAt].agentId
      move(best.task, from, receivers[best.toAt].agentId, 'rebalance', best.gainMs, best.sourceMs)
      drainAt[best.fromAt] = drainOf(receivers[best.fromAt])
      drainAt[best.toAt] = drainOf(receivers[best.toAt])
      const queue = queues.get(from)!
      queue.splice(queue.indexOf(best.task), 1)
    }
    return out
  }

  return {
    config: settings,
    rebalance,
    analyse: (ctx) => analyseWith(ctx, createExpectedCompletion(ctx, settings.priorServiceMs)),
    get lastAnalysis() {
      return lastAnalysis
    },
    drainingFor: (snapshot) => evacuationsOf(snapshot).draining,
  }
}
