import { solveAssignment } from '../engine/solve-assignment.js'
import type { Reassignment } from '../model/reassignment.js'
import type { AgentSnapshot } from '../model/snapshot.js'
import type { PendingTask, PlacementContext, Strategy } from '../model/strategy.js'
import { parseConfig } from '../model/validate.js'
import { type StrategyOptions, type StrategyOptionsInput, strategyOptionsSchema } from './config.js'
import {
  canRun,
  createExpectedCompletion,
  type ExpectedCompletionModel,
  placementGainMs,
  placementOrder,
} from './expected-completion.js'
import { byCompletion, earliestCompletion } from './performance-based.js'
import { placeGreedy, roomOf } from './place-greedy.js'

/** Cost-matrix cells per solve at most (512 KB of Float64): fewer positions per agent, then fewer rows per call. */
export const maxCostCells = 1 << 16

/**
 * Optimal: the placement that minimises the total expected completion time of the tasks placed in this call,
 * solved exactly by the WASM assignment solver.
 *
 * Rows are pending tasks (in placement order, at most `maxTasksPerSolve`, and only as many as the agents have room
 * for); tasks beyond them are placed greedily by earliest expected completion after the optimal batch, so the solve
 * bounds the cost of a call, not the swarm's throughput. Columns are agent positions: with the shared fluid model an
 * agent of capacity k and backlog B runs its new tasks on k slots that each start at B / k, so a task that has t - 1
 * of the agent's new tasks after it on its slot adds B / k + t * s to the total (it delays those t - 1 by s). Column
 * (agent, t) costs exactly that and takes k tasks (the solver's column capacity); a forbidden pair (missing
 * capability) is Infinity. Because the cost grows with t, an optimum fills t = 1, 2, ... in order, so the matrix
 * optimum is the exact minimum total completion time (the classic R||sum C_j reduction), shortest-first on each
 * slot. Placements are emitted in expected-completion order so each agent's queue runs shortest-first.
 *
 * Why total completion time and not makespan: makespan on unrelated agents is NP-hard, while total completion
 * time is exact and polynomial. Shortest-first also leaves each agent's long tasks at the tail of its queue, where
 * the rebalancer can still move them once the agents' speeds are measured; it evens out the makespan.
 */
export function optimal(options?: StrategyOptionsInput): Strategy {
  const settings = parseConfig(strategyOptionsSchema, options, 'optimal options')
  return {
    name: 'optimal',
    place: (ctx) => placeOptimal(ctx, settings),
  }
}

interface Column {
  agent: AgentSnapshot
  /** 1-based: the task has position - 1 of this call's tasks after it on its slot. */
  position: number
}

function columnsFor(agents: readonly AgentSnapshot[], room: Map<string, number>, rows: number) {
  const columns: Column[] = []
  const capacities: number[] = []
  for (const agent of agents) {
    const k = Math.max(1, agent.capacity)
    const usable = Math.min(room.get(agent.agentId) ?? 0, rows)
    for (let position = 1; (position - 1) * k < usable; position++) {
      columns.push({ agent, position })
      capacities.push(Math.min(k, usable - (position - 1) * k))
    }
  }
  return { columns, capacities }
}

export function placeOptimal(ctx: PlacementContext, settings: StrategyOptions): Reassignment[] {
  const model = createExpectedCompletion(ctx, settings.priorServiceMs)
  if (settings.bindAheadMs !== null) {
    // Bind what would start before the next chance to decide, and bindAheadMs beyond it.
    const untilNextMs = Math.max(0, (ctx.nextPlacementAt ?? ctx.now) - ctx.now)
    return placeJustInTime(ctx, settings, model, untilNextMs + settings.bindAheadMs)
  }
  const pending = placementOrder(ctx.unassigned)
  // Positions per agent: 4x the even share plus 4, within maxCostCells. The optimum is exact unless an agent would
  // take more than `positions` x capacity of one call's tasks (never below 8 up to 128 agents at 64 rows).
  const expectedRows = Math.max(1, Math.min(settings.maxTasksPerSolve, pending.length))
  const agentCount = Math.max(1, model.agents.length)
  const positions = Math.max(
    1,
    Math.min(Math.floor(maxCostCells / (expectedRows * agentCount)), 4 * Math.ceil(expectedRows / agentCount) + 4),
  )
  const room = new Map<string, number>()
  for (const agent of model.agents)
    room.set(agent.agentId, Math.min(roomOf(agent, model, settings), positions * Math.max(1, agent.capacity)))

  // Rows in placement order. A task joins only if a tentative placement (on the capable agent with the most room
  // left) exists: the rows are then always feasible, and priority decides who waits when room is short.
  const tentative = new Map(room)
  let rows: PendingTask[] = []
  for (const task of pending) {
    if (rows.length >= settings.maxTasksPerSolve) break
    let best: string | null = null
    let bestRoom = 0
    for (const agent of model.agents) {
      const left = tentative.get(agent.agentId) ?? 0
      if (left > bestRoom && canRun(agent, task)) {
        best = agent.agentId
        bestRoom = left
      }
    }
    if (best === null) continue
    tentative.set(best, bestRoom - 1)
    rows.push(task)
  }
  if (rows.length === 0) return []

  let shape = columnsFor(model.agents, room, rows.length)
  while (rows.length > 1 && rows.length * shape.columns.length > maxCostCells) {
    rows = rows.slice(0, Math.ceil(rows.length / 2))
    shape = columnsFor(model.agents, room, rows.length)
  }
  const { columns, capacities } = shape
  const nRows = rows.length
  const nCols = columns.length

  // Service estimates per (task, agent), computed once: several columns share an agent.
  const agentIndex = new Map(model.agents.map((agent, i) => [agent.agentId, i]))
  const service = new Float64Array(nRows * model.agents.length).fill(Number.POSITIVE_INFINITY)
  rows.forEach((task, r) => {
    model.agents.forEach((agent, a) => {
      if (canRun(agent, task)) service[r * model.agents.length + a] = model.serviceMs(agent, task)
    })
  })
  const costs = new Float64Array(nRows * nCols)
  for (let c = 0; c < nCols; c++) {
    const { agent, position } = columns[c]
    const a = agentIndex.get(agent.agentId)!
    const waitMs = model.backlogMs(agent.agentId) / Math.max(1, agent.capacity)
    for (let r = 0; r < nRows; r++) {
      const s = service[r * model.agents.length + a]
      costs[r * nCols + c] = s === Number.POSITIVE_INFINITY ? s : waitMs + position * s
    }
  }

  const result = solveAssignment(costs, nRows, nCols, { capacities: Uint32Array.from(capacities) })
  // The rows are feasible by construction; should the solver still say no, place greedily rather than not at all.
  if (!result.feasible) return placeGreedy(ctx, settings, earliestCompletion, undefined, byCompletion)

  // Realise the optimum: each agent runs its tasks shortest-first, its k slots each starting at backlog / k.
  const perAgent = new Map<string, Array<{ task: PendingTask; serviceMs: number }>>()
  for (let r = 0; r < nRows; r++) {
    const c = result.rowToCol[r]
    if (c < 0) continue
    const agent = columns[c].agent
    const list = perAgent.get(agent.agentId) ?? []
    list.push({ task: rows[r], serviceMs: service[r * model.agents.length + agentIndex.get(agent.agentId)!] })
    perAgent.set(agent.agentId, list)
  }
  const placed: Array<{ reassignment: Reassignment; completionMs: number; serviceMs: number }> = []
  for (const [agentId, list] of perAgent) {
    const agent = model.agent(agentId)!
    const k = Math.max(1, agent.capacity)
    const slots = new Array<number>(k).fill(model.backlogMs(agentId) / k)
    list.sort((x, y) => x.serviceMs - y.serviceMs)
    list.forEach(({ task, serviceMs }, i) => {
      const completionMs = slots[i % k] + serviceMs
      slots[i % k] = completionMs
      placed.push({
        reassignment: {
          taskId: task.taskId,
          toAgentId: agentId,
          reason: 'place',
          expectedGainMs: placementGainMs(model, task, completionMs),
          at: ctx.now,
        },
        completionMs,
        serviceMs,
      })
    })
  }
  placed.sort((x, y) => x.completionMs - y.completionMs)
  const out = placed.map((p) => p.reassignment)
  // Tasks beyond this call's rows still go somewhere now, greedily after the optimal batch: the solve bounds the
  // cost of a call, not the swarm's throughput.
  if (ctx.unassigned.length > out.length) {
    for (const p of placed) model.addWork(p.reassignment.toAgentId, p.serviceMs, 1)
    const taken = new Set(out.map((r) => r.taskId))
    const rest = { ...ctx, unassigned: ctx.unassigned.filter((t) => !taken.has(t.taskId)) }
    out.push(...placeGreedy(rest, settings, earliestCompletion, model, byCompletion))
  }
  return out
}

/**
 * Just-in-time placement (`bindAheadMs` set): plan every pending task, bind only what starts soon.
 *
 * 1. Each live agent's slots are free when its running tasks are expected to end (then its queued tasks, in
 *    order, each on the slot that frees first).
 * 2. Probes: an agent nothing has been measured about takes, for each idle slot, the shortest task it can run
 *    (by estimate), and nothing beyond its slots. Trusting an unmeasured agent with a long task is how a slow
 *    agent ends up holding the run's last task; a short probe bounds that cost and measures it.
 * 3. The rest, priority first and then longest first (on heavy-tailed sizes the long tasks decide the makespan,
 *    so they start first, on the agents that finish them soonest; half of a task's wait counts toward its size,
 *    so short tasks are not passed over for ever), are list-scheduled over the measured agents:
 *    each to the slot where it is expected to finish first.
 * 4. The tasks planned to start within the horizon are bound. Which of the first `maxTasksPerSolve` goes to which
 *    of their start positions is then solved exactly by the WASM assignment solver (minimum total expected
 *    completion, each position's start time fixed by the plan), so the list schedule's greedy choices inside the
 *    batch are corrected. Everything else stays unassigned for the next call, when there is more to know.
 */
function placeJustInTime(
  ctx: PlacementContext,
  settings: StrategyOptions,
  model: ExpectedCompletionModel,
  bindAheadMs: number,
): Reassignment[] {
  interface Plan {
    agent: AgentSnapshot
    /** ms from now at which each slot is free, kept sorted ascending. */
    slots: number[]
    room: number
  }
  // Built on first use: a call over thousands of agents plans only the agents its candidates can run on.
  const plans = new Map<AgentSnapshot, Plan>()
  const planOf = (agent: AgentSnapshot): Plan => {
    let plan = plans.get(agent)
    if (plan) return plan
    const slots = new Array<number>(Math.max(1, agent.capacity)).fill(0)
    const take = (ms: number) => {
      slots[0] += ms
      slots.sort((a, b) => a - b)
    }
    for (const ms of model.remainingMs(agent)) take(ms)
    for (const task of ctx.queuedAt.get(agent.agentId) ?? []) take(model.serviceMs(agent, task))
    plan = { agent, slots, room: roomOf(agent, model, settings) }
    plans.set(agent, plan)
    return plan
  }

  const out: Reassignment[] = []
  const taken = new Set<string>()
  const place = (task: PendingTask, agent: AgentSnapshot, completionMs: number) => {
    taken.add(task.taskId)
    out.push({
      taskId: task.taskId,
      toAgentId: agent.agentId,
      reason: 'place',
      expectedGainMs: placementGainMs(model, task, completionMs),
      at: ctx.now,
    })
  }

  const pending = placementOrder(ctx.unassigned)
  const sizeOf = (task: PendingTask) =>
    task.estimatedMs !== null && Number.isFinite(task.estimatedMs) ? task.estimatedMs : 0
  let shortestFirst: PendingTask[] | null = null
  for (const agent of model.agents) {
    if (model.measured(agent)) continue
    // One probe per idle slot: an agent of capacity k measures k tasks at once.
    let idle = Math.min(
      Math.max(1, agent.capacity) - model.occupancy(agent.agentId, agent),
      roomOf(agent, model, settings),
    )
    while (idle-- > 0) {
      shortestFirst ??= [...pending].sort((a, b) => sizeOf(a) - sizeOf(b))
      const probe = shortestFirst.find((task) => !taken.has(task.taskId) && canRun(agent, task))
      if (!probe) break
      const serviceMs = model.serviceMs(agent, probe)
      place(probe, agent, serviceMs)
      model.addWork(agent.agentId, serviceMs, 1, agent)
    }
  }

  // Longest first within a priority, a task's wait counting `waitWeight` of itself toward its size: long tasks
  // start first, and a short one cannot be passed over for ever by longer ones arriving after it.
  const urgency = (task: PendingTask) => sizeOf(task) + waitWeight * Math.max(0, ctx.now - task.queuedAt)
  const candidates = pending
    .filter((task) => !taken.has(task.taskId))
    .sort((a, b) => b.priority - a.priority || urgency(b) - urgency(a))
  const batch: Array<{ task: PendingTask; agent: AgentSnapshot; startMs: number }> = []
  // Per set of capable agents (tasks with the same requirements share one), the measured ones with room, by when
  // their first slot frees (ties fastest first). A task's scan stops once even its fastest capable agent could not
  // beat the best finish found, and after `scanPerTask` agents: a call looks at the agents that are free soonest,
  // not the whole fleet for every task. An agent with a slot free now sorts before every busy one, so the busy ones
  // join a queue only once fewer than `scanPerTask` of its agents are free now; until then the scan could not reach
  // them. On a large fleet with spare slots a call then plans only the free agents.
  interface Queue {
    plans: Plan[]
    /** Measured agents with no slot free now, not yet planned. */
    busy: AgentSnapshot[]
    pace: Map<Plan, number>
  }
  const queues = new Map<readonly AgentSnapshot[], Queue>()
  const queuesOf = new Map<Plan, Plan[][]>()
  const join = (queue: Queue, plan: Plan) => {
    queue.plans.push(plan)
    // The agent's overall ratio to the estimates: who goes first among agents free at the same time.
    queue.pace.set(plan, model.serviceMs(plan.agent, { kind: null, estimatedMs: 1 }))
    const member = queuesOf.get(plan)
    if (member) member.push(queue.plans)
    else queuesOf.set(plan, [queue.plans])
  }
  const order = (queue: Queue) =>
    queue.plans.sort((a, b) => a.slots[0] - b.slots[0] || (queue.pace.get(a) as number) - (queue.pace.get(b) as number))
  const queueFor = (capable: readonly AgentSnapshot[]): Queue => {
    let queue = queues.get(capable)
    if (queue) return queue
    queue = { plans: [], busy: [], pace: new Map() }
    for (const agent of capable) {
      if (!model.measured(agent)) continue
      if (model.occupancy(agent.agentId, agent) >= Math.max(1, agent.capacity)) {
        queue.busy.push(agent)
        continue
      }
      const plan = planOf(agent)
      if (plan.room > 0) join(queue, plan)
    }
    order(queue)
    queues.set(capable, queue)
    return queue
  }
  const fastest = new Map<string, number>()
  /** A lower bound of the task's service on any measured capable agent in the queue. */
  const leastServiceMs = (task: PendingTask, queue: readonly Plan[]): number => {
    const perMs = sizeOf(task) > 0 ? { kind: task.kind, estimatedMs: 1 } : task
    const key = `${task.requiredCapabilities.join('\u0000')}\u0001${task.kind ?? ''}\u0001${perMs === task ? 'm' : 'e'}`
    let least = fastest.get(key)
    if (least === undefined) {
      least = Number.POSITIVE_INFINITY
      for (const plan of queue) least = Math.min(least, model.serviceMs(plan.agent, perMs))
      fastest.set(key, least)
    }
    return perMs === task ? least : least * sizeOf(task)
  }
  /** Plans the queue's busy agents once its first `scanPerTask` are no longer all free now. */
  const widen = (queue: Queue) => {
    if (queue.busy.length === 0) return
    const plans = queue.plans
    if (plans.length >= scanPerTask && plans[scanPerTask - 1].slots[0] === 0) return
    for (const agent of queue.busy) {
      const plan = planOf(agent)
      if (plan.room > 0 && !queue.pace.has(plan)) join(queue, plan)
    }
    queue.busy = []
    order(queue)
    // The floors were computed over fewer agents: a faster busy agent may have joined.
    fastest.clear()
  }
  for (const task of candidates) {
    const entry = queueFor(model.capable(task))
    widen(entry)
    const queue = entry.plans
    // Planned even when it cannot start within the horizon: where it would go shapes where the shorter tasks after
    // it fit.
    if (queue.length === 0) continue
    const floorMs = leastServiceMs(task, queue)
    let best: Plan | null = null
    let bestFinish = Number.POSITIVE_INFINITY
    let bestService = 0
    for (let i = 0; i < queue.length && i < scanPerTask; i++) {
      const plan = queue[i]
      if (plan.slots[0] + floorMs >= bestFinish) break
      const service = model.serviceMs(plan.agent, task)
      const finish = plan.slots[0] + service
      if (finish < bestFinish) {
        best = plan
        bestFinish = finish
        bestService = service
      }
    }
    if (!best) continue
    const startMs = best.slots[0]
    best.slots[0] += bestService
    best.slots.sort((a, b) => a - b)
    if (startMs <= bindAheadMs) {
      best.room--
      batch.push({ task, agent: best.agent, startMs })
    }
    // Keep every set the agent belongs to in order (or drop it from them when it has no room left).
    for (const member of queuesOf.get(best) ?? []) {
      member.splice(member.indexOf(best), 1)
      if (best.room > 0) member.splice(insertionIndex(member, best.slots[0]), 0, best)
    }
  }
  if (batch.length === 0) return out

  // The first maxTasksPerSolve of the batch (the longest): their start positions (agent, start time) are the
  // columns, and which task takes which is solved exactly. The solve bounds the cost of a call; the rest keep the
  // plan's choice.
  const n = Math.min(batch.length, settings.maxTasksPerSolve)
  const costs = new Float64Array(n * n)
  for (let r = 0; r < n; r++) {
    const task = batch[r].task
    for (let c = 0; c < n; c++) {
      const { agent, startMs } = batch[c]
      costs[r * n + c] = canRun(agent, task) ? startMs + model.serviceMs(agent, task) : Number.POSITIVE_INFINITY
    }
  }
  const result = solveAssignment(costs, n, n)
  const chosen = batch.map((entry, r) => {
    const c = r < n && result.feasible ? result.rowToCol[r] : r
    const { agent, startMs } = batch[c]
    return { task: entry.task, agent, startMs, completionMs: startMs + model.serviceMs(agent, entry.task) }
  })
  // Emitted by start time, so each agent's queue runs in the planned order.
  chosen.sort((x, y) => x.startMs - y.startMs)
  for (const { task, agent, completionMs } of chosen) place(task, agent, completionMs)
  return out
}

/**
 * How much of its wait counts toward a task's size in the just-in-time order. On `failure` (a steady stream) it
 * roughly halved optimal's p95 response time at the same efficiency (README: Simulator); on a burst (`heavy`)
 * every task has waited as long, so it changes nothing.
 */
export const waitWeight = 0.5

/**
 * Agents a task's scan examines at most, in the order their first slot frees (ties fastest first): on a large
 * fleet with many agents free at once, the planning cost per task stays bounded.
 */
export const scanPerTask = 64

/** Where a plan whose first slot frees at `freeMs` goes in a list sorted by that time. */
function insertionIndex(order: ReadonlyArray<{ slots: number[] }>, freeMs: number): number {
  let lo = 0
  let hi = order.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (order[mid].slots[0] <= freeMs) lo = mid + 1
    else hi = mid
  }
  return lo
}
