/**
 * Holt's linear method (double exponential smoothing) for irregularly spaced points: a level and a trend per
 * millisecond, so snapshots need not be evenly spaced.
 *
 *     level_t = alpha * y_t + (1 - alpha) * (level_{t-1} + trend_{t-1} * dt)
 *     trend_t = beta * (level_t - level_{t-1}) / dt + (1 - beta) * trend_{t-1}
 *
 * Forecast h ms ahead: level + trend * h. Used for queue depth and throughput trends.
 */
export interface HoltState {
  level: number
  /** Change per millisecond. */
  trend: number
  at: number
  points: number
}

export function holt(points: readonly { at: number; value: number }[], alpha: number, beta: number): HoltState | null {
  if (points.length === 0) return null
  let state: HoltState = { level: points[0].value, trend: 0, at: points[0].at, points: 1 }
  for (let i = 1; i < points.length; i++) {
    const { at, value } = points[i]
    const dt = at - state.at
    if (!(dt > 0)) continue
    if (state.points === 1) {
      // The first step seeds level and trend from the first two points instead of smoothing in from zero.
      state = { level: value, trend: (value - state.level) / dt, at, points: 2 }
      continue
    }
    const level = alpha * value + (1 - alpha) * (state.level + state.trend * dt)
    const trend = beta * ((level - state.level) / dt) + (1 - beta) * state.trend
    state = { level, trend, at, points: state.points + 1 }
  }
  return state
}

export function forecast(state: HoltState, horizonMs: number): number {
  return state.level + state.trend * horizonMs
}
