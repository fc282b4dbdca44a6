import { type EmitterHostAdapter, type FromEventEmitterOptions, fromEventEmitter } from './from-event-emitter.js'
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
): EmitterHostAdapter {
  const { now, ...mapping } = options
  return fromEventEmitter(bus, claudeFlowBusMapping(mapping), now ? { now } : {})
}
