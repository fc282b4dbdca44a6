/**
 * Robust anomaly detection on a series of points: each point is compared with the median of the points before it
 * (a trailing window), scaled by the median absolute deviation:
 *
 *     z_i = (x_i - median(W_i)) / max(1.4826 * MAD(W_i), relativeScaleFloor * |median(W_i)|, absoluteScaleFloor)
 *     score = mean(clip(z_{i-k+1}), ..., clip(z_i)),   clip(z) = max(-2T, min(2T, z)),   k = `consecutive`
 *
 * where W_i is the trailing window of `windowPoints` points before x_i and 1.4826 makes the MAD a consistent
 * estimate of the standard deviation for normal data. The series is anomalous while the score is beyond the
 * threshold T in the watched direction. Averaging k scores divides the noise by sqrt(k) (a shift of d standard
 * deviations still scores d), and the clip means one spike alone (at most 2T / k) never raises an anomaly. Median
 * and MAD ignore up to half the window being outliers, so a spike neither hides the next nor inflates the scale;
 * after a lasting shift the window adopts the new level within about windowPoints / 2 points and the anomaly ends.
 */
export interface RobustAnomalyOptions {
  threshold: number
  consecutive: number
  windowPoints: number
  minPoints: number
  relativeScaleFloor: number
  absoluteScaleFloor: number
  /** Which side is bad: `up` (slower, more errors), `down` (less throughput) or both. */
  direction: 'up' | 'down' | 'both'
}

export interface AnomalyVerdict {
  /** Robust z of the point, null while the window is shorter than `minPoints`. */
  z: number | null
  median: number | null
  scale: number | null
  /** Mean clipped z of the last `consecutive` points, null until there are that many. */
  score: number | null
  /** The score is beyond the threshold in the watched direction. */
  anomalous: boolean
}

const MAD_TO_SD = 1.4826

export function median(sorted: readonly number[]): number {
  const n = sorted.length
  const mid = n >> 1
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Streaming detector: `push` each point in order. Memory and time per point are O(windowPoints). */
export class RobustAnomalyDetector {
  private readonly window: number[] = []
  private readonly recent: number[] = []
  private readonly sorted: number[] = []
  private readonly deviations: number[] = []

  constructor(private readonly options: RobustAnomalyOptions) {}

  /** Add a point to the window without scoring it. */
  observe(x: number): void {
    this.window.push(x)
    if (this.window.length > this.options.windowPoints) this.window.shift()
  }

  push(x: number): AnomalyVerdict {
    const o = this.options
    let verdict: AnomalyVerdict = { z: null, median: null, scale: null, score: null, anomalous: false }
    if (this.window.length >= o.minPoints) {
      const sorted = this.sorted
      sorted.length = 0
      for (const v of this.window) sorted.push(v)
      sorted.sort((a, b) => a - b)
      const m = median(sorted)
      const dev = this.deviations
      dev.length = 0
      for (const v of sorted) dev.push(Math.abs(v - m))
      dev.sort((a, b) => a - b)
      const scale = Math.max(MAD_TO_SD * median(dev), o.relativeScaleFloor * Math.abs(m), o.absoluteScaleFloor)
      const z = scale > 0 ? (x - m) / scale : x === m ? 0 : Math.sign(x - m) * Number.POSITIVE_INFINITY
      const clip = 2 * o.threshold
      this.recent.push(Math.max(-clip, Math.min(clip, z)))
      if (this.recent.length > o.consecutive) this.recent.shift()
      let score: number | null = null
      let anomalous = false
      if (this.recent.length === o.consecutive) {
        score = this.recent.reduce((sum, v) => sum + v, 0) / o.consecutive
        anomalous =
          o.direction === 'up'
            ? score > o.threshold
            : o.direction === 'down'
              ? -score > o.threshold
              : Math.abs(score) > o.threshold
      }
      verdict = { z, median: m, scale, score, anomalous }
    }
    this.window.push(x)
    if (this.window.length > o.windowPoints) this.window.shift()
    return verdict
  }
}
