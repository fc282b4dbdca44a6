import type { AgentSnapshot, SwarmSnapshot } from '../model/snapshot.js'

export const csvContentType = 'text/csv; charset=utf-8; header=present'

/** The CSV columns, in order: header name and how the agent's value is read. Times in ms as in the snapshot. */
export const csvColumns: ReadonlyArray<readonly [string, (a: AgentSnapshot) => string | number | null]> = [
  ['agent_id', (a) => a.agentId],
  ['role', (a) => a.role],
  ['state', (a) => a.state],
  ['capabilities', (a) => a.capabilities.join(';')],
  ['capacity', (a) => a.capacity],
  ['in_flight', (a) => a.inFlight],
  ['queued', (a) => a.queued],
  ['load', (a) => a.load],
  ['tasks_completed', (a) => a.tasksCompleted],
  ['tasks_failed', (a) => a.tasksFailed],
  ['success_rate', (a) => a.successRate],
  ['service_p50_ms', (a) => a.serviceMs.p50],
  ['service_p90_ms', (a) => a.serviceMs.p90],
  ['service_p95_ms', (a) => a.serviceMs.p95],
  ['service_p99_ms', (a) => a.serviceMs.p99],
  ['service_mean_ms', (a) => a.serviceMs.mean],
  ['throughput_per_min', (a) => a.throughputPerMin],
  ['recovery_ms', (a) => a.recoveryMs],
  ['efficiency', (a) => a.efficiency],
  ['efficiency_speed', (a) => a.efficiencyParts.speed],
  ['efficiency_consistency', (a) => a.efficiencyParts.consistency],
  ['efficiency_success', (a) => a.efficiencyParts.success],
  ['joined_at', (a) => a.joinedAt],
  ['last_event_at', (a) => a.lastEventAt],
]

/** RFC 4180: a field holding a comma, a quote, CR or LF is quoted, and its quotes doubled. */
export function csvField(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/**
 * One row per agent after a header row, CRLF line ends (RFC 4180). Numbers are printed exactly (shortest
 * round-trip form), a missing value is an empty field.
 */
export function toCsv(snapshot: SwarmSnapshot): string {
  const lines = [csvColumns.map(([name]) => name).join(',')]
  for (const agent of snapshot.agents) lines.push(csvColumns.map(([, read]) => csvField(read(agent))).join(','))
  return `${lines.join('\r\n')}\r\n`
}
