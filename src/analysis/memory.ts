import { type Analyser, bottleneck, memoryRatio, num, pct, severityAbove } from './analyser.js'

/** `memory`: used host memory above `memory.above` of the total. */
export const memory: Analyser = (snapshot, _history, config) => {
  const value = memoryRatio(snapshot)
  if (value === null || value <= config.memory.above) return []
  const { memoryUsedBytes, memoryTotalBytes } = snapshot.swarm.resources
  return [
    bottleneck({
      kind: 'memory',
      severity: severityAbove(value, config.memory.critical),
      value,
      threshold: config.memory.above,
      since: snapshot.at,
      evidence: `host memory at ${pct(value)} (${num((memoryUsedBytes ?? 0) / 2 ** 20)} of ${num((memoryTotalBytes ?? 0) / 2 ** 20)} MiB, above ${pct(config.memory.above)})`,
    }),
  ]
}
