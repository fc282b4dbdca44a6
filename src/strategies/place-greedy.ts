import type { Reassignment } from '../model/reassignment.js'
import type { AgentSnapshot } from '../model/snapshot.js'
import type { PendingTask, PlacementContext } from '../model/strategy.js'
import type { StrategyOptions } from './config.js'
import {
  createExpectedCompletion,
  type ExpectedCompletionModel,
  placementGainMs,
  placementOrder,
} from './expected-completion.js'

/** Picks one of the candidates (capable, live, with room; never empty) for a task. */
export type ChooseAgent = (
  task: PendingTask,
  candidates: readonly AgentSnapshot[],
  model: ExpectedCompletionModel,
) => AgentSnapshot

/**
 * Room an agent has left under the `maxQueuedPerSlot` bound (Infinity without one); for an agent the rebalancer is
 * draining, its free slots only.
 */
export function roomOf(agent: AgentSnapshot, model: ExpectedCompletionModel, options: StrategyOptions): number {
  if (model.draining(agent.agentId))
    return Math.max(0, Math.max(1, agent.capacity) - model.occupancy(agent.agentId, agent))
  if (options.maxQueuedPerSlot === null) return Number.POSITIVE_INFINITY
  const limit = Math.max(1, agent.capacity) * (1 + options.maxQueuedPerSlot)
  return Math.max(0, limit - model.occupancy(agent.agentId, agent))
}

/**
 * How a greedy strategy ranks its candidates, so a task need not scan the fleet: candidates rank the same way for
 * every task of a group, and a placement changes the rank of the agent it went to only, never lowering it. Then the
 * first lowest candidate is the top of a heap per group, kept up to date lazily.
 */
export interface Ranking {
  /** The group of tasks whose candidates rank alike (within one set of requirements), or null to scan with `choose`. */
  group(task: PendingTask): string | null
  /**
   * The agent's rank for the task (lower first, compared element by element, NaN as +Infinity). `choose` must pick
   * the first lowest of its candidates by it: the heap breaks ties by candidate order as a scan does.
   */
  rank(agent: AgentSnapshot, task: PendingTask, model: ExpectedCompletionModel): ReadonlyArray<number | string>
}

/**
 * The loop every greedy strategy shares: tasks in placement order (priority, then age), each to the agent `choose`
 * picks among those that can run it and have room. A task no agent can take now stays unassigned. With a
 * `ranking`, tasks of a ranked group take the top of a heap instead: O(log n) a task rather than a scan of n agents
 * (the pipeline bench's placing tick on 10,000 agents took 166.6 ms with the scan).
 */
export function placeGreedy(
  ctx: PlacementContext,
  options: StrategyOptions,
  choose: ChooseAgent,
  model: ExpectedCompletionModel = createExpectedCompletion(ctx, options.priorServiceMs),
  ranking?: Ranking,
): Reassignment[] {
  const placements: Reassignment[] = []
  let room = 0
  for (const agent of model.agents) room += roomOf(agent, model, options)
  // Room only shrinks within a call: once no capable agent of a set of requirements has room, the rest of the
  // tasks with that set are skipped without scanning the fleet again.
  const full = new Set<readonly AgentSnapshot[]>()
  const bounded = options.maxQueuedPerSlot !== null || (ctx.draining?.size ?? 0) > 0
  const hasRoom = (agent: AgentSnapshot) => !bounded || roomOf(agent, model, options) > 0
  const heaps = new Map<readonly AgentSnapshot[], Map<string, RankHeap>>()
  // Placements so far per agent: a heap entry made before the last of them is stale.
  const placedOn = new Map<AgentSnapshot, number>()
  const entry = (
    agent: AgentSnapshot,
    index: number,
    task: PendingTask,
    rank = (ranking as Ranking).rank(agent, task, model),
  ): RankEntry => ({ agent, index, rank, version: placedOn.get(agent) ?? 0 })
  const top = (
    task: PendingTask,
    capable: readonly AgentSnapshot[],
    group: string,
    tasksLeft: number,
  ): AgentSnapshot | null => {
    let byGroup = heaps.get(capable)
    if (!byGroup) heaps.set(capable, (byGroup = new Map()))
    let heap = byGroup.get(group)
    if (!heap) {
      const rankOf = (agent: AgentSnapshot) => (ranking as Ranking).rank(agent, task, model)
      heap = new RankHeap(
        firstRanked(capable, tasksLeft, hasRoom, rankOf, (agent, i, rank) => entry(agent, i, task, rank)),
      )
      byGroup.set(group, heap)
    }
    for (let best = heap.peek(); best !== undefined; best = heap.peek()) {
      if (!hasRoom(best.agent)) heap.pop()
      else if (best.version !== (placedOn.get(best.agent) ?? 0)) {
        // Placed on since it was ranked: its rank can only have risen, so it goes back in at the new one.
        heap.pop()
        heap.push(entry(best.agent, best.index, task))
      } else return best.agent
    }
    return null
  }
  const ordered = placementOrder(ctx.unassigned)
  for (let t = 0; t < ordered.length; t++) {
    const task = ordered[t]
    if (room === 0) break
    const capable = model.capable(task)
    if (full.has(capable)) continue
    const group = ranking ? ranking.group(task) : null
    let agent: AgentSnapshot | null
    if (group !== null) agent = top(task, capable, group, ordered.length - t)
    else {
      const candidates = bounded ? capable.filter(hasRoom) : capable
      agent = candidates.length > 0 ? choose(task, candidates, model) : null
    }
    if (agent === null) {
      full.add(capable)
      continue
    }
    const completionMs = model.completionMs(agent, task)
    placements.push({
      taskId: task.taskId,
      toAgentId: agent.agentId,
      reason: 'place',
      expectedGainMs: placementGainMs(model, task, completionMs),
      at: ctx.now,
    })
    model.addWork(agent.agentId, model.serviceMs(agent, task), 1, agent)
    placedOn.set(agent, (placedOn.get(agent) ?? 0) + 1)
    room--
  }
  return placements
}

/**
 * The `keep` first-ranked candidates with room, as entries: a heap of these answers exactly as a heap of all of them
 * would for the rest of the call, where `keep` counts the tasks left including the current one. Rank and room change
 * only for an agent placed on, so before any later question at most `keep - 1` placements (of any group) have
 * happened and some kept entry is untouched: its rank is current, it still has room, and it comes before the rank
 * every left-out candidate was taken at. A heap of all of them compares those same stored ranks, so a left-out
 * entry would never reach its top (nor be taken off and ranked again). On 10,000 candidates and 100 tasks this
 * spares the heap of all of them and an entry per candidate.
 */
function firstRanked(
  capable: readonly AgentSnapshot[],
  keep: number,
  hasRoom: (agent: AgentSnapshot) => boolean,
  rankOf: (agent: AgentSnapshot) => Rank,
  entryOf: (agent: AgentSnapshot, index: number, rank: Rank) => RankEntry,
): RankEntry[] {
  const kept: RankEntry[] = []
  if (keep <= 0) return kept
  // With nearly as many tasks as candidates, selecting costs more than it spares (a log factor for most candidates):
  // all of them, for one linear heapify.
  if (keep * selectBelow >= capable.length) {
    for (let i = 0; i < capable.length; i++)
      if (hasRoom(capable[i])) kept.push(entryOf(capable[i], i, rankOf(capable[i])))
    return kept
  }
  // A max-heap of the best so far (its root the worst of them), replaced at the root by anything before it; an entry
  // is made only for a candidate that gets in. Its own sift code: RankHeap with the order as a parameter (a flag or
  // a comparator) made every greedy call's heap work about 30% slower (512 tasks on 100 agents).
  for (let i = 0; i < capable.length; i++) {
    const agent = capable[i]
    if (!hasRoom(agent)) continue
    const rank = rankOf(agent)
    if (kept.length < keep) {
      let at = kept.push(entryOf(agent, i, rank)) - 1
      while (at > 0) {
        const parent = (at - 1) >> 1
        if (!before(kept[parent], kept[at])) break
        ;[kept[at], kept[parent]] = [kept[parent], kept[at]]
        at = parent
      }
    } else if (ranksBefore(rank, i, kept[0].rank, kept[0].index)) {
      kept[0] = entryOf(agent, i, rank)
      for (let at = 0; ; ) {
        const l = 2 * at + 1
        const r = l + 1
        let m = at
        if (l < kept.length && before(kept[m], kept[l])) m = l
        if (r < kept.length && before(kept[m], kept[r])) m = r
        if (m === at) break
        ;[kept[at], kept[m]] = [kept[m], kept[at]]
        at = m
      }
    }
  }
  return kept
}

type Rank = ReadonlyArray<number | string>

/** firstRanked selects only when the tasks left are fewer than the candidates over this. */
const selectBelow = 8

interface RankEntry {
  agent: AgentSnapshot
  /** Place among the candidates: ties go to the earlier, as in a scan. */
  index: number
  rank: Rank
  /** placedOn for the agent when the rank was taken. */
  version: number
}

/** Lower first: rank element by element (NaN as +Infinity), then candidate order. */
function ranksBefore(a: Rank, aIndex: number, b: Rank, bIndex: number): boolean {
  for (let i = 0; i < a.length; i++) {
    let x = a[i]
    let y = b[i]
    if (x === y) continue
    if (typeof x === 'number' && Number.isNaN(x)) x = Number.POSITIVE_INFINITY
    if (typeof y === 'number' && Number.isNaN(y)) y = Number.POSITIVE_INFINITY
    if (x < y) return true
    if (y < x) return false
  }
  return aIndex < bIndex
}

const before = (a: RankEntry, b: RankEntry): boolean => ranksBefore(a.rank, a.index, b.rank, b.index)

/** A binary min-heap of rank entries, made from the given ones at once (linear time). */
class RankHeap {
  constructor(private readonly items: RankEntry[]) {
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i)
  }

  peek(): RankEntry | undefined {
    return this.items[0]
  }

  push(item: RankEntry): void {
    const items = this.items
    let i = items.push(item) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(items[i], items[parent])) break
      ;[items[i], items[parent]] = [items[parent], items[i]]
      i = parent
    }
  }

  pop(): RankEntry {
    const items = this.items
    const top = items[0]
    const last = items.pop() as RankEntry
    if (items.length > 0) {
      items[0] = last
      this.down(0)
    }
    return top
  }

  private down(from: number): void {
    const items = this.items
    let i = from
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < items.length && before(items[l], items[m])) m = l
      if (r < items.length && before(items[r], items[m])) m = r
      if (m === i) return
      ;[items[i], items[m]] = [items[m], items[i]]
      i = m
    }
  }
}
