import { errorCodes, type SwarmError } from '../model/errors.js'
import { type SwarmEvent, swarmEventSchema } from '../model/swarm-event.js'

// zod gives the precise path and message of a bad event, but parsing every event with it would cost more than
// the whole rest of ingest. The task events (the bulk of any stream) take a hand-written check that accepts
// exactly what the schema accepts (test/validate-event.test.ts checks the two agree on arbitrary input); zod
// runs for the other types and to explain a rejection.

const isId = (v: unknown): boolean => typeof v === 'string' && v.length > 0
const isTs = (v: unknown): boolean => typeof v === 'number' && v >= 0 && v !== Number.POSITIVE_INFINITY
const optNonNegative = (v: unknown): boolean =>
  v === undefined || (typeof v === 'number' && v >= 0 && v !== Number.POSITIVE_INFINITY)
const optDurationMs = (v: unknown): boolean =>
  v === undefined || (typeof v === 'number' && v >= 0 && v <= Number.MAX_SAFE_INTEGER)
const optFinite = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v))
const optString = (v: unknown): boolean => v === undefined || typeof v === 'string'
const optStrings = (v: unknown): boolean => {
  if (v === undefined) return true
  if (!Array.isArray(v)) return false
  for (let i = 0; i < v.length; i++) if (typeof v[i] !== 'string') return false
  return true
}

// biome-ignore lint/suspicious/noExplicitAny: the checks read fields of an unknown object
type Loose = Record<string, any>

/**
 * Whether a task event passes its schema, by hand: a switch on the type (no lookup of a check per event), the
 * fields the type has checked in place. Any other type, or a task event that fails, goes to zod.
 */
function passesFast(e: Loose): boolean {
  switch (e.type) {
    case 'task:assigned':
    case 'task:started':
      return isTs(e.ts) && isId(e.taskId) && isId(e.agentId)
    case 'task:completed':
      return isTs(e.ts) && isId(e.taskId) && isId(e.agentId) && optDurationMs(e.durationMs)
    case 'task:queued':
      return (
        isTs(e.ts) &&
        isId(e.taskId) &&
        optString(e.kind) &&
        optStrings(e.requiredCapabilities) &&
        optFinite(e.priority) &&
        optNonNegative(e.estimatedMs)
      )
    case 'task:failed':
      return isTs(e.ts) && isId(e.taskId) && isId(e.agentId) && optString(e.error)
    default:
      return false
  }
}

/** The event as a SwarmEvent, or the reason it is not one (code EVENT_SCHEMA, path of the first wrong field). */
export function validateEvent(input: unknown): SwarmEvent | SwarmError {
  if (typeof input === 'object' && input !== null && !Array.isArray(input) && passesFast(input as Loose)) {
    return input as SwarmEvent
  }
  const result = swarmEventSchema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue.path.join('.')
  const type =
    typeof input === 'object' && input !== null && typeof (input as Loose).type === 'string'
      ? `'${(input as Loose).type}' `
      : ''
  return {
    code: errorCodes.eventSchema,
    message: `${type}event rejected: ${path ? `${path}: ` : ''}${issue.message}`,
    ...(path ? { path } : {}),
    event: input,
  }
}

/** A SwarmError never has a `type`; every SwarmEvent has one. */
export function isSwarmError(value: SwarmEvent | SwarmError): value is SwarmError {
  return (value as { type?: unknown }).type === undefined
}
