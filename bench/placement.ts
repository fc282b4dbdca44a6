/**
 * `npm run bench -- placement [--json]`: what one tick of placement and rebalancing costs, per strategy, on seeded
 * synthetic fleets (8, 100, 1000 and 10,000 agents with random speeds per kind, capacities 1-2, 70% of capabilities
 * each, three queued tasks each; 50, 512 or 100 pending tasks, half with a required capability). Best of 3 calls, ms.
 */
import type { PendingTask } from '../src/model/strategy.js'
import { createRebalancer, createStrategy, strategyNames } from '../src/strategies/index.js'
import { type AgentSpec, context, task } from '../test/strategies-fixtures.js'
import type { Benchmark } from './index.js'
import { bestOf, machine, table, versions } from './report.js'

const kinds = ['code', 'test', 'research', 'review']

function fleetContext(agents: number, pending: number) {
  let seed = 1
  const random = () => {
    seed = (seed * 16807) % 2147483647
    return seed / 2147483647
  }
  const specs: AgentSpec[] = Array.from({ length: agents }, (_, i) => ({
    id: `a${i}`,
    capacity: 1 + (i % 2),
    meanMs: 500 + random() * 4000,
    kinds: Object.fromEntries(kinds.map((k) => [k, 300 + random() * 5000])),
    capabilities: kinds.filter(() => random() < 0.7),
    inFlight: 1,
  }))
  const queued: Record<string, PendingTask[]> = {}
  for (const spec of specs)
    queued[spec.id] = Array.from({ length: 3 }, (_, j) =>
      task(`${spec.id}-q${j}`, { kind: kinds[j % 4], estimatedMs: 1000 + random() * 5000 }),
    )
  const unassigned = Array.from({ length: pending }, (_, i) =>
    task(`t${i}`, {
      kind: kinds[i % 4],
      estimatedMs: 1000 + random() * 5000,
      requiredCapabilities: random() < 0.5 ? [kinds[i % 4]] : [],
      queuedAt: i,
    }),
  )
  return context({ agents: specs, unassigned, queued, now: 100_000 })
}

export const placement: Benchmark = {
  name: 'placement',
  summary: 'cost of one tick of placement per strategy, and of the rebalancer, at 8 to 10,000 agents',
  async run({ json }) {
    const results: Array<{ agents: number; pending: number; name: string; ms: number; placed: number }> = []
    for (const [agents, pending] of [
      [8, 50],
      [100, 512],
      [1000, 512],
      // The pipeline bench's placing tick: 100 tasks on 10,000 agents.
      [10_000, 100],
    ]) {
      const ctx = fleetContext(agents, pending)
      for (const name of strategyNames) {
        let placed = 0
        const ms = bestOf(3, () => {
          placed = createStrategy(name).place(ctx).length
        })
        results.push({ agents, pending, name, ms: Math.round(ms * 10) / 10, placed })
      }
      let moves = 0
      const ms = bestOf(3, () => {
        moves = createRebalancer().rebalance(ctx).length
      })
      results.push({ agents, pending, name: 'rebalancer', ms: Math.round(ms * 10) / 10, placed: moves })
    }
    if (!json) {
      process.stdout.write(table(results))
      process.stdout.write(`${JSON.stringify(machine())}\n${JSON.stringify(versions([]))}\n`)
    }
    return { results, machine: machine(), versions: versions([]) }
  },
}
