import type { Observable } from 'rxjs'
import type { SwarmError } from '../model/errors.js'
import type { HostAdapter } from '../model/host-adapter.js'
import { type FromEventEmitterOptions, fromEventEmitter } from './from-event-emitter.js'
import {
  type ClaudeFlowBus,
  type ClaudeFlowBusMappingOptions,
  claudeFlowBusMapping,
} from './mappings/claude-flow-bus-mapping.js'

export interface ClaudeFlowBusAdapterOptions extends ClaudeFlowBusMappingOptions {
  /** Clock for envelopes without a timestamp (default `Date.now`). */
  now?: FromEventEmitterOptions<ClaudeFlowBus>['now']
}

/**
 * The adapter for claude-flow's orchestrator event bus (`@claude-flow/shared/core`: `createOrchestrator()` gives
 * `eventBus`, `taskManager` and `lifecycleManager`; the package root exports a different EventBus without `.on`).
 * Reassignments go through `taskManager.assignTask`, refused for a task that already started.
 *
 * @example
 * const { eventBus, taskManager, lifecycleManager } = createOrchestrator()
 * const session = createSwarmMonitor().attach(claudeFlowBusAdapter(eventBus, { taskManager, lifecycleManager }))
 */
export function claudeFlowBusAdapter(
  bus: ClaudeFlowBus,
  options: ClaudeFlowBusAdapterOptions = {},
): HostAdapter & { readonly errors$: Observable<SwarmError>; readonly definitions: Readonly<Record<string, string>> } {
  const { now, ...mapping } = options
  return fromEventEmitter(bus, claudeFlowBusMapping(mapping), now ? { now } : {})
}
