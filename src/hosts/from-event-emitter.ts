import { Observable, Subject, type Subscriber, share } from 'rxjs'
import { type ErrorCode, errorCodes, type SwarmError } from '../model/errors.js'
import type { HostAdapter } from '../model/host-adapter.js'
import type { Reassignment } from '../model/reassignment.js'
import type { SwarmEvent } from '../model/swarm-event.js'

// biome-ignore lint/suspicious/noExplicitAny: listeners of arbitrary host emitters take arbitrary arguments
type Listener = (...args: any[]) => unknown

/** Anything with `on` and `off` (or `removeListener`): Node's EventEmitter, claude-flow's EventBus, ruv-swarm. */
export interface EmitterLike {
  on(name: string, listener: Listener): unknown
  off?(name: string, listener: Listener): unknown
  removeListener?(name: string, listener: Listener): unknown
}

/** A host event after unwrapping its envelope: the payload, and the host's own time and id when it has them. */
export interface UnwrappedHostEvent {
  payload: unknown
  /** Event time, ms since the epoch; the adapter's clock when absent. */
  ts?: number
  /** The host's id for this emission; a repeated id is reported as EVENT_DUPLICATE and dropped. */
  id?: string
}

/** What a translator may ask about the event it translates and the state the adapter has seen so far. */
export interface TranslateContext {
  /** The host event's name. */
  readonly name: string
  /** Event time of the host event, ms since the epoch. */
  readonly ts: number
  /** The raw host event, as the listener received it. */
  readonly raw: unknown
  /** The agent the task (a SwarmEvent task id) was last assigned to or started on; undefined once it ended. */
  agentOf(taskId: string): string | undefined
  /** Whether the task was seen queued, and whether it has ended. */
  taskState(taskId: string): 'unknown' | 'open' | 'ended'
  /** Whether the agent joined and has not left. */
  isLive(agentId: string): boolean
  /** Report this host event on `errors$` (it is not translated, or only partly); only the first report of an event counts. */
  report(code: ErrorCode, message: string, path?: string): void
  /** A required non-empty string field of the payload; reports EVENT_SCHEMA at `path` and returns undefined if absent. */
  requireId(value: unknown, path: string): string | undefined
}

/** Translate one host event into zero or more SwarmEvents. */
export type HostEventTranslator = (
  payload: unknown,
  ctx: TranslateContext,
) => SwarmEvent | readonly SwarmEvent[] | null | undefined

/**
 * The host's answer to a reassignment: `true` or nothing means applied; `false` or `{ refused }` means refused;
 * `{ pending: true }` means a later host event answers (a `task:assigned` of the task: applied when it names the
 * target agent, refused when it names another; the task starting or ending first: refused). A throw or a rejected
 * promise is a refusal with the error's message.
 */
export type ApplyAnswer = undefined | boolean | { refused: string } | { pending: true }

export type HostApply<E> = (
  reassignment: Reassignment,
  host: { emitter: E; now(): number },
) => ApplyAnswer | Promise<ApplyAnswer>

/** How one host's events become SwarmEvents, and how a reassignment is applied to it. Plain data plus functions. */
export interface EventEmitterMapping<E = EmitterLike> {
  readonly name: string
  /** Host event name → translator. */
  readonly events: Readonly<Record<string, HostEventTranslator>>
  /**
   * How to listen. Default: `emitter.on(name, listener)` for every name in `events`. A mapping that listens to
   * every event (a wildcard) reports names it neither maps nor ignores as HOST_EVENT_UNMAPPED.
   */
  readonly listen?: (emitter: E, deliver: (name: string, raw: unknown) => void) => () => void
  /** Host event names (exact, or a prefix ending in ':' or '.') that carry nothing to measure. */
  readonly ignore?: readonly string[]
  /** Unwrap an envelope. Default: the listener's only argument (or its argument list) is the payload. */
  readonly unwrap?: (raw: unknown) => UnwrappedHostEvent
  /** SwarmEvents describing the host's state when the monitor subscribes (agents and tasks that already exist). */
  readonly bootstrap?: (emitter: E, now: number) => readonly SwarmEvent[]
  readonly apply?: HostApply<E>
  /** Copied into snapshots' `definitions` by the monitor. */
  readonly definitions?: Readonly<Record<string, string>>
}

export interface FromEventEmitterOptions<E> {
  /** The host's own apply callback; overrides the mapping's. */
  apply?: HostApply<E>
  /** Clock for host events without a timestamp (default `Date.now`). */
  now?: () => number
  /** Adapter name (default: the mapping's). */
  name?: string
}

/** What `fromEventEmitter` returns: a HostAdapter whose optional parts are all there. */
export interface EmitterHostAdapter extends HostAdapter {
  readonly errors$: Observable<SwarmError>
  readonly definitions: Readonly<Record<string, string>>
  apply(reassignment: Reassignment): Promise<void>
  dispose(): void
}

const recentIdLimit = 10_000
const endEvents = new Set(['task:completed', 'task:failed', 'task:cancelled'])

/**
 * A host adapter over any event emitter: each host event is unwrapped, translated by the mapping and emitted on
 * `events$`; what cannot be translated is reported on `errors$` with the raw host event, and nothing throws into
 * the host. `apply(reassignment)` goes through the mapping's (or the host's own) apply callback and its answer comes
 * back on `events$` as `reassignment:applied` or `reassignment:refused`, before the `task:assigned` it caused.
 *
 * Listening starts when `events$` is first subscribed and stops when the last subscriber leaves; the mapping's
 * `bootstrap` describes what already existed at that moment.
 *
 * @example
 * const adapter = fromEventEmitter(emitter, ruvSwarmMapping())
 * const session = createSwarmMonitor().attach(adapter)
 */
export function fromEventEmitter<E extends object = EmitterLike>(
  emitter: E,
  mapping: EventEmitterMapping<E>,
  options: FromEventEmitterOptions<E> = {},
): EmitterHostAdapter {
  const now = options.now ?? Date.now
  const applyToHost = options.apply ?? mapping.apply
  const errors = new Subject<SwarmError>()
  let sink: Subscriber<SwarmEvent> | undefined
  let disposed = false

  // What the adapter has emitted so far: enough to answer translators and to acknowledge reassignments.
  const taskAgent = new Map<string, string>()
  const openTasks = new Set<string>()
  const endedTasks = new Set<string>()
  const liveAgents = new Set<string>()
  const pending = new Map<string, Reassignment>()
  const recentIds = new Set<string>()

  // The latest event time the adapter emitted. Answers to reassignments are stamped with it, not the wall clock: a
  // host on its own clock (a simulator, a replayed log) would otherwise see its next events rejected as out of order.
  let latestTs = Number.NEGATIVE_INFINITY
  const hostNow = () => (latestTs === Number.NEGATIVE_INFINITY ? now() : latestTs)

  const report = (error: SwarmError) => {
    if (!disposed) errors.next(error)
  }

  const answer = (r: Reassignment, ts: number, refusal?: string) => {
    if (pending.get(r.taskId) !== r) return // already answered by a host event, or superseded
    pending.delete(r.taskId)
    const event: SwarmEvent =
      refusal === undefined
        ? {
            type: 'reassignment:applied',
            ts,
            taskId: r.taskId,
            toAgentId: r.toAgentId,
            ...(r.fromAgentId ? { fromAgentId: r.fromAgentId } : {}),
          }
        : {
            type: 'reassignment:refused',
            ts,
            taskId: r.taskId,
            toAgentId: r.toAgentId,
            reason: refusal,
            reassignmentAt: r.at,
          }
    sink?.next(event)
  }

  const emit = (event: SwarmEvent) => {
    // A translator's output is checked by the monitor, not here: its type may not even be a string.
    const type: unknown = event.type
    const r =
      'taskId' in event && typeof type === 'string' && type.startsWith('task:') ? pending.get(event.taskId) : undefined
    if (r) {
      if (event.type === 'task:assigned') {
        answer(r, event.ts, event.agentId === r.toAgentId ? undefined : `the host assigned it to ${event.agentId}`)
      } else if (event.type !== 'task:queued') {
        answer(r, event.ts, `the task ${event.type.slice(5)} before the move was applied`)
      }
    }
    track(event)
    sink?.next(event)
  }

  /** What the adapter remembers of an event it emits (or of the host's state at subscription, see `bootstrap`). */
  const track = (event: SwarmEvent) => {
    if (typeof event.ts === 'number' && event.ts > latestTs) latestTs = event.ts
    switch (event.type) {
      case 'agent:joined':
        liveAgents.add(event.agentId)
        break
      case 'agent:left':
        liveAgents.delete(event.agentId)
        break
      case 'task:queued':
        openTasks.add(event.taskId)
        break
      case 'task:assigned':
      case 'task:started':
        taskAgent.set(event.taskId, event.agentId)
        break
    }
    if (endEvents.has(event.type) && 'taskId' in event) {
      taskAgent.delete(event.taskId)
      openTasks.delete(event.taskId)
      endedTasks.add(event.taskId)
    }
  }

  const ignored = (name: string) =>
    mapping.ignore?.some((n) => n === name || ((n.endsWith(':') || n.endsWith('.')) && name.startsWith(n))) ?? false

  // What the host hands its listeners, with every failure reported: nothing throws back into the host's emit.
  const deliver = (name: string, raw: unknown) => {
    try {
      deliverUnguarded(name, raw)
    } catch (error) {
      report({
        code: errorCodes.plugin,
        message: `${mapping.name}: handling host event '${String(name)}' threw: ${messageOf(error)}`,
        event: raw,
        source: mapping.name,
      })
    }
  }

  const deliverUnguarded = (name: string, raw: unknown) => {
    if (disposed) return
    // A wildcard listener can be handed any name (a number, a symbol, undefined): none has a mapping.
    if (typeof name !== 'string') {
      report({
        code: errorCodes.unmappedHostEvent,
        message: `${mapping.name}: no mapping for host event ${String(name)} (not a string)`,
        event: raw,
      })
      return
    }
    let unwrapped: UnwrappedHostEvent
    try {
      unwrapped = mapping.unwrap ? mapping.unwrap(raw) : { payload: raw }
    } catch (error) {
      report({ code: errorCodes.eventSchema, message: `${name}: cannot unwrap: ${messageOf(error)}`, event: raw })
      return
    }
    if (typeof unwrapped !== 'object' || unwrapped === null) {
      report({
        code: errorCodes.plugin,
        message: `${mapping.name}: unwrap gave ${unwrapped === null ? 'null' : typeof unwrapped} for '${name}', not { payload }`,
        event: raw,
        source: mapping.name,
      })
      return
    }
    if (unwrapped.id !== undefined) {
      if (recentIds.has(unwrapped.id)) {
        report({ code: errorCodes.duplicate, message: `${name} ${unwrapped.id} arrived twice; dropped`, event: raw })
        return
      }
      recentIds.add(unwrapped.id)
      if (recentIds.size > recentIdLimit) recentIds.delete(recentIds.values().next().value as string)
    }
    const translate = Object.hasOwn(mapping.events, name) ? mapping.events[name] : undefined
    if (!translate) {
      if (!ignored(name)) {
        report({
          code: errorCodes.unmappedHostEvent,
          message: `${mapping.name}: no mapping for host event '${name}'`,
          event: raw,
        })
      }
      return
    }
    const ts = typeof unwrapped.ts === 'number' && Number.isFinite(unwrapped.ts) ? unwrapped.ts : now()
    // One host event, one report (and one invalid count): a payload missing both its task and agent id is one bad
    // event, not two. The first problem found is the one named.
    let reported = false
    const ctx: TranslateContext = {
      name,
      ts,
      raw,
      agentOf: (taskId) => taskAgent.get(taskId),
      taskState: (taskId) => (openTasks.has(taskId) ? 'open' : endedTasks.has(taskId) ? 'ended' : 'unknown'),
      isLive: (agentId) => liveAgents.has(agentId),
      report: (code, message, path) => {
        if (reported) return
        reported = true
        report({ code, message: `${name}: ${message}`, event: raw, ...(path ? { path } : {}) })
      },
      requireId: (value, path) => {
        if (typeof value === 'string' && value.length > 0) return value
        ctx.report(errorCodes.eventSchema, `${path} must be a non-empty string`, path)
        return undefined
      },
    }
    let out: SwarmEvent | readonly SwarmEvent[] | null | undefined
    try {
      out = translate(unwrapped.payload, ctx)
    } catch (error) {
      report({
        code: errorCodes.plugin,
        message: `${mapping.name}: translating '${name}' threw: ${messageOf(error)}`,
        event: raw,
        source: mapping.name,
      })
      return
    }
    // Nothing to emit: undefined, or null (the usual JS way to say the same).
    if (out === undefined || out === null) return
    for (const event of isEventList(out) ? out : [out]) {
      if (typeof event !== 'object' || event === null) {
        report({
          code: errorCodes.plugin,
          message: `${mapping.name}: translating '${name}' gave ${event === null ? 'null' : typeof event}, not a SwarmEvent`,
          event: raw,
          source: mapping.name,
        })
        continue
      }
      emit(event)
    }
  }

  // Listening, shared by every subscriber: the first starts it, the last stops it.
  const live$ = new Observable<SwarmEvent>((subscriber) => {
    sink = subscriber
    let detach: () => void
    if (mapping.listen) {
      detach = mapping.listen(emitter, deliver)
    } else {
      const host = emitter as unknown as EmitterLike
      const listeners = Object.keys(mapping.events).map((name) => {
        const listener: Listener = (...args) => deliver(name, args.length === 1 ? args[0] : args)
        host.on(name, listener)
        return [name, listener] as const
      })
      detach = () => {
        for (const [name, listener] of listeners) {
          if (host.off) host.off(name, listener)
          else host.removeListener?.(name, listener)
        }
      }
    }
    return () => {
      if (sink === subscriber) sink = undefined
      try {
        detach()
      } catch (error) {
        // The host's off() threw: reported, and the adapter still lets go (the subscriber is gone either way).
        report({
          code: errorCodes.plugin,
          message: `${mapping.name}: detaching from the host threw: ${messageOf(error)}`,
          source: mapping.name,
        })
      }
    }
  }).pipe(share())

  // Each subscriber gets the host's state as it is when it subscribes (the mapping's bootstrap), then the live
  // events. Given to the first subscriber only, a log tap subscribed before the monitor (which subscribes a
  // microtask after attach) would take the agents and tasks that already exist, and the monitor would reject
  // every later event about them.
  const events$ = new Observable<SwarmEvent>((subscriber) => {
    const subscription = live$.subscribe(subscriber)
    if (mapping.bootstrap) {
      let existing: unknown = []
      try {
        existing = mapping.bootstrap(emitter, hostNow())
      } catch (error) {
        report({
          code: errorCodes.plugin,
          message: `${mapping.name}: reading the host's state threw: ${messageOf(error)}`,
          source: mapping.name,
        })
      }
      // A custom mapping's answer is checked as a translator's is: a wrong one is reported, and listening goes on.
      if (!Array.isArray(existing)) {
        report({
          code: errorCodes.plugin,
          message: `${mapping.name}: bootstrap gave ${existing === null ? 'null' : typeof existing}, not a list of SwarmEvents`,
          source: mapping.name,
        })
        existing = []
      }
      for (const event of existing as unknown[]) {
        if (typeof event !== 'object' || event === null) {
          report({
            code: errorCodes.plugin,
            message: `${mapping.name}: bootstrap gave ${event === null ? 'null' : typeof event} among its events`,
            source: mapping.name,
          })
          continue
        }
        try {
          track(event as SwarmEvent)
        } catch (error) {
          report({
            code: errorCodes.plugin,
            message: `${mapping.name}: bootstrap event: ${messageOf(error)}`,
            source: mapping.name,
          })
          continue
        }
        subscriber.next(event as SwarmEvent)
      }
    }
    return subscription
  })

  return {
    name: options.name ?? mapping.name,
    events$,
    errors$: errors.asObservable(),
    definitions: { ...mapping.definitions },
    async apply(reassignment: Reassignment) {
      // A request still pending is dropped unanswered: the monitor sends a task's next one only once the last has
      // lapsed (placementTimeoutMs), and a refusal of it, naming the same task and often the same agent, would
      // read as a refusal of the new one.
      pending.set(reassignment.taskId, reassignment)
      if (!applyToHost) {
        answer(reassignment, hostNow(), `${mapping.name} has no way to apply a reassignment; pass options.apply`)
        return
      }
      // The monitor decides inside a tick that runs within the host's own emit: reach the host only after that
      // emit returned, never re-entering it. What the host does meanwhile (starting the task) answers first.
      await Promise.resolve()
      // Disposed meanwhile (the host disposed right after the emit that caused the placement): nothing goes out.
      if (disposed || pending.get(reassignment.taskId) !== reassignment) return
      let result: ApplyAnswer
      try {
        result = await applyToHost(reassignment, { emitter, now })
      } catch (error) {
        answer(reassignment, hostNow(), messageOf(error))
        return
      }
      if (result === undefined || result === true) answer(reassignment, hostNow())
      else if (result === false) answer(reassignment, hostNow(), 'declined by the host')
      else if ('refused' in result) answer(reassignment, hostNow(), result.refused)
      // { pending: true }: a later task event answers
    },
    dispose() {
      if (disposed) return
      disposed = true
      const subscriber = sink
      sink = undefined
      subscriber?.complete()
      errors.complete()
    },
  }
}

function isEventList(out: SwarmEvent | readonly SwarmEvent[]): out is readonly SwarmEvent[] {
  return Array.isArray(out)
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
