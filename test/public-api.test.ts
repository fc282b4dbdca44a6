import { describe, expect, it } from 'vitest'

// What the issues promise at the package root, checked on the built package (dist/), as a user imports it.
const promised = [
  'createPercentileEngine',
  'percentileEngineOptionsSchema',
  'solveAssignment',
  'createSwarmMonitor',
  'swarmMonitorConfigSchema',
  'swarmEventSchema',
  'ConfigError',
  'errorCodes',
  'comparePeriods',
  'fromObservable',
  'fromJsonl',
  'fromEventEmitter',
  'claudeFlowBusAdapter',
  'claudeFlowSwarmAdapter',
  'createStrategy',
  'createRebalancer',
  'createAnalysis',
  'exporters',
  'bindPromClient',
  'bindOtelMeter',
  'startSwarmServer',
]

describe('the package root', () => {
  it('exports every promised function and schema', async () => {
    const root = await import('../dist/index.js')
    const missing = promised.filter((name) => !(name in root))
    expect(missing).toEqual([])
  })
})
