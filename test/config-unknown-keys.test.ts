import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { analysisConfigSchema, parseAnalysisConfig } from '../src/analysis/config.js'
import { exportOptionsSchema, parseExportOptions } from '../src/exporters/config.js'
import { ConfigError } from '../src/model/errors.js'
import { parseMonitorConfig, swarmMonitorConfigSchema } from '../src/monitor/config.js'
import { parseServerOptions, serverOptionsSchema } from '../src/server/config.js'
import { buildPlan } from '../src/sim/plan.js'
import { type ScenarioInput, scenarioSchema } from '../src/sim/scenario-schema.js'

/**
 * Every object a user writes (monitor config at any depth, a scenario file) must reject a key it does not know, with
 * a ConfigError naming where the key is and which keys are expected there: a misspelt threshold must not fall back
 * to its default in silence. The objects are found by walking the schemas, so a sub-object added later without
 * `.strict()` fails here too.
 */

const unknownKey = 'bogus_key'

/** How to get from the root of an input to one object schema: a property, any element of an array, a union member. */
type Step = { key: string } | { each: true } | { when: string; is: unknown }

interface ObjectSite {
  steps: Step[]
  /** The keys the object accepts. */
  keys: string[]
}

/** Every object schema reachable from `schema`, through wrappers (optional, default...), arrays and unions. */
function objectSites(schema: z.core.$ZodType, steps: Step[] = []): ObjectSite[] {
  if (schema instanceof z.ZodObject) {
    const shape = schema.shape as Record<string, z.core.$ZodType>
    return [
      { steps, keys: Object.keys(shape) },
      ...Object.entries(shape).flatMap(([key, field]) => objectSites(field, [...steps, { key }])),
    ]
  }
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault
  )
    return objectSites(schema.unwrap(), steps)
  if (schema instanceof z.ZodArray) return objectSites(schema.element, [...steps, { each: true }])
  if (schema instanceof z.ZodDiscriminatedUnion) {
    const discriminator = schema.def.discriminator
    return (schema.options as z.ZodObject[]).flatMap((member) => {
      const is = (member.shape[discriminator] as z.ZodLiteral).value
      return objectSites(member, [...steps, { when: discriminator, is }])
    })
  }
  if (schema instanceof z.ZodRecord) {
    // Records here map names to numbers; one of objects would need a step of its own.
    expect(objectSites(schema.valueType)).toEqual([])
  }
  return []
}

/** `analysis.alerts[]`, `kinds[].size<pareto>`: where a site is, for test names. */
function label(steps: Step[]): string {
  const text = steps
    .map((s) => ('key' in s ? `.${s.key}` : 'each' in s ? '[]' : `<${String(s.is)}>`))
    .join('')
    .replace(/^\./, '')
  return text || '(root)'
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A copy of `value` with the unknown key added to the object the steps lead to, and that object's concrete path
 * (`['kinds', 1, 'size']`). A missing object on the way is created (the defaults fill it); an array or union member
 * must be in the base input. Null when the base input has nothing there.
 */
function withUnknownKey(value: unknown, steps: Step[]): { input: unknown; path: (string | number)[] } | null {
  const [step, ...rest] = steps
  if (step === undefined) {
    if (value !== undefined && !isRecord(value)) return null
    return { input: { ...value, [unknownKey]: 1 }, path: [] }
  }
  if ('key' in step) {
    if (value !== undefined && !isRecord(value)) return null
    const inner = withUnknownKey(value?.[step.key], rest)
    return inner && { input: { ...value, [step.key]: inner.input }, path: [step.key, ...inner.path] }
  }
  if ('each' in step) {
    if (!Array.isArray(value)) return null
    for (let i = 0; i < value.length; i++) {
      const inner = withUnknownKey(value[i], rest)
      if (inner) return { input: value.map((v, j) => (j === i ? inner.input : v)), path: [i, ...inner.path] }
    }
    return null
  }
  return isRecord(value) && value[step.when] === step.is ? withUnknownKey(value, rest) : null
}

const alert = { id: 'slow', metric: 'swarm.responseMs.p95', op: '>', threshold: 5000 }
const sla = { id: 'fast', metric: 'swarm.responseMs.p95', op: '<=', threshold: 10_000 }

/** A scenario with every union member and optional object, so each has a place to carry the unknown key. */
const fullScenario: ScenarioInput = {
  name: 'unknown-keys',
  description: 'one of everything',
  agents: [{ name: 'worker', count: 2, capabilities: ['code'], speeds: { code: 2 } }],
  kinds: [
    { name: 'fixed', size: { type: 'fixed', ms: 100 } },
    { name: 'pareto', size: { type: 'pareto', alpha: 1.5, minMs: 100, maxMs: 1000 } },
    { name: 'lognormal', size: { type: 'lognormal', medianMs: 200, sigma: 0.5 } },
  ],
  arrivals: [
    { type: 'burst', count: 3 },
    { type: 'poisson', ratePerMin: 60, count: 3 },
  ],
  faults: [
    { type: 'slowdown', agentId: 'worker-1', atMs: 100, factor: 2 },
    { type: 'crash', agentId: 'worker-2', atMs: 200 },
  ],
  churn: {
    fromMs: 0,
    untilMs: 1000,
    leaveRatePerMin: 1,
    joinRatePerMin: 1,
    joiner: { name: 'joiner', count: 0, capabilities: ['code'] },
  },
}

const targets: { name: string; schema: z.core.$ZodType; parse: (input: unknown) => unknown; base: unknown }[] = [
  {
    name: 'monitor config',
    schema: swarmMonitorConfigSchema,
    parse: parseMonitorConfig,
    base: { analysis: { alerts: [alert], slas: [sla] } },
  },
  {
    name: 'analysis config',
    schema: analysisConfigSchema,
    parse: parseAnalysisConfig,
    base: { alerts: [alert], slas: [sla] },
  },
  { name: 'export options', schema: exportOptionsSchema, parse: (i) => parseExportOptions(i as never), base: {} },
  { name: 'server options', schema: serverOptionsSchema, parse: (i) => parseServerOptions(i as never), base: {} },
  { name: 'scenario', schema: scenarioSchema, parse: (i) => buildPlan(i as ScenarioInput), base: fullScenario },
]

function thrown(run: () => unknown): unknown {
  try {
    run()
  } catch (error) {
    return error
  }
  return undefined
}

describe.each(targets)('$name', ({ schema, parse, base }) => {
  const sites = objectSites(schema)

  it('accepts its base input', () => {
    expect(() => parse(base)).not.toThrow()
  })

  it.each(sites.map((site) => ({ where: label(site.steps), ...site })))(
    'rejects an unknown key in $where, naming its path and the expected keys',
    ({ where, steps, keys }) => {
      const placed = withUnknownKey(base, steps)
      if (!placed) throw new Error(`the base input has nowhere to put a key at ${where}: extend it`)
      const error = thrown(() => parse(placed.input))
      expect(error).toBeInstanceOf(ConfigError)
      const path = placed.path.join('.')
      const message = `unknown key '${unknownKey}'; expected one of ${keys.join(', ')}`
      expect((error as ConfigError).issues).toEqual([{ path, message }])
      expect((error as ConfigError).message).toContain(`: ${path || '(root)'}: ${message}`)
    },
  )
})

describe('the walk', () => {
  it('reaches every nested section', () => {
    const where = (schema: z.core.$ZodType) => objectSites(schema).map((s) => label(s.steps))
    expect(where(swarmMonitorConfigSchema)).toEqual(
      expect.arrayContaining([
        '(root)',
        'strategyOptions',
        'rebalancer',
        'rebalancer.evacuation',
        'analysis',
        'analysis.slowAgent',
        'analysis.throughputDegradation',
        'analysis.anomaly',
        'analysis.prediction',
        'analysis.actions',
        'analysis.alerts[]',
        'analysis.slas[]',
        'efficiency',
        'efficiency.weights',
        'resources',
      ]),
    )
    expect(where(scenarioSchema)).toEqual([
      '(root)',
      'agents[]',
      'kinds[]',
      'kinds[].size<fixed>',
      'kinds[].size<pareto>',
      'kinds[].size<lognormal>',
      'arrivals[]<burst>',
      'arrivals[]<poisson>',
      'faults[]<slowdown>',
      'faults[]<crash>',
      'churn',
      'churn.joiner',
    ])
  })
})

describe('messages', () => {
  it('name the nested object, the key and the keys expected there', () => {
    expect(() => parseMonitorConfig({ analysis: { slowAgent: { bogus: 1 } } })).toThrow(
      "invalid swarm-perf monitor config: analysis.slowAgent: unknown key 'bogus'; expected one of meanServiceMs, " +
        'fleetP50Ratio, minCompleted, criticalFactor',
    )
    expect(() => parseMonitorConfig({ analysis: { enabled: false } })).toThrow(
      /^invalid swarm-perf monitor config: analysis: unknown key 'enabled'; expected one of slowAgent, /,
    )
  })

  it('list every unknown key of one object in one issue', () => {
    const error = thrown(() => parseMonitorConfig({ resources: { a: 1, b: 2 } })) as ConfigError
    expect(error.issues).toEqual([
      { path: 'resources', message: "unknown keys 'a', 'b'; expected one of sampleEveryMs" },
    ])
  })
})
