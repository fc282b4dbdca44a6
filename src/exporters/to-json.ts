import type { SwarmSnapshot } from '../model/snapshot.js'

export const jsonContentType = 'application/json; charset=utf-8'

/** The snapshot as JSON: it is plain data already (a missing percentile is `null`, never NaN). */
export function toJson(snapshot: SwarmSnapshot, options: { pretty?: boolean } = {}): string {
  return `${JSON.stringify(snapshot, null, options.pretty ? 2 : undefined)}\n`
}
