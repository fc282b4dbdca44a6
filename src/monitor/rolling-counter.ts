/**
 * Per-slot sums over a rolling window of event time, the same ring-plus-aggregate scheme as the percentile
 * engine: add into the current sub-window only; on rotation subtract the expiring sub-window from the aggregate.
 * Used for the figures that are counts and sums (failures, service-time sums), not distributions.
 */
export class RollingCounter {
  private readonly ring: Float64Array
  /** 1 where an add (even of 0) went into that sub-window and slot: its expiry changes the slot's window. */
  private readonly touched: Uint8Array
  private readonly total: Float64Array
  private current = 0
  private currentStart = Number.NEGATIVE_INFINITY

  constructor(
    private readonly capacity: number,
    private readonly subWindows: number,
    private readonly subWindowMs: number,
  ) {
    this.ring = new Float64Array(capacity * subWindows)
    this.touched = new Uint8Array(capacity * subWindows)
    this.total = new Float64Array(capacity)
  }

  add(slot: number, value: number): void {
    const cell = this.current * this.capacity + slot
    this.ring[cell] += value
    this.touched[cell] = 1
    this.total[slot] += value
  }

  /** Sum over the window for one slot. */
  get(slot: number): number {
    return this.total[slot]
  }

  /** Sum over the window's closed sub-windows (all but the current one) for one slot. */
  closed(slot: number): number {
    return this.total[slot] - this.ring[this.current * this.capacity + slot]
  }

  /**
   * Rotate so that `nowMs` falls in the current sub-window; sub-windows older than the window are forgotten. With
   * `expired`, sets expired[slot] = 1 for every slot that had an add in a sub-window forgotten now.
   */
  advanceTo(nowMs: number, expired?: Uint8Array): void {
    const start = Math.floor(nowMs / this.subWindowMs) * this.subWindowMs
    if (start <= this.currentStart) return
    if (this.currentStart === Number.NEGATIVE_INFINITY) {
      // The first time fixes where sub-window 0 starts; whatever was added before belongs to it.
      this.currentStart = start
      return
    }
    const steps = Math.min(this.subWindows, Math.round((start - this.currentStart) / this.subWindowMs))
    for (let step = 0; step < steps; step++) {
      this.current = (this.current + 1) % this.subWindows
      const base = this.current * this.capacity
      for (let slot = 0; slot < this.capacity; slot++) {
        if (this.touched[base + slot] === 0) continue
        const expiring = this.ring[base + slot]
        if (expiring !== 0) {
          this.total[slot] -= expiring
          this.ring[base + slot] = 0
        }
        this.touched[base + slot] = 0
        if (expired) expired[slot] = 1
      }
    }
    this.currentStart = start
  }

  /** Forget everything a slot holds (the slot is being reused). */
  reset(slot: number): void {
    for (let w = 0; w < this.subWindows; w++) {
      this.ring[w * this.capacity + slot] = 0
      this.touched[w * this.capacity + slot] = 0
    }
    this.total[slot] = 0
  }

  /** Start of the current sub-window. */
  currentSubWindowStart(): number {
    return this.currentStart
  }
}
