/**
 * Per-agent latency percentiles over rolling windows, on log-linear histograms in WASM (assembly/histograms.ts).
 *
 * @example
 * const engine = createPercentileEngine({ windowMs: 60_000 })
 * engine.record(3, 12.5, Date.now())
 * engine.quantile(3, 0.99) // within 0.39% of the exact nearest-rank p99 of agent 3's last minute
 */
import { z } from 'zod'
import { parseConfig } from '../model/validate.js'
import { createHistogramKernel, type HistogramKernel } from '../wasm/kernel.js'

/** Finest relative error the kernel offers: 2^-11 (10 mantissa bits per bin). */
const finestRelativeError = 2 ** -11

export const percentileEngineOptionsSchema = z
  .strictObject({
    /** Worst-case relative error of any quantile; the engine uses the largest 2^-(m+1) not above it. */
    relativeError: z.number().min(finestRelativeError).max(0.5).default(0.004),
    /** Length of the rolling window in event-time ms. */
    windowMs: z.number().positive().finite().default(60_000),
    /** Sub-window slots in the ring: the window moves in steps of windowMs / slots. */
    slots: z.number().int().min(1).max(60).default(6),
    /** Values below are recorded as minValueMs and counted in clamped(). */
    minValueMs: z.number().min(1e-300).finite().default(0.001),
    /** Values above are recorded as maxValueMs and counted in clamped(). */
    maxValueMs: z.number().positive().max(1e300).default(3_600_000),
    /** Agent slots 0..capacity-1. Memory is taken per slot on first use, not up front. */
    capacity: z
      .number()
      .int()
      .min(1)
      .max(2 ** 22)
      .default(4096),
  })
  .refine((o) => o.maxValueMs > o.minValueMs, { path: ['maxValueMs'], message: 'must be greater than minValueMs' })
  .refine((o) => binCount(mantissaBits(o.relativeError), o.minValueMs, o.maxValueMs) <= 2 ** 20, {
    path: ['relativeError'],
    message: 'with this range and relative error a histogram would need more than 2^20 bins; narrow the range',
  })

/** All optional; see percentileEngineOptionsSchema for defaults and bounds. */
export type PercentileEngineOptions = z.input<typeof percentileEngineOptionsSchema>

export interface PercentileEngine {
  /** Record one value (ms) for an agent slot; `atMs` first moves event time forward (see advanceTo). */
  record(agent: number, valueMs: number, atMs?: number): void
  /** The fast path: entries [0, count) of the two arrays, at event time `atMs` if given. */
  recordBatch(agents: Uint32Array, valuesMs: Float64Array, count?: number, atMs?: number): void
  /** Nearest-rank quantile of the agent's window; NaN when the agent has no sample in the window. */
  quantile(agent: number, q: number): number
  quantiles(agent: number, qs: readonly number[]): Float64Array
  /** Quantile over every live agent's window, merged exactly. */
  fleetQuantile(q: number): number
  /** Samples in the agent's window. */
  count(agent: number): number
  /** Rotate windows by event time: samples in slots older than the window are forgotten. Never goes back. */
  advanceTo(nowMs: number): void
  /** Forget the agent's samples; the slot becomes reusable. */
  release(agent: number): void
  /** Real bytes held in WASM memory by this engine. */
  memoryBytes(): number
  /** Values refused (NaN, negative, infinite). */
  rejected(): number
  /** Values outside [minValueMs, maxValueMs], recorded as the nearest bound. */
  clamped(): number
  /** The guaranteed worst-case relative error, 2^-(m+1) <= options.relativeError. */
  readonly relativeErrorBound: number
  /** Free the engine's WASM instance; any later call throws. */
  dispose(): void
}

function mantissaBits(relativeError: number): number {
  return Math.max(0, Math.ceil(-Math.log2(relativeError)) - 1)
}

function binCount(m: number, minValueMs: number, maxValueMs: number): number {
  return (Math.floor(Math.log2(maxValueMs)) - Math.floor(Math.log2(minValueMs)) + 1) * 2 ** m
}

export function createPercentileEngine(options?: PercentileEngineOptions): PercentileEngine {
  const o = parseConfig(percentileEngineOptionsSchema, options, 'percentile engine options')
  const m = mantissaBits(o.relativeError)
  const { capacity } = o
  const slotMs = o.windowMs / o.slots
  let kernel: HistogramKernel | undefined = createHistogramKernel({
    mantissaBits: m,
    minValueMs: o.minValueMs,
    maxValueMs: o.maxValueMs,
    slots: o.slots,
    capacity,
  })
  const k = kernel

  const checkSlot = (agent: number) => {
    if (!(Number.isInteger(agent) && agent >= 0 && agent < capacity)) {
      throw new RangeError(`agent slot ${agent} is out of range: capacity is ${capacity} (slots 0..${capacity - 1})`)
    }
  }
  const checkQ = (q: number) => {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile ${q} is outside [0, 1]`)
  }
  const alive = () => {
    if (!kernel) throw new Error('swarm-perf: percentile engine used after dispose()')
  }
  const advanceTo = (nowMs: number) => {
    if (!Number.isFinite(nowMs)) throw new RangeError(`event time ${nowMs} is not a finite number of ms`)
    alive()
    k.advance(Math.floor(nowMs / slotMs))
  }

  return {
    relativeErrorBound: 2 ** -(m + 1),
    record(agent, valueMs, atMs) {
      checkSlot(agent)
      if (atMs !== undefined) advanceTo(atMs)
      k.record(agent, valueMs)
    },
    recordBatch(agents, valuesMs, count, atMs) {
      const n = count ?? agents.length
      if (!(Number.isInteger(n) && n >= 0 && n <= agents.length && n <= valuesMs.length)) {
        throw new RangeError(
          `count ${n} must be an integer in 0..min(agents.length ${agents.length}, valuesMs.length ${valuesMs.length})`,
        )
      }
      if (atMs !== undefined) advanceTo(atMs)
      const bad = k.recordBatch(agents, valuesMs, n)
      if (bad >= 0) {
        throw new RangeError(
          `agent slot ${agents[bad]} (at index ${bad}) is out of range: capacity is ${capacity} (slots 0..${capacity - 1}); the ${bad} entries before it were recorded`,
        )
      }
    },
    quantile(agent, q) {
      checkSlot(agent)
      checkQ(q)
      return k.quantile(agent, q)
    },
    quantiles(agent, qs) {
      checkSlot(agent)
      for (const q of qs) checkQ(q)
      const out = new Float64Array(qs.length)
      k.quantiles(agent, qs, out)
      return out
    },
    fleetQuantile(q) {
      checkQ(q)
      return k.fleetQuantile(q)
    },
    count(agent) {
      checkSlot(agent)
      return k.count(agent)
    },
    advanceTo,
    release(agent) {
      checkSlot(agent)
      k.release(agent)
    },
    memoryBytes: () => k.memoryBytes(),
    rejected: () => k.rejected(),
    clamped: () => k.clamped(),
    dispose() {
      kernel?.dispose()
      kernel = undefined
    },
  }
}
