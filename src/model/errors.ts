/**
 * Every problem the library reports carries a stable `code` (part of the API: match on it, not on the message)
 * and a message that says what to change.
 */
export const errorCodes = {
  /** The event failed its schema. */
  eventSchema: 'EVENT_SCHEMA',
  /** The event names an agent the monitor never saw join (or one that has left). */
  unknownAgent: 'EVENT_UNKNOWN_AGENT',
  /** The event names a task the monitor never saw queued, or one that already ended. */
  unknownTask: 'EVENT_UNKNOWN_TASK',
  /** The event contradicts the task's state (completing a task that never started, starting it twice). */
  invalidTransition: 'EVENT_INVALID_TRANSITION',
  /** The event's timestamp is further in the past than the configured tolerance. */
  outOfOrder: 'EVENT_OUT_OF_ORDER',
  /** The event's timestamp is later than the wall clock by more than the configured tolerance. */
  inFuture: 'EVENT_IN_FUTURE',
  /** The same event (same id) arrived twice. */
  duplicate: 'EVENT_DUPLICATE',
  /** More agents are live (or departed within the window) than the configured `capacity`: raise it. */
  agentCapacity: 'AGENT_CAPACITY',
  /** A line of a JSONL file is not JSON. */
  jsonParse: 'JSONL_PARSE',
  /** A plug-in (strategy, analyser, exporter, subscriber, adapter callback) threw. */
  plugin: 'PLUGIN_FAILED',
  /** The host refused or failed to apply a reassignment. */
  reassignmentRefused: 'REASSIGNMENT_REFUSED',
  /** Sampling host resources failed. */
  resources: 'RESOURCES_SAMPLE_FAILED',
  /** A configuration value is wrong. */
  config: 'CONFIG_INVALID',
  /** An event from the host that has no mapping to a SwarmEvent. */
  unmappedHostEvent: 'HOST_EVENT_UNMAPPED',
} as const

export type ErrorCode = (typeof errorCodes)[keyof typeof errorCodes]

/** What `errors$` carries: never thrown into the host. */
export interface SwarmError {
  code: ErrorCode
  message: string
  /** Where in the event the problem is, e.g. `agentId` or `capabilities.0`. */
  path?: string
  /** The offending event or value, as received. */
  event?: unknown
  /** 1-based line number when the event came from a file. */
  line?: number
  /** Which plug-in failed, for PLUGIN_FAILED. */
  source?: string
}

export interface ConfigIssue {
  path: string
  message: string
}

/** A bad configuration: one error listing every wrong field and what is expected. */
export class ConfigError extends Error {
  readonly code = errorCodes.config
  readonly issues: readonly ConfigIssue[]
  constructor(what: string, issues: readonly ConfigIssue[]) {
    super(`${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`)
    this.name = 'ConfigError'
    this.issues = issues
  }
}
