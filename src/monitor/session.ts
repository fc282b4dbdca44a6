import { type Observable, ReplaySubject, Subject, Subscription } from 'rxjs'
import type { Analysis, AnalysisResult } from '../analysis/index.js'
import { errorCodes, type SwarmError } from '../model/errors.js'
import type { Action, Alert, Insight } from '../model/finding.js'
import type { HostAdapter } from '../model/host-adapter.js'
import type { Reassignment } from '../model/reassignment.js'
import type { SwarmSession } from '../model/session.js'
import type { MetricDelta, SwarmSnapshot } from '../model/snapshot.js'
import type { PendingTask, PlacementContext, RunningTask, Strategy } from '../model/strategy.js'
import type { EventOf, SwarmEvent } from '../model/swarm-event.js'
import type { Rebalancer } from '../strategies/rebalancer.js'
import { baseDefinitions, buildSnapshot } from './build-snapshot.js'
import { comparePeriods } from './compare-periods.js'
import type { SwarmMonitorConfig } from './config.js'
import { GuardedObservable } from './guarded-observable.js'
import { Ingest, refusesPlacement } from './ingest.js'
import { Measurements } from './measurements.js'
import { SnapshotHistory } from './snapshot-history.js'
import type { AgentRecord, TaskRecord } from './swarm-state.js'
import { isSwarmError, validateEvent } from './validate-event.js'

export interface SessionParts {
  config: SwarmMonitorConfig
  strategy: Strategy
  resolveStrategy: (nameOrStrategy: string | Strategy) => Strategy
  rebalancer: (Pick<Rebalancer, 'rebalance'> & Partial<Pick<Rebalancer, 'drainingFor'>>) | null
  analysis: Analysis | null
  /** The resource sampler: readings (or failed readings) on wall time; it never ends the session. */
  resourceReadings: Observable<EventOf<'host:resources'> | SwarmError> | null
  /** When to subscribe to the host's events: on the next microtask (default) or at once. */
  start: 'microtask' | 'immediate'
  /** Wall-clock ticks that keep snapshots and placement going while the host is quiet; null for none. */
  idleTicks: Observable<unknown> | null
  /** The wall clock, ms since the epoch: events stamped far past it are rejected (`futureToleranceMs`). */
  wallClock: () => number
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error))

/**
 * One connected event stream: ingest, ticks on event time, analysis, placement and rebalancing, and the outputs.
 * Everything a host or a plug-in does wrong is caught here and reported on errors$; nothing throws into the host.
 */
export class MonitorSession implements SwarmSession {
  readonly snapshots$: Observable<SwarmSnapshot>
  readonly insights$: Observable<Insight>
  readonly alerts$: Observable<Alert>
  readonly reassignments$: Observable<Reassignment>
  readonly actions$: Observable<Action>
  readonly errors$: Observable<SwarmError>

  private readonly snapshotSubject = new ReplaySubject<SwarmSnapshot>(1)
  private readonly insightSubject = new Subject<Insight>()
  private readonly alertSubject = new Subject<Alert>()
  private readonly reassignmentSubject = new Subject<Reassignment>()
  private readonly actionSubject = new Subject<Action>()
  private readonly errorSubject = new Subject<SwarmError>()

  private readonly config: SwarmMonitorConfig
  private readonly measurements: Measurements
  private readonly ingest: Ingest
  private strategy: Strategy
  private readonly historyRing: SnapshotHistory
  private latest: SwarmSnapshot | null = null
  private seq = 0
  private nextTickAt = Number.NaN
  /** The next placement boundary between ticks (NaN until the first event, or when placement runs at ticks only). */
  private nextPlaceAt = Number.NaN
  /** Tasks whose placement the host refused since the last tick: offered again at the tick, not every pass. */
  private readonly refusedSinceTick = new Set<string>()
  private reassignmentsEmitted = 0
  private readonly definitions: Record<string, string>
  private readonly subscriptions: Subscription[] = []
  private adapter: HostAdapter | null = null
  /** Events that arrived while a tick was running (a host that answers apply() synchronously). */
  private readonly deferred: unknown[] = []
  private ticking = false
  /** Set as close() begins: nothing new is ingested, decided or sent to the host from then on (a subscriber may dispose mid-tick). */
  private closing = false
  private closed = false
  /** The resource sampler while it runs (null once the host reports its own resources, or without one). */
  private sampling: Subscription | null = null

  constructor(
    private readonly parts: SessionParts,
    events$: Observable<unknown>,
    adapter: HostAdapter | null,
  ) {
    this.config = parts.config
    this.strategy = parts.strategy
    this.measurements = new Measurements(parts.config)
    // A recorded log replays the same whenever it is read: no judging its times by today's clock.
    this.ingest = new Ingest(parts.config, this.measurements, adapter?.recorded ? null : parts.wallClock)
    this.historyRing = new SnapshotHistory(parts.config.historySize, parts.config.historyAgentEntries)
    this.adapter = adapter
    this.definitions = { ...baseDefinitions, ...(adapter?.definitions ?? {}) }
    const report = (error: unknown, output: string) =>
      this.report({
        code: errorCodes.plugin,
        message: `a subscriber of ${output} threw: ${describe(error)}`,
        source: output,
      })
    this.snapshots$ = new GuardedObservable(this.snapshotSubject.asObservable(), 'snapshots$', report)
    this.insights$ = new GuardedObservable(this.insightSubject.asObservable(), 'insights$', report)
    this.alerts$ = new GuardedObservable(this.alertSubject.asObservable(), 'alerts$', report)
    this.reassignments$ = new GuardedObservable(this.reassignmentSubject.asObservable(), 'reassignments$', report)
    this.actions$ = new GuardedObservable(this.actionSubject.asObservable(), 'actions$', report)
    // A throwing errors$ subscriber is not reported on errors$ again (that would loop); it is dropped silently.
    this.errors$ = new GuardedObservable(this.errorSubject.asObservable(), 'errors$', () => {})

    if (adapter?.errors$) {
      // What the adapter could not translate is an event reported invalid: it counts like one.
      const onAdapterError = (e: SwarmError) => {
        this.ingest.countInvalid()
        // An adapter's own report may be anything (null, a string, an object that throws when read): it still
        // counts, as a plug-in's failure, and nothing of it may throw back into the adapter.
        let wellFormed: boolean
        try {
          wellFormed =
            typeof e === 'object' && e !== null && typeof e.code === 'string' && typeof e.message === 'string'
        } catch {
          wellFormed = false
        }
        if (wellFormed) this.report(e)
        else {
          let what = 'an unreadable value'
          try {
            what = describeValue(e)
          } catch {}
          this.report({
            code: errorCodes.plugin,
            message: `${adapter.name} reported ${what} on errors$, not a readable { code, message }`,
            source: adapter.name,
          })
        }
      }
      this.subscriptions.push(adapter.errors$.subscribe({ next: onAdapterError, error: () => {} }))
    }
    if (parts.idleTicks && !adapter?.recorded) {
      let seen = -1
      this.subscriptions.push(
        parts.idleTicks.subscribe(() => {
          const totals = this.ingest.totals
          const now = totals.eventsValid + totals.eventsInvalid
          if (now === seen) this.onIdle()
          seen = now
        }),
      )
    }
    if (parts.resourceReadings) {
      // A reading describes the host now, whatever the event time: it sets the resources a snapshot shows and
      // never moves event time (a replay or a host clock off wall time would otherwise reject its own events).
      this.sampling = parts.resourceReadings.subscribe({
        next: (item) => {
          if (this.closing) return
          if (isSwarmError(item)) this.report(item)
          else this.ingest.recordResources(item)
        },
        error: () => {},
      })
      this.subscriptions.push(this.sampling)
    }
    const start = () => {
      if (this.closing) return
      this.subscriptions.push(this.consume(events$, adapter))
    }
    // By default the host's stream is subscribed on the next microtask, so outputs subscribed right after
    // connect() see everything even when the source is synchronous (a replayed array). Virtual-time tests and
    // hosts that need it start immediately.
    if (parts.start === 'immediate') start()
    else queueMicrotask(start)
  }

  private consume(events$: Observable<unknown>, adapter: HostAdapter | null): Subscription {
    const fail = (error: unknown) => {
      this.report({
        code: errorCodes.plugin,
        message: `the host's event stream failed: ${describe(error)}; the session ends with what it has`,
        source: adapter?.name ?? 'events$',
      })
      this.close()
    }
    try {
      return this.subscribeTo(events$, fail)
    } catch (error) {
      // Not an RxJS Observable, only something with a subscribe method, and it threw: on the next microtask,
      // where this runs by default, the throw would have ended the host's process.
      fail(error)
      return Subscription.EMPTY
    }
  }

  private subscribeTo(events$: Observable<unknown>, fail: (error: unknown) => void): Subscription {
    return events$.subscribe({
      next: (raw) => this.onEvent(raw),
      error: fail,
      complete: () => this.close(),
    })
  }

  // --- input ------------------------------------------------------------------------------------------------------

  private onEvent(raw: unknown): void {
    if (this.closing) return
    if (this.ticking) {
      this.deferred.push(raw)
      return
    }
    let event: SwarmEvent | SwarmError
    try {
      event = validateEvent(raw)
    } catch (error) {
      // An object whose fields throw when read (a getter, a revoked Proxy): bad input, not a defect of ours.
      this.ingest.countInvalid()
      this.report({
        code: errorCodes.eventSchema,
        message: `the event could not be read: ${describe(error)}`,
        event: raw,
      })
      return
    }
    const counted = this.ingest.totals.eventsValid
    try {
      if (isSwarmError(event)) {
        this.ingest.countInvalid()
        this.report(event)
        return
      }
      // Checked against the state before anything moves: an event that is not applied must not tick either.
      const error = this.ingest.admit(event)
      if (error) {
        // Report the event as the host sent it (zod hands back a copy).
        this.report(error.event === raw ? error : { ...error, event: raw })
        return
      }
      // The tick it causes, if any (none for the first event: nextTickAt is NaN until then).
      const tickAt = event.ts >= this.nextTickAt ? this.tickBoundary(event.ts) : Number.NEGATIVE_INFINITY
      // The host reports its own resources: sampling stands down for good.
      if (event.type === 'host:resources' && this.sampling) {
        this.sampling.unsubscribe()
        this.sampling = null
      }
      if (Number.isNaN(this.nextTickAt)) {
        this.nextTickAt = this.tickBoundary(event.ts) + this.config.tickMs
        this.schedulePlacement(event.ts)
      } else if (tickAt > Number.NEGATIVE_INFINITY) {
        // What the host answers during the tick (a synchronous apply) reacts to it: drained after this event.
        this.tick(tickAt)
        // A subscriber disposed the session during the tick: its final snapshot is out, its memory freed.
        if (this.closing) return
      }
      // A placement the host refused by an event waits for the next tick, as one whose apply threw does.
      if (event.type === 'reassignment:refused' && this.unplaces(event)) this.refusedSinceTick.add(event.taskId)
      this.ingest.apply(event)
      // After the event, so a slot it freed or a task it queued is seen at once.
      if (event.ts >= this.nextPlaceAt) this.placeBetweenTicks(event.ts)
    } catch (error) {
      // A defect of ours must not reach the host either; the event counts as invalid unless it was applied.
      if (this.ingest.totals.eventsValid === counted) this.ingest.countInvalid()
      this.report({
        code: errorCodes.plugin,
        message: `ingest failed: ${describe(error)}`,
        source: 'ingest',
        event: raw,
      })
    } finally {
      this.drainDeferred()
    }
  }

  /**
   * The host has been quiet for a whole tick of wall time. Event time stands still without events, so waiting
   * tasks would never be placed: move it on by one tick.
   */
  private onIdle(): void {
    if (this.closing || this.ticking || Number.isNaN(this.nextTickAt)) return
    try {
      this.tick(this.nextTickAt)
    } catch (error) {
      this.report({ code: errorCodes.plugin, message: `idle tick failed: ${describe(error)}`, source: 'monitor' })
    }
    this.drainDeferred()
  }

  private tickBoundary(ts: number): number {
    return Math.floor(ts / this.config.tickMs) * this.config.tickMs
  }

  /** The first placement boundary after `ts` (none when placement runs at ticks only). */
  private schedulePlacement(ts: number): void {
    const every = this.config.placeEveryMs
    this.nextPlaceAt = every === null ? Number.NaN : Math.floor(ts / every) * every + every
  }

  /**
   * Placement between ticks: while tasks wait and some live agent has a slot with nothing queued behind it, the
   * strategy places on a snapshot of this moment and the live task lists, so a freed slot waits at most
   * `placeEveryMs`, not a whole tick. The rebalancer stays on the tick (its limits are per tick).
   */
  private placeBetweenTicks(now: number): void {
    this.schedulePlacement(now)
    const state = this.ingest.state
    if (state.unassigned.size === 0 || !hasOpenSlot(state.agents.values())) return
    // A snapshot of this moment for the strategy alone (not published, not analysed): measurements a tick old
    // would keep an agent that just finished its first task unmeasured for the rest of the tick.
    this.exclusively(() => this.placeAndRebalance(this.snapshotAt(now, this.seq), now, false))
  }

  /**
   * Run a tick or a placement pass with ingest held: events that arrive meanwhile (a host that answers apply()
   * synchronously) wait in `deferred`, and the caller drains them once it is done (onEvent after its own event).
   */
  private exclusively(work: () => void): void {
    this.ticking = true
    try {
      work()
    } finally {
      this.ticking = false
    }
  }

  /** Whether the refusal takes back a placement in flight (rather than a move, or an answer to a lapsed offer). */
  private unplaces(event: EventOf<'reassignment:refused'>): boolean {
    const task = this.ingest.state.task(event.taskId)
    return task !== undefined && refusesPlacement(task, event)
  }

  /** Apply, in order, the events that arrived while ingest was held. */
  private drainDeferred(): void {
    while (this.deferred.length > 0 && !this.ticking) this.onEvent(this.deferred.shift())
  }

  private snapshotAt(at: number, seq: number): SwarmSnapshot {
    return buildSnapshot(this.ingest, this.config, at, seq, this.reassignmentsEmitted, this.definitions)
  }

  // --- ticks ------------------------------------------------------------------------------------------------------

  /** Build the snapshot at `at`, analyse it, place and rebalance, emit. */
  private tick(at: number): void {
    this.exclusively(() => {
      this.nextTickAt = at + this.config.tickMs
      this.measurements.advanceTo(at)
      this.ingest.expireUnanswered(at)
      this.refusedSinceTick.clear()
      this.schedulePlacement(at)
      const snapshot = this.publishAt(at)
      // A subscriber of the snapshot may have disposed the session: nothing is decided after that.
      if (!this.closing) this.placeAndRebalance(snapshot, at, true)
    })
  }

  /**
   * Build the snapshot at `at`, let the analysis fill its findings, publish it, then emit what the analysis found
   * new this tick. Returns the published snapshot.
   */
  private publishAt(at: number): SwarmSnapshot {
    const snapshot = this.snapshotAt(at, this.seq++)
    const findings = this.analyse(snapshot)
    this.latest = snapshot
    this.historyRing.push(snapshot)
    this.snapshotSubject.next(snapshot)
    if (findings) {
      for (const insight of findings.newInsights) this.insightSubject.next(insight)
      for (const alert of findings.alertTransitions) this.alertSubject.next(alert)
      for (const action of findings.actions) this.actionSubject.next(action)
    }
    return snapshot
  }

  /** Fills the snapshot's findings; null when there is no analysis or it failed (reported). */
  private analyse(snapshot: SwarmSnapshot): AnalysisResult | null {
    const analysis = this.parts.analysis
    if (!analysis) return null
    let result: AnalysisResult
    try {
      result = analysis.evaluate(snapshot, this.historyRing.snapshots)
    } catch (error) {
      this.report({ code: errorCodes.plugin, message: `analysis failed: ${describe(error)}`, source: 'analysis' })
      return null
    }
    for (const { source, error } of result.errors) {
      this.report({ code: errorCodes.plugin, message: `analyser ${source} failed: ${describe(error)}`, source })
    }
    snapshot.bottlenecks = result.bottlenecks
    snapshot.insights = result.insights
    snapshot.alerts = result.alerts
    snapshot.sla = result.sla
    snapshot.predictions = result.predictions
    return result
  }

  private placeAndRebalance(snapshot: SwarmSnapshot, now: number, rebalance: boolean): void {
    const state = this.ingest.state
    if (state.liveAgents === 0) return
    const unassigned: PendingTask[] = []
    for (const task of state.unassigned)
      if (rebalance || !this.refusedSinceTick.has(task.id)) unassigned.push(pendingOf(task))
    const queuedAt = this.queuedAt()
    // Built per agent on demand: a tick over thousands of agents pays only for the agents a strategy looks at.
    const running = new Map<string, RunningTask[]>()
    const runningAt = (agentId: string): readonly RunningTask[] => {
      let list = running.get(agentId)
      if (list) return list
      const agent = state.agents.get(agentId)
      // Most agents of a large fleet run nothing at a tick: one shared empty list, nothing kept for them.
      if (!agent?.live || agent.running.length === 0) return noRunning
      list = agent.running.map((task) => runningOf(task, now))
      running.set(agentId, list)
      return list
    }
    const nextPlacementAt = Number.isNaN(this.nextPlaceAt)
      ? this.nextTickAt
      : Math.min(this.nextTickAt, this.nextPlaceAt)
    const rebalancer = this.parts.rebalancer
    // The agents the rebalancer empties, known before the strategy places, on this pass's snapshot: an agent that
    // began failing since the last tick takes no queued work from a pass between ticks either.
    const draining = unassigned.length > 0 && rebalancer?.drainingFor ? this.drainOf(rebalancer, snapshot) : noDraining
    const ctx: PlacementContext = {
      snapshot,
      unassigned,
      queuedAt,
      runningAt,
      now,
      nextPlacementAt,
      ...(draining.size > 0 ? { draining } : {}),
    }
    const placed = this.reassignmentsEmitted
    if (unassigned.length > 0) this.runPlacement('strategy', () => this.strategy.place(ctx), now)
    if (!rebalance || !rebalancer || this.closing) return
    // Under a maxQueuedPerSlot bound, what the strategy just placed counts against it: the rebalancer gets the
    // queues as they are now. Unbounded, it plans on the queues the tick began with, as the strategy did (giving it
    // the new placements there too changed the simulator's efficiency both ways, by up to -0.11 on failure; see
    // README, Strategies).
    const bounded = this.config.strategyOptions.maxQueuedPerSlot !== null
    const after = bounded && this.reassignmentsEmitted !== placed ? { ...ctx, queuedAt: this.queuedAt() } : ctx
    this.runPlacement('rebalancer', () => rebalancer.rebalance(after), now)
  }

  /** The agents the rebalancer would empty on this snapshot; none if asking fails (reported). */
  private drainOf(rebalancer: NonNullable<SessionParts['rebalancer']>, snapshot: SwarmSnapshot): ReadonlySet<string> {
    try {
      return rebalancer.drainingFor?.(snapshot) ?? noDraining
    } catch (error) {
      this.report({ code: errorCodes.plugin, message: `rebalancer failed: ${describe(error)}`, source: 'rebalancer' })
      return noDraining
    }
  }

  /** Tasks bound to each agent and not started, placements the host has not confirmed included; not those moving. */
  private queuedAt(): Map<string, PendingTask[]> {
    const queuedAt = new Map<string, PendingTask[]>()
    const queue = (task: TaskRecord) => {
      if (task.agentId === null || task.moveTo !== null) return
      let list = queuedAt.get(task.agentId)
      if (!list) queuedAt.set(task.agentId, (list = []))
      list.push(pendingOf(task))
    }
    for (const task of this.ingest.state.placing) queue(task)
    for (const task of this.ingest.state.assigned) queue(task)
    return queuedAt
  }

  private runPlacement(source: string, decide: () => Reassignment[], now: number): void {
    let decisions: Array<Decision | string>
    try {
      const returned: unknown = decide()
      if (!Array.isArray(returned)) throw new TypeError(`it returned ${describeValue(returned)}, not an array`)
      // Read here, under the guard: a plug-in's objects may throw when read (a getter, a revoked proxy).
      decisions = Array.from(returned as unknown[], readDecision)
    } catch (error) {
      this.report({ code: errorCodes.plugin, message: `${source} failed: ${describe(error)}`, source })
      return
    }
    const state = this.ingest.state
    for (const r of decisions) {
      // A subscriber of reassignments$ may have disposed the session.
      if (this.closing) return
      if (typeof r === 'string') {
        this.report({ code: errorCodes.plugin, message: `${source} returned ${r} among its reassignments`, source })
        continue
      }
      const task = state.task(r.taskId)
      const target = state.agents.get(r.toAgentId)
      if (!task || !target) {
        this.report({
          code: errorCodes.plugin,
          message: `${source} named ${!task ? `task '${r.taskId}', which is not waiting or running` : `agent '${r.toAgentId}', which never joined`}; skipped`,
          source,
        })
        continue
      }
      if (!state.hasCapabilities(target, task.requiredCapabilities)) {
        this.report({
          code: errorCodes.plugin,
          message: `${source} put task '${r.taskId}' on '${r.toAgentId}', which lacks its required capabilities; skipped`,
          source,
        })
        continue
      }
      // Only what is still true is acted on: a plug-in never moves a started or placed task, or onto a departed agent.
      if (!target.live || task.state === 'running' || task.state === 'placing') continue
      if (task.state === 'assigned' && (task.moveTo !== null || task.agentId === r.toAgentId)) continue
      if (task.state === 'unassigned') this.ingest.markPlacing(task, r.toAgentId, now)
      else this.ingest.markMoving(task, r.toAgentId, now)
      const decided: Reassignment = {
        taskId: r.taskId,
        ...(task.state === 'assigned' && task.agentId ? { fromAgentId: task.agentId } : {}),
        toAgentId: r.toAgentId,
        reason: r.reason,
        expectedGainMs: r.expectedGainMs,
        at: now,
      }
      this.reassignmentsEmitted++
      this.reassignmentSubject.next(decided)
      this.applyOnHost(decided, task)
    }
  }

  private applyOnHost(r: Reassignment, task: TaskRecord): void {
    const adapter = this.adapter
    if (!adapter?.apply || this.closing) return
    // What the move was about: task records are pooled (a retry under the same id may even get this one back),
    // and the task may be placed again before a slow refusal of this placement arrives.
    const seq = task.seq
    const at = r.at
    const undo = (error: unknown) => {
      // A failed apply is the host's refusal as much as a reassignment:refused event is.
      if (!this.closed) this.ingest.totals.reassignmentsRefused++
      this.report({
        code: errorCodes.reassignmentRefused,
        message: `${adapter.name} could not apply the move of task '${r.taskId}' to '${r.toAgentId}': ${describe(error)}`,
        source: adapter.name,
      })
      // Undone only while it is still the placement or move this apply was for.
      if (this.closed || this.ingest.state.task(r.taskId) !== task || task.seq !== seq) return
      if (task.state === 'placing' && task.agentId === r.toAgentId && task.placedAt === at) {
        this.ingest.state.transition(task, 'unassigned', null)
        this.refusedSinceTick.add(task.id)
      } else if (task.moveTo === r.toAgentId && task.moveAt === at)
        this.ingest.state.transition(task, task.state, task.agentId)
    }
    try {
      const result = adapter.apply(r)
      if (result instanceof Promise) result.catch(undo)
    } catch (error) {
      undo(error)
    }
  }

  // --- output -----------------------------------------------------------------------------------------------------

  private report(error: SwarmError): void {
    let line: number | undefined
    try {
      line = error.line === undefined && error.event !== undefined ? this.adapter?.lineOf?.(error.event) : undefined
    } catch (failure) {
      // The adapter's own defect: reported (without an event, so this does not come back here), never thrown.
      this.report({
        code: errorCodes.plugin,
        message: `${this.adapter?.name ?? 'adapter'} lineOf failed: ${describe(failure)}`,
        source: this.adapter?.name ?? 'adapter',
      })
    }
    this.errorSubject.next(line === undefined ? error : { ...error, line })
  }

  snapshot(): SwarmSnapshot {
    if (this.closed) return this.latest as SwarmSnapshot
    // Built fresh from the live state; the findings are the latest tick's (analysis keeps state and runs per tick).
    const latest = this.latest
    const fresh = buildSnapshot(
      this.ingest,
      this.config,
      this.ingest.now(),
      this.seq,
      this.reassignmentsEmitted,
      this.definitions,
    )
    if (latest) {
      fresh.bottlenecks = latest.bottlenecks
      fresh.insights = latest.insights
      fresh.alerts = latest.alerts
      fresh.sla = latest.sla
      fresh.predictions = latest.predictions
    }
    return fresh
  }

  history(): readonly SwarmSnapshot[] {
    return this.historyRing.snapshots.slice()
  }

  comparePeriods(a: { from: number; to: number }, b: { from: number; to: number }): MetricDelta[] {
    return comparePeriods(this.historyRing.snapshots, a, b)
  }

  setStrategy(nameOrStrategy: string | Strategy): void {
    this.strategy = this.parts.resolveStrategy(nameOrStrategy)
  }

  dispose(): void {
    this.close()
  }

  /** Flush, final snapshot, complete every output, release WASM memory. */
  private close(): void {
    // Set first: a subscriber of the final snapshot that disposes again must not start another close.
    if (this.closing) return
    this.closing = true
    // Always a final snapshot, even of an empty stream (at 0), so a replay of a log of bad lines still reports.
    try {
      const at = this.ingest.now()
      this.measurements.advanceTo(at)
      this.publishAt(at)
    } catch (error) {
      this.report({ code: errorCodes.plugin, message: `final snapshot failed: ${describe(error)}`, source: 'monitor' })
    }
    this.closed = true
    for (const s of this.subscriptions) {
      // Unsubscribing runs the host's own teardown (an emitter's off): a throw there must not stop the close.
      try {
        s.unsubscribe()
      } catch (error) {
        this.report({
          code: errorCodes.plugin,
          message: `detaching from the host failed: ${describe(error)}`,
          source: 'adapter',
        })
      }
    }
    try {
      this.adapter?.dispose?.()
    } catch (error) {
      this.report({ code: errorCodes.plugin, message: `adapter dispose failed: ${describe(error)}`, source: 'adapter' })
    }
    this.measurements.dispose()
    this.snapshotSubject.complete()
    this.insightSubject.complete()
    this.alertSubject.complete()
    this.reassignmentSubject.complete()
    this.actionSubject.complete()
    this.errorSubject.complete()
  }
}

const noDraining: ReadonlySet<string> = new Set()
const noRunning: readonly RunningTask[] = Object.freeze([])

/** What a plug-in's placement decision must at least carry to be acted on. */
type Decision = Pick<Reassignment, 'taskId' | 'toAgentId' | 'reason' | 'expectedGainMs'>

/** A plug-in's reassignment as plain fields, or what is wrong with it (said after "returned ... among its reassignments"). */
function readDecision(value: unknown): Decision | string {
  const expected = 'expected { taskId, toAgentId, reason, expectedGainMs }'
  if (typeof value !== 'object' || value === null) return `${describeValue(value)}; ${expected}`
  const { taskId, toAgentId, reason, expectedGainMs } = value as Partial<Reassignment>
  if (typeof taskId !== 'string' || typeof toAgentId !== 'string')
    return `an object without taskId or toAgentId strings; ${expected}`
  if (typeof reason !== 'string') return `a reassignment of '${taskId}' whose reason is not a string`
  if (typeof expectedGainMs !== 'number' || Number.isNaN(expectedGainMs))
    return `a reassignment of '${taskId}' whose expectedGainMs is not a number`
  return { taskId, toAgentId, reason, expectedGainMs }
}

function describeValue(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}

function pendingOf(task: TaskRecord): PendingTask {
  return {
    taskId: task.id,
    kind: task.kind,
    requiredCapabilities: task.requiredCapabilities as string[],
    priority: task.priority,
    estimatedMs: task.estimatedMs,
    queuedAt: task.queuedAt,
    agentId: task.state === 'unassigned' ? null : task.agentId,
    // A placement the host has not confirmed has no assignment time yet.
    assignedAt: task.state === 'placing' ? null : task.assignedAt,
  }
}

/** Some live agent has a slot with nothing queued behind it: a pass could start or line up work there. */
function hasOpenSlot(agents: Iterable<AgentRecord>): boolean {
  for (const agent of agents) if (agent.live && agent.queued < agent.capacity) return true
  return false
}

function runningOf(task: TaskRecord, now: number): RunningTask {
  return { taskId: task.id, kind: task.kind, estimatedMs: task.estimatedMs, startedAt: task.startedAt ?? now }
}
