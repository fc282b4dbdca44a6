/** The host adapters, by name. Add a host: one file, one line here. */
import { fromJsonl } from './from-jsonl.js'
import { fromObservable } from './from-observable.js'

export const hostAdapters = {
  observable: fromObservable,
  jsonl: fromJsonl,
} as const

export { fromJsonl } from './from-jsonl.js'
export { fromObservable } from './from-observable.js'
export { type ResourceReading, type ResourceSource, sampleResources, systemResourceSource } from './resources.js'
