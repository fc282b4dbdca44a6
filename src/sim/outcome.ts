import type { PlannedTask, SimulationPlan } from './plan.js'

/** What a simulated run measured. Times are virtual ms; `efficiency` is lowerBoundMs / makespanMs. */
export interface SimulationOutcome {
  scenario: string
  seed: number
  /** Every task ended (completed or given up) before the run stopped. */
  finished: boolean
  /** The run hit its maximum virtual duration (unfinished tasks then count as lost). */
  timedOut: boolean
  nowMs: number
  /** Start of the run to the last completion (to now while unfinished). */
  makespanMs: number
  lowerBoundMs: number
  /** lowerBoundMs / makespanMs, 0..1. */
  efficiency: number
  /** Queued (first attempt) to completed, over completed tasks; nearest-rank percentiles. */
  responseMs: { p50: number | null; p95: number | null; p99: number | null }
  throughputPerMin: number
  tasksTotal: number
  tasksArrived: number
  tasksCompleted: number
  /** Tasks that arrived and never ended. Must be 0 for a finished run. */
  tasksLost: number
  /** Extra completions of a task that had already completed. Must be 0. */
  tasksDuplicated: number
  /** Tasks whose every attempt failed (ended, reported, not lost). */
  tasksGivenUp: number
  /** Attempts that failed and were retried as new tasks. */
  attemptsFailed: number
  /** Running tasks restarted from scratch because their agent left. */
  restarts: number
  /** First placements applied. */
  placements: number
  /** Applied moves of a task that had already been placed (rebalancing, evacuation, re-placement after a crash). */
  reassignments: number
  /** Placements or moves the host refused. */
  refused: number
  /** Tasks waiting for an agent or queued at one right now. */
  waiting: number
  agents: Array<{ agentId: string; alive: boolean; completed: number; busyMs: number; running: number; queued: number }>
}

interface JobView {
  planned: PlannedTask
  completions: number
  completedAtMs: number | null
  givenUp: boolean
}

export interface OutcomeInput {
  plan: SimulationPlan
  jobs: readonly JobView[]
  nowMs: number
  finished: boolean
  timedOut: boolean
  lowerBoundMs: number
  counters: {
    placements: number
    reassignments: number
    refused: number
    restarts: number
    attemptsFailed: number
    duplicates: number
  }
  agents: SimulationOutcome['agents']
  waiting: number
  arrivalsLeft: number
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]
}

export function summarize(input: OutcomeInput): SimulationOutcome {
  const responses: number[] = []
  let lastCompletion = 0
  let givenUp = 0
  let openArrived = 0
  for (const job of input.jobs) {
    if (job.completedAtMs !== null) {
      responses.push(job.completedAtMs - job.planned.arrivalMs)
      lastCompletion = Math.max(lastCompletion, job.completedAtMs)
    } else if (job.givenUp) givenUp++
    else if (job.planned.arrivalMs <= input.nowMs) openArrived++
  }
  responses.sort((a, b) => a - b)
  const makespanMs = input.finished ? lastCompletion : input.nowMs
  const arrived = input.jobs.length - input.arrivalsLeft
  return {
    scenario: input.plan.scenario,
    seed: input.plan.seed,
    finished: input.finished,
    timedOut: input.timedOut,
    nowMs: input.nowMs,
    makespanMs,
    lowerBoundMs: input.lowerBoundMs,
    efficiency: makespanMs > 0 ? Math.min(1, input.lowerBoundMs / makespanMs) : input.jobs.length === 0 ? 1 : 0,
    responseMs: { p50: percentile(responses, 0.5), p95: percentile(responses, 0.95), p99: percentile(responses, 0.99) },
    throughputPerMin: makespanMs > 0 ? responses.length / (makespanMs / 60000) : 0,
    tasksTotal: input.jobs.length,
    tasksArrived: arrived,
    tasksCompleted: responses.length,
    // A run that stopped with arrived work unfinished lost it; a run still in progress has lost nothing yet.
    tasksLost: input.finished || input.timedOut ? openArrived : 0,
    tasksDuplicated: input.counters.duplicates,
    tasksGivenUp: givenUp,
    attemptsFailed: input.counters.attemptsFailed,
    restarts: input.counters.restarts,
    placements: input.counters.placements,
    reassignments: input.counters.reassignments,
    refused: input.counters.refused,
    waiting: input.waiting,
    agents: input.agents,
  }
}
