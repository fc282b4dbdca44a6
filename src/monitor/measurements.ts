import { createPercentileEngine, type PercentileEngine } from '../engine/percentile-engine.js'
import { createScoringKernel, type ScoringKernel } from '../wasm/kernel.js'
import type { SwarmMonitorConfig } from './config.js'
import { RollingCounter } from './rolling-counter.js'

const batchSize = 4096

/**
 * Every kernel a session records into, and the batches in front of them. Service times go to the per-agent
 * engine, the per-kind and fleet engines and the scoring kernel in batches of (slot, kind, value): one boundary
 * crossing per batch and kernel, no allocation per value. A batch never spans a sub-window boundary: `advanceTo`
 * flushes before it rotates. Anything that reads a kernel flushes first.
 */
/**
 * The longest time the percentiles tell apart: 2^33 ms, about 99 days (longer ones count as this). The engine's
 * default, an hour, clamped a realistic wait in a queue, or an agent's long task, to exactly one hour. The wider
 * range costs page-table cells per octave: 7,954 bytes an agent against 6,708 (1000 agents with 50 samples each).
 */
export const maxRecordedMs = 2 ** 33

export class Measurements {
  readonly service: PercentileEngine
  /** Fleet-only engines (one slot each). */
  readonly fleetService: PercentileEngine
  readonly response: PercentileEngine
  readonly messages: PercentileEngine
  readonly consensus: PercentileEngine
  /** Fleet service times per task kind (slot = kind index). */
  readonly kinds: PercentileEngine
  readonly scoring: ScoringKernel
  /** Per agent slot, over the window: failures and the sum of service ms (for the windowed mean). */
  readonly failures: RollingCounter
  readonly serviceSumMs: RollingCounter
  /** Per agent slot: completions, read over the closed sub-windows for the agent's throughput. */
  readonly completions: RollingCounter
  readonly subWindowMs: number

  private readonly batchSlots = new Uint32Array(batchSize)
  private readonly batchValues = new Float64Array(batchSize)
  private readonly batchKinds = new Uint32Array(batchSize)
  private batchLength = 0
  private readonly responseValues = new Float64Array(batchSize)
  /** Slot 0 for every entry of a batch into a fleet-only engine. */
  private readonly zeroSlots = new Uint32Array(batchSize)
  private responseLength = 0
  /**
   * The sub-window event time has reached, as the engines and counters number it (floor(now / subWindowMs)). An
   * index, not the sub-window's end in ms: (index + 1) * subWindowMs can land a hair past the true boundary when
   * windowMs / windowSlots is not a whole number, and a sample at the boundary would then go to the old sub-window.
   */
  private subWindow = Number.NEGATIVE_INFINITY
  /** Bumped whenever the windows rotate. */
  rotations = 0
  /**
   * Per agent slot, the last value of `rotations` at which a rotation expired some of its samples (a completion or
   * a failure): its windowed figures cached since an earlier rotation are stale, those of every other slot are not.
   */
  readonly expiredAt: Float64Array
  /** Scratch: the slots whose samples the rotation in progress expires. */
  private readonly expiring: Uint8Array

  constructor(config: SwarmMonitorConfig) {
    const window = {
      relativeError: config.relativeError,
      windowMs: config.windowMs,
      slots: config.windowSlots,
      maxValueMs: maxRecordedMs,
    }
    this.service = createPercentileEngine({ ...window, capacity: config.capacity })
    // The fleet's service times get an engine of their own: answering from it costs one histogram scan, where
    // merging every agent's window (the engine's fleetQuantile) costs a scan per agent, every tick.
    this.fleetService = createPercentileEngine({ ...window, capacity: 1 })
    this.response = createPercentileEngine({ ...window, capacity: 1 })
    this.messages = createPercentileEngine({ ...window, capacity: 1 })
    this.consensus = createPercentileEngine({ ...window, capacity: 1 })
    this.kinds = createPercentileEngine({ ...window, capacity: config.kindCapacity })
    this.scoring = createScoringKernel(config.capacity, config.kindCapacity)
    this.subWindowMs = config.windowMs / config.windowSlots
    this.failures = new RollingCounter(config.capacity, config.windowSlots, this.subWindowMs)
    this.serviceSumMs = new RollingCounter(config.capacity, config.windowSlots, this.subWindowMs)
    this.completions = new RollingCounter(config.capacity, config.windowSlots, this.subWindowMs)
    this.expiredAt = new Float64Array(config.capacity)
    this.expiring = new Uint8Array(config.capacity)
  }

  /** Rotate every window to `nowMs` (event time), flushing the batches first so no value lands in a later slot. */
  advanceTo(nowMs: number): void {
    const subWindow = Math.floor(nowMs / this.subWindowMs)
    if (subWindow <= this.subWindow) return
    this.flush()
    this.service.advanceTo(nowMs)
    this.fleetService.advanceTo(nowMs)
    this.response.advanceTo(nowMs)
    this.messages.advanceTo(nowMs)
    this.consensus.advanceTo(nowMs)
    this.kinds.advanceTo(nowMs)
    // Every completion adds to serviceSumMs and every failure to failures, so between them they see each sample
    // that expires, in the same sub-windows as the engines.
    this.failures.advanceTo(nowMs, this.expiring)
    this.serviceSumMs.advanceTo(nowMs, this.expiring)
    this.completions.advanceTo(nowMs)
    this.subWindow = subWindow
    this.rotations++
    const expiring = this.expiring
    for (let slot = 0; slot < expiring.length; slot++) {
      if (expiring[slot] === 0) continue
      expiring[slot] = 0
      this.expiredAt[slot] = this.rotations
    }
  }

  recordService(slot: number, kindIndex: number, serviceMs: number): void {
    this.batchSlots[this.batchLength] = slot
    this.batchKinds[this.batchLength] = kindIndex
    this.batchValues[this.batchLength++] = serviceMs
    if (this.batchLength === batchSize) this.flushService()
    this.serviceSumMs.add(slot, serviceMs)
    this.completions.add(slot, 1)
  }

  recordResponse(responseMs: number): void {
    this.responseValues[this.responseLength++] = responseMs
    if (this.responseLength === batchSize) this.flushResponse()
  }

  recordFailure(slot: number, kindIndex: number): void {
    this.failures.add(slot, 1)
    this.scoring.recordFailure(slot, kindIndex)
  }

  /** Push pending batches into the engines; call before any query. */
  flush(): void {
    if (this.batchLength > 0) this.flushService()
    if (this.responseLength > 0) this.flushResponse()
  }

  private flushService(): void {
    this.service.recordBatch(this.batchSlots, this.batchValues, this.batchLength)
    this.kinds.recordBatch(this.batchKinds, this.batchValues, this.batchLength)
    this.fleetService.recordBatch(this.zeroSlots, this.batchValues, this.batchLength)
    this.scoring.recordCompletions(this.batchSlots, this.batchKinds, this.batchValues, this.batchLength)
    this.batchLength = 0
  }

  private flushResponse(): void {
    this.response.recordBatch(this.zeroSlots, this.responseValues, this.responseLength)
    this.responseLength = 0
  }

  /** Forget a slot before another agent gets it. */
  releaseSlot(slot: number): void {
    this.flush()
    this.service.release(slot)
    this.scoring.resetSlot(slot)
    this.failures.reset(slot)
    this.serviceSumMs.reset(slot)
    this.completions.reset(slot)
    this.expiredAt[slot] = 0
  }

  memoryBytes(): number {
    return (
      this.service.memoryBytes() +
      this.fleetService.memoryBytes() +
      this.response.memoryBytes() +
      this.messages.memoryBytes() +
      this.consensus.memoryBytes() +
      this.kinds.memoryBytes() +
      this.scoring.memoryBytes()
    )
  }

  dispose(): void {
    this.service.dispose()
    this.fleetService.dispose()
    this.response.dispose()
    this.messages.dispose()
    this.consensus.dispose()
    this.kinds.dispose()
    this.scoring.dispose()
  }
}
