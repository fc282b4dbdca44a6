/**
 * Robust anomaly detection on a series of points: each point is compared with the median of the points before it
 * (a trailing window), scaled by the median absolute deviation:
 *
 *     z = (x - median(W)) / max(1.4826 * MAD(W), relativeScaleFloor * |median(W)|, absoluteScaleFloor)
 *
 * where W is the trailing window of `windowPoints` points and 1.4826 makes the MAD a consistent estimate of the
 * standard deviation for normal data. A point is anomalous when z is beyond `threshold` in the watched direction;
 * an anomaly is reported once `consecutive` points in a row are anomalous, which cuts false positives by orders of
 * magnitude for one point of delay. Median and MAD ignore up to half the window being outliers, so one spike
 * neither hides the next nor inflates the scale; after a lasting shift the window adopts the new level within
 * about windowPoints / 2 points and the anomaly ends.
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
  /** Anomalous points in a row, this one included. */
  run: number
  /** The run reached `consecutive`. */
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
  private run = 0
  private readonly sorted: number[] = []
  private readonly deviations: number[] = []

  constructor(private readonly options: RobustAnomalyOptions) {}

  push(x: number): AnomalyVerdict {
    const o = this.options
    let verdict: AnomalyVerdict = { z: null, median: null, scale: null, run: 0, anomalous: false }
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
      const beyond =
        o.direction === 'up' ? z > o.threshold : o.direction === 'down' ? -z > o.threshold : Math.abs(z) > o.threshold
      this.run = beyond ? this.run + 1 : 0
      verdict = { z, median: m, scale, run: this.run, anomalous: this.run >= o.consecutive }
    }
    this.window.push(x)
    if (this.window.length > o.windowPoints) this.window.shift()
    return verdict
  }
}
