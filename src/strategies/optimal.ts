import { solveAssignment } from '../engine/solve-assignment.js'
import type { Reassignment } from '../model/reassignment.js'
import type { AgentSnapshot } from '../model/snapshot.js'
import type { PendingTask, PlacementContext, Strategy } from '../model/strategy.js'
import { parseConfig } from '../model/validate.js'
import { type StrategyOptions, type StrategyOptionsInput, strategyOptionsSchema } from './config.js'
import { canRun, createExpectedCompletion, placementGainMs, placementOrder } from './expected-completion.js'
import { earliestCompletion } from './performance-based.js'
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
  if (!result.feasible) return placeGreedy(ctx, settings, earliestCompletion)

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
    out.push(...placeGreedy(rest, settings, earliestCompletion, model))
  }
  return out
}
