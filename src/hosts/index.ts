/** The host adapters, by name. Add a host: one file, one line here. */
import { claudeFlowBusAdapter } from './claude-flow-bus-adapter.js'
import { claudeFlowSwarmAdapter } from './claude-flow-swarm-adapter.js'
import { fromEventEmitter } from './from-event-emitter.js'
import { fromJsonl } from './from-jsonl.js'
import { fromObservable } from './from-observable.js'

export const hostAdapters = {
  observable: fromObservable,
  jsonl: fromJsonl,
  eventEmitter: fromEventEmitter,
  claudeFlowBus: claudeFlowBusAdapter,
  claudeFlowSwarm: claudeFlowSwarmAdapter,
} as const

export { type ClaudeFlowBusAdapterOptions, claudeFlowBusAdapter } from './claude-flow-bus-adapter.js'
export { type ClaudeFlowSwarmAdapterOptions, claudeFlowSwarmAdapter } from './claude-flow-swarm-adapter.js'
export {
  type ApplyAnswer,
  type EmitterHostAdapter,
  type EmitterLike,
  type EventEmitterMapping,
  type FromEventEmitterOptions,
  fromEventEmitter,
  type HostApply,
  type HostEventTranslator,
  type TranslateContext,
  type UnwrappedHostEvent,
} from './from-event-emitter.js'

export { fromJsonl } from './from-jsonl.js'
export { fromObservable } from './from-observable.js'
export {
  type ClaudeFlowBus,
  type ClaudeFlowBusMappingOptions,
  claudeFlowBusMapping,
} from './mappings/claude-flow-bus-mapping.js'
export { ruvSwarmMapping } from './mappings/ruv-swarm-mapping.js'
export { TaskAttempts } from './mappings/task-attempts.js'
export { type ResourceReading, type ResourceSource, sampleResources, systemResourceSource } from './resources.js'
