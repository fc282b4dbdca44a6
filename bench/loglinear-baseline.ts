/**
 * The bar a WASM engine has to clear: the same log-linear histogram (bin = IEEE-754 exponent + top m mantissa bits)
 * and the same rolling window (ring of slots + running aggregate, lazy per-agent catch-up) in plain JavaScript,
 * with a dense Uint32Array per agent. Kept in bench/ only; it is not part of the package.
 */
export interface LogLinearBaselineOptions {
  mantissaBits: number
  minValueMs: number
  maxValueMs: number
  slots: number
  windowMs: number
}

const scratch = new Float64Array(1)
const scratchHi = new Uint32Array(scratch.buffer, 4, 1)

/** High 32 bits of the IEEE-754 double, little-endian. */
function highBits(v: number): number {
  scratch[0] = v
  return scratchHi[0]
}

export class LogLinearBaseline {
  readonly bins: number
  private readonly shift: number
  private readonly base: number
  private readonly slots: number
  private readonly slotMs: number
  private readonly minValueMs: number
  private readonly maxValueMs: number
  /** Per agent: slots ring histograms then the aggregate, `bins` u32 each. */
  private readonly agents: (Uint32Array | undefined)[] = []
  private readonly ring: number[] = []
  private readonly agentEpoch: number[] = []
  private epoch = 0

  constructor(o: LogLinearBaselineOptions) {
    this.shift = 20 - o.mantissaBits
    this.base = highBits(o.minValueMs) >>> this.shift
    this.bins = (highBits(o.maxValueMs) >>> this.shift) - this.base + 1
    this.slots = o.slots
    this.slotMs = o.windowMs / o.slots
    this.minValueMs = o.minValueMs
    this.maxValueMs = o.maxValueMs
  }

  advanceTo(nowMs: number): void {
    const e = Math.floor(nowMs / this.slotMs)
    if (e > this.epoch) this.epoch = e
  }

  private histograms(agent: number): Uint32Array {
    let h = this.agents[agent]
    if (h === undefined) {
      h = new Uint32Array((this.slots + 1) * this.bins)
      this.agents[agent] = h
      this.ring[agent] = 0
      this.agentEpoch[agent] = this.epoch
    } else if (this.agentEpoch[agent] !== this.epoch) {
      this.catchUp(agent, h)
    }
    return h
  }

  private catchUp(agent: number, h: Uint32Array): void {
    const { bins, slots } = this
    const gap = this.epoch - this.agentEpoch[agent]
    let ring = this.ring[agent]
    if (gap >= slots) {
      h.fill(0)
    } else {
      const agg = slots * bins
      for (let step = 0; step < gap; step++) {
        const next = ring + 1 === slots ? 0 : ring + 1
        if (slots > 1) {
          const closing = ring * bins
          const expiring = next * bins
          for (let b = 0; b < bins; b++) h[agg + b] += h[closing + b] - h[expiring + b]
        }
        h.fill(0, next * bins, (next + 1) * bins)
        ring = next
      }
    }
    this.ring[agent] = ring
    this.agentEpoch[agent] = this.epoch
  }

  record(agent: number, valueMs: number): void {
    if (!(valueMs >= 0 && valueMs < Number.POSITIVE_INFINITY)) return
    const v = Math.min(Math.max(valueMs, this.minValueMs), this.maxValueMs)
    const h = this.histograms(agent)
    h[this.ring[agent] * this.bins + (highBits(v) >>> this.shift) - this.base]++
  }

  recordBatch(agents: Uint32Array, valuesMs: Float64Array, count: number): void {
    for (let i = 0; i < count; i++) this.record(agents[i], valuesMs[i])
  }

  /** Nearest rank over aggregate + current slot, answered with the bin midpoint. */
  quantile(agent: number, q: number): number {
    const h = this.agents[agent]
    if (h === undefined) return Number.NaN
    this.histograms(agent)
    const { bins, slots } = this
    const cur = this.ring[agent] * bins
    const agg = slots * bins
    let n = 0
    for (let b = 0; b < bins; b++) n += h[agg + b] + h[cur + b]
    if (n === 0) return Number.NaN
    const rank = Math.max(1, Math.ceil(q * n))
    let cum = 0
    for (let b = 0; b < bins; b++) {
      cum += h[agg + b] + h[cur + b]
      if (cum >= rank) return (this.binLow(b) + this.binLow(b + 1)) / 2
    }
    return Number.NaN
  }

  private binLow(b: number): number {
    scratch[0] = 0
    scratchHi[0] = (b + this.base) << this.shift
    return scratch[0]
  }

  /** Bytes of counters held (the typed arrays; the JS objects around them are not counted). */
  bytes(): number {
    let total = 0
    for (const h of this.agents) if (h) total += h.byteLength
    return total
  }
}
