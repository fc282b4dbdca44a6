import type { Bottleneck, Finding, Insight, Severity } from '../model/finding.js'
import type { AgentSnapshot, SwarmSnapshot } from '../model/snapshot.js'
import type { AnalysisConfig } from './config.js'

/**
 * One analyser: pure, reads the new snapshot and the earlier ones (oldest first), returns findings. Anything an
 * analyser needs to remember between ticks is derived from `history`, so analysers are plain functions; the few
 * stateful parts (alert hysteresis, bottleneck `since`, SLA compliance) live in `createAnalysis`.
 */
export type Analyser = (snapshot: SwarmSnapshot, history: readonly SwarmSnapshot[], config: AnalysisConfig) => Finding[]

/** Per snapshot: the agents that have not left, and the tasks queued at them. */
interface Fleet {
  live: readonly AgentSnapshot[]
  queuedAtAgents: number
  /**
   * By position in `snapshot.agents`: whether each entry had left, and what it had queued. Dropped once the next
   * snapshot's pass has used them (a history of 600 snapshots need not hold 600 columns).
   */
  columns: { left: Uint8Array; queued: Float64Array } | null
}

const fleetCache = new WeakMap<SwarmSnapshot, Fleet>()

/**
 * The live agents and the tasks queued at them, in one pass per snapshot. With the previous snapshot at hand (the
 * analysis passes it), an entry that is the very object at its position there (the monitor hands unchanged entries
 * on; entries are immutable) gives the same answers without being read.
 */
export function fleetOf(snapshot: SwarmSnapshot, previous?: SwarmSnapshot): Fleet {
  let fleet = fleetCache.get(snapshot)
  if (fleet !== undefined) return fleet
  const agents = snapshot.agents
  const known = previous ? fleetCache.get(previous) : undefined
  const last = known?.columns ?? null
  const before = last !== null ? (previous as SwarmSnapshot).agents : []
  const columns = { left: new Uint8Array(agents.length), queued: new Float64Array(agents.length) }
  const live: AgentSnapshot[] = []
  let queuedAtAgents = 0
  for (let i = 0; i < agents.length; i++) {
    const agent = agents[i]
    const same = last !== null && agent === before[i]
    const left = same ? last.left[i] === 1 : agent.state === 'left'
    const queued = same ? last.queued[i] : agent.queued
    columns.left[i] = left ? 1 : 0
    columns.queued[i] = queued
    if (left) continue
    live.push(agent)
    queuedAtAgents += queued
  }
  if (known) known.columns = null
  fleet = { live, queuedAtAgents, columns }
  fleetCache.set(snapshot, fleet)
  return fleet
}

/** The agents that have not left. Computed once per snapshot: a dozen analysers ask for it every tick. */
export function liveAgents(snapshot: SwarmSnapshot): readonly AgentSnapshot[] {
  return fleetOf(snapshot).live
}

/**
 * Figures an analyser derives from an agent's entry, or one part of it (its `byKind`, say), remembered by the agent's
 * place in a list and that object's identity. The monitor hands on the same entry while nothing of the agent changed
 * (and the same parts while it has no new samples), and snapshots are immutable, so an agent whose entry is the one
 * seen last tick at its place costs one comparison instead of reading it. A different object, or another agent at
 * that place, is derived afresh.
 */
export class PartCache<P extends object, V> {
  private readonly parts: Array<P | undefined> = []
  private readonly values: V[] = []

  constructor(private readonly derive: (part: P) => V) {}

  get(index: number, part: P): V {
    if (this.parts[index] === part) return this.values[index]
    const value = this.derive(part)
    this.parts[index] = part
    this.values[index] = value
    return value
  }

  /** Forget the places past `length` (a fleet that shrank), so the entries last seen there can be collected. */
  fit(length: number): this {
    if (this.parts.length > length) {
      this.parts.length = length
      this.values.length = length
    }
    return this
  }
}

/** One PartCache per analysis configuration (each analysis parses its own), made on first use. */
export function partCacheFor<P extends object, V>(
  caches: WeakMap<AnalysisConfig, PartCache<P, V>>,
  config: AnalysisConfig,
  derive: (part: P, config: AnalysisConfig) => V,
): PartCache<P, V> {
  let cache = caches.get(config)
  if (!cache) caches.set(config, (cache = new PartCache((part) => derive(part, config))))
  return cache
}

export function bottleneck(b: Bottleneck): Finding {
  return { category: 'bottleneck', ...b }
}

export function insight(i: Insight): Finding {
  return { category: 'insight', ...i }
}

/** Severity of a value above a threshold: critical from `critical` on. */
export function severityAbove(value: number, critical: number): Severity {
  return value >= critical ? 'critical' : 'warning'
}

/** Used memory as a share of total, or null when the host did not report it. */
export function memoryRatio(snapshot: SwarmSnapshot): number | null {
  const { memoryUsedBytes, memoryTotalBytes } = snapshot.swarm.resources
  if (memoryUsedBytes === null || memoryTotalBytes === null || memoryTotalBytes <= 0) return null
  return memoryUsedBytes / memoryTotalBytes
}

/** Numbers for people: thousands separators, at most 3 significant decimals. */
export function num(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  if (abs >= 100 || Number.isInteger(value)) return grouped(Math.round(value))
  if (abs >= 1) return value.toFixed(1)
  return value.toPrecision(2)
}

/** 1234567 -> "1,234,567" (toLocaleString does the same at many times the cost, and this runs per agent per tick). */
function grouped(value: number): string {
  const digits = String(Math.abs(value))
  if (digits.length <= 3 || digits.includes('e')) return String(value)
  let out = digits.slice(0, digits.length % 3 || 3)
  for (let i = out.length; i < digits.length; i += 3) out += `,${digits.slice(i, i + 3)}`
  return value < 0 ? `-${out}` : out
}

export function ms(value: number): string {
  return value >= 10_000 ? `${num(value / 1000)} s` : `${num(value)} ms`
}

export function pct(value: number): string {
  return `${num(value * 100)}%`
}

/** Tasks waiting to start: unassigned plus assigned-not-started (whichever way the host counts them). */
export function queueDepth(snapshot: SwarmSnapshot): number {
  return Math.max(snapshot.swarm.tasksQueued, snapshot.queue.unassigned + fleetOf(snapshot).queuedAtAgents)
}
