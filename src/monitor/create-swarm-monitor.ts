import { asyncScheduler, interval, type Observable, type SchedulerLike } from 'rxjs'
import { createAnalysis } from '../analysis/index.js'
import { type ResourceSource, sampleResources, systemResourceSource } from '../hosts/resources.js'
import { ConfigError } from '../model/errors.js'
import type { HostAdapter } from '../model/host-adapter.js'
import type { SwarmSession } from '../model/session.js'
import type { Strategy } from '../model/strategy.js'
import { createStrategy } from '../strategies/index.js'
import { createRebalancer } from '../strategies/rebalancer.js'
import { parseMonitorConfig, type SwarmMonitorConfig, type SwarmMonitorConfigInput } from './config.js'
import { MonitorSession } from './session.js'

/** What is not plain data: injected so tests run on virtual time and fake machines. */
export interface MonitorDependencies {
  /** Host resource readings (default: systeminformation). */
  resourceSource?: ResourceSource
  /** Clock of the resource sampler and of idle ticks (default: RxJS asyncScheduler, i.e. wall time). */
  scheduler?: SchedulerLike
  /** Wall clock, ms since the epoch, of the check that rejects events from the future (default `Date.now`). */
  now?: () => number
}

export interface ConnectOptions {
  /**
   * 'microtask' (default): the events are subscribed on the next microtask, so outputs subscribed right after
   * connect() see everything, even from a synchronous source. 'immediate': subscribed inside connect() (virtual-time
   * tests, hosts that emit synchronously from their own callbacks).
   */
  start?: 'microtask' | 'immediate'
}

export interface SwarmMonitor {
  readonly config: SwarmMonitorConfig
  /** Monitor a stream of SwarmEvents (anything else on it is reported on errors$ and skipped). */
  connect(events$: Observable<unknown>, options?: ConnectOptions): SwarmSession
  /** The middleware form: the adapter supplies events and applies the reassignments the session emits. */
  attach(adapter: HostAdapter, options?: ConnectOptions): SwarmSession
}

/**
 * The composition root: validates the config (throws one ConfigError listing every wrong field), then wires, for
 * each session, ingest -> kernels -> snapshot -> analysis and strategies -> outputs.
 *
 * @example
 * const session = createSwarmMonitor({ strategy: 'optimal' }).attach(fromObservable(events$))
 * session.insights$.subscribe((i) => console.log(i.recommendation))
 */
export function createSwarmMonitor(config?: SwarmMonitorConfigInput, deps: MonitorDependencies = {}): SwarmMonitor {
  const parsed = parseMonitorConfig(config)
  // Binding every task at once is right only when the rebalancer corrects it later; without the rebalancer,
  // one waiting task per slot (late binding) measured far better in the simulator, so it is the default then.
  const bindLate = !parsed.rebalance && config?.strategyOptions?.maxQueuedPerSlot === undefined
  const strategyOptions = bindLate ? { ...parsed.strategyOptions, maxQueuedPerSlot: 1 } : parsed.strategyOptions
  const resolveStrategy = (nameOrStrategy: string | Strategy) => createStrategy(nameOrStrategy, strategyOptions)

  const open = (
    events$: Observable<unknown>,
    adapter: HostAdapter | null,
    options: ConnectOptions = {},
  ): SwarmSession => {
    const sampleEveryMs = parsed.resources.sampleEveryMs
    return new MonitorSession(
      {
        config: parsed,
        strategy: resolveStrategy(parsed.strategy),
        resolveStrategy,
        rebalancer: parsed.rebalance
          ? createRebalancer(parsed.rebalancer, { maxQueuedPerSlot: strategyOptions.maxQueuedPerSlot })
          : null,
        analysis: createAnalysis(parsed.analysis),
        resourceReadings:
          sampleEveryMs > 0
            ? sampleResources(
                deps.resourceSource ?? systemResourceSource,
                sampleEveryMs,
                deps.scheduler ?? asyncScheduler,
              )
            : null,
        start: options.start ?? 'microtask',
        idleTicks: parsed.idleTicks ? interval(parsed.tickMs, deps.scheduler ?? asyncScheduler) : null,
        wallClock: deps.now ?? Date.now,
      },
      events$,
      adapter,
    )
  }

  return {
    config: parsed,
    connect: (events$, options) => open(checkStream(events$, 'connect(events$)', 'events$'), null, options),
    attach: (adapter, options) =>
      open(checkStream(adapter?.events$, 'attach(adapter)', 'adapter.events$'), adapter, options),
  }
}

/**
 * The host's stream, checked when it is handed over: subscribed a microtask later, a wrong argument would
 * otherwise throw where the caller cannot catch it and end the process.
 */
function checkStream(events$: unknown, call: string, path: string): Observable<unknown> {
  if (typeof (events$ as Observable<unknown> | undefined)?.subscribe === 'function')
    return events$ as Observable<unknown>
  const got = events$ === null ? 'null' : Array.isArray(events$) ? 'an array' : typeof events$
  throw new ConfigError(`invalid ${call}`, [
    { path, message: `expected an Observable of events, got ${got}; wrap an array or iterable in rxjs from(...)` },
  ])
}
