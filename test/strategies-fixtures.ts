// Constructed snapshots and placement contexts for the strategy and rebalancer tests.
import type { AgentSnapshot, KindSnapshot, SwarmSnapshot } from '../src/model/snapshot.js'
import type { PendingTask, PlacementContext, RunningTask } from '../src/model/strategy.js'

const emptyBuckets = () => ({ boundsMs: [], counts: [0], count: 0, sumMs: 0 })

export interface AgentSpec {
  id: string
  capacity?: number
  capabilities?: string[]
  state?: AgentSnapshot['state']
  inFlight?: number
  queued?: number
  meanMs?: number | null
  /** kind -> mean service ms (completed defaults to 10). */
  kinds?: Record<string, number | { meanMs: number; completed: number }>
  completed?: number
  failed?: number
  /** kind -> measured serviceMs / estimatedMs (over `completed` or 10 estimated tasks). */
  ratios?: Record<string, number>
}

export function agent(spec: AgentSpec): AgentSnapshot {
  const capacity = spec.capacity ?? 1
  const inFlight = spec.inFlight ?? 0
  const queued = spec.queued ?? 0
  const completed = spec.completed ?? 0
  const failed = spec.failed ?? 0
  const byKind: AgentSnapshot['byKind'] = {}
  for (const [kind, value] of Object.entries(spec.kinds ?? {})) {
    const { meanMs, completed: n } = typeof value === 'number' ? { meanMs: value, completed: 10 } : value
    byKind[kind] = { completed: n, failed: 0, meanServiceMs: meanMs }
  }
  for (const [kind, ratio] of Object.entries(spec.ratios ?? {})) {
    const n = spec.completed ?? 10
    const known = byKind[kind] ?? { completed: n, failed: 0, meanServiceMs: null }
    byKind[kind] = { ...known, estimateRatio: ratio, estimated: n }
  }
  return {
    agentId: spec.id,
    slot: 0,
    state: spec.state ?? (inFlight > 0 ? 'busy' : 'idle'),
    role: null,
    capabilities: spec.capabilities ?? [],
    capacity,
    inFlight,
    queued,
    load: (inFlight + queued) / capacity,
    tasksCompleted: completed,
    tasksFailed: failed,
    successRate: completed + failed > 0 ? completed / (completed + failed) : 1,
    serviceMs: { p50: null, p90: null, p95: null, p99: null, mean: spec.meanMs ?? null },
    throughputPerMin: 0,
    recoveryMs: null,
    efficiency: 1,
    efficiencyParts: { speed: 1, consistency: 1, success: 1 },
    byKind,
    serviceHistogram: emptyBuckets(),
    joinedAt: 0,
    lastEventAt: 0,
  }
}

export function snapshot(agents: AgentSnapshot[], kinds: KindSnapshot[] = [], at = 0): SwarmSnapshot {
  const nullPercentiles = { p50: null, p90: null, p95: null, p99: null, p999: null }
  return {
    at,
    seq: 1,
    window: { durationMs: 60_000 },
    swarm: {
      agents: agents.length,
      tasksQueued: 0,
      tasksInFlight: 0,
      tasksCompleted: 0,
      tasksFailed: 0,
      tasksCancelled: 0,
      throughputPerMin: 0,
      throughputHistoricalPerMin: 0,
      errorRate: 0,
      responseMs: nullPercentiles,
      serviceMs: nullPercentiles,
      imbalance: 0,
      efficiency: 1,
      messageLatencyMs: { p50: null, p95: null, p99: null },
      consensus: { rounds: 0, p95Ms: null, agreementRate: null },
      resources: { cpu: null, memoryUsedBytes: null, memoryTotalBytes: null, loadAverage: null },
      reportedQueueDepth: null,
      reassignments: { emitted: 0, applied: 0, refused: 0 },
      eventsValid: 0,
      eventsInvalid: 0,
    },
    agents,
    kinds,
    bottlenecks: [],
    insights: [],
    alerts: [],
    sla: [],
    predictions: [],
    queue: { unassigned: 0, oldestWaitMs: null, unplaceable: [] },
    histograms: { serviceMs: emptyBuckets(), responseMs: emptyBuckets() },
    definitions: {},
  }
}

export function kind(name: string, meanServiceMs: number, completed = 10): KindSnapshot {
  return { kind: name, completed, failed: 0, meanServiceMs, p50ServiceMs: meanServiceMs }
}

export function task(id: string, spec: Partial<PendingTask> = {}): PendingTask {
  return {
    taskId: id,
    kind: null,
    requiredCapabilities: [],
    priority: 0,
    estimatedMs: null,
    queuedAt: 0,
    agentId: null,
    assignedAt: null,
    ...spec,
  }
}

export interface ContextSpec {
  agents: AgentSpec[]
  unassigned?: PendingTask[]
  /** agentId -> tasks waiting there (their `agentId` is filled in; the agent's `queued` count follows). */
  queued?: Record<string, PendingTask[]>
  kinds?: KindSnapshot[]
  now?: number
  /** agentId -> tasks it is running (the context then carries `runningAt`). */
  running?: Record<string, RunningTask[]>
}

export function context(spec: ContextSpec): PlacementContext {
  const queuedAt = new Map<string, PendingTask[]>()
  for (const [agentId, tasks] of Object.entries(spec.queued ?? {}))
    queuedAt.set(
      agentId,
      tasks.map((t) => ({ ...t, agentId, assignedAt: t.assignedAt ?? t.queuedAt })),
    )
  const agents = spec.agents.map((a) =>
    agent({
      ...a,
      queued: a.queued ?? queuedAt.get(a.id)?.length ?? 0,
      inFlight: a.inFlight ?? spec.running?.[a.id]?.length ?? 0,
    }),
  )
  const now = spec.now ?? 0
  const ctx: PlacementContext = {
    snapshot: snapshot(agents, spec.kinds ?? [], now),
    unassigned: spec.unassigned ?? [],
    queuedAt,
    now,
  }
  const running = spec.running
  if (running) ctx.runningAt = (agentId) => running[agentId] ?? []
  return ctx
}

export function running(id: string, spec: Partial<RunningTask> = {}): RunningTask {
  return { taskId: id, kind: null, estimatedMs: null, startedAt: 0, ...spec }
}

/** n tasks named prefix0..prefix{n-1}, all alike. */
export function tasks(n: number, prefix = 't', spec: Partial<PendingTask> = {}): PendingTask[] {
  return Array.from({ length: n }, (_, i) => task(`${prefix}${i}`, { queuedAt: i, ...spec }))
}
