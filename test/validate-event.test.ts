import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { swarmEventSchema } from '../src/model/swarm-event.js'
import { isSwarmError, validateEvent } from '../src/monitor/validate-event.js'

// The hand-written checks in front of zod must accept exactly what the schema accepts.
const value = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.constant(''),
  fc.double(),
  fc.integer({ min: -5, max: 5 }),
  fc.constant(Number.POSITIVE_INFINITY),
  // Either side of the largest duration accepted (2^53 - 1 ms), and the largest double.
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, Number.MAX_VALUE),
  fc.constant(Number.NaN),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.oneof(fc.string({ maxLength: 2 }), fc.integer()), { maxLength: 3 }),
)
const taskEvent = fc.record(
  {
    type: fc.constantFrom('task:queued', 'task:assigned', 'task:started', 'task:completed', 'task:failed', 'task:nope'),
    ts: value,
    taskId: value,
    agentId: value,
    kind: value,
    requiredCapabilities: value,
    priority: value,
    estimatedMs: value,
    durationMs: value,
    error: value,
    extra: value,
  },
  { requiredKeys: ['type'] },
)

/** The task event types and what each must (and may) carry. */
const taskTypes = ['task:queued', 'task:assigned', 'task:started', 'task:completed', 'task:failed'] as const
const validId = fc.string({ minLength: 1, maxLength: 3 })
const validTs = fc.oneof(fc.integer({ min: 0, max: 2_000_000_000_000 }), fc.double({ min: 0, max: 1e13, noNaN: true }))
const validMs = fc.oneof(fc.nat({ max: 100_000 }), fc.double({ min: 0, max: 1e6, noNaN: true }))
const validTaskEvent = fc.oneof(
  fc.record(
    {
      type: fc.constant('task:queued'),
      ts: validTs,
      taskId: validId,
      kind: fc.string({ maxLength: 3 }),
      requiredCapabilities: fc.array(fc.string({ maxLength: 2 }), { maxLength: 3 }),
      priority: fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true })),
      estimatedMs: validMs,
    },
    { requiredKeys: ['type', 'ts', 'taskId'] },
  ),
  fc.record({ type: fc.constant('task:assigned'), ts: validTs, taskId: validId, agentId: validId }),
  fc.record({ type: fc.constant('task:started'), ts: validTs, taskId: validId, agentId: validId }),
  fc.record(
    { type: fc.constant('task:completed'), ts: validTs, taskId: validId, agentId: validId, durationMs: validMs },
    { requiredKeys: ['type', 'ts', 'taskId', 'agentId'] },
  ),
  fc.record(
    {
      type: fc.constant('task:failed'),
      ts: validTs,
      taskId: validId,
      agentId: validId,
      error: fc.string({ maxLength: 5 }),
    },
    { requiredKeys: ['type', 'ts', 'taskId', 'agentId'] },
  ),
)
/** A valid task event, half the time with one field set to an arbitrary (mostly wrong) value or removed. */
const nearlyValidTaskEvent = fc
  .tuple(
    validTaskEvent,
    fc.option(
      fc.record({
        field: fc.constantFrom(
          'type',
          'ts',
          'taskId',
          'agentId',
          'kind',
          'requiredCapabilities',
          'priority',
          'estimatedMs',
          'durationMs',
          'error',
          'extra',
        ),
        to: value,
        remove: fc.boolean(),
      }),
      { freq: 2 },
    ),
  )
  .map(([event, mutation]): Record<string, unknown> => {
    const out: Record<string, unknown> = { ...event }
    if (mutation?.remove) delete out[mutation.field]
    else if (mutation) out[mutation.field] = mutation.to
    return out
  })

/** The hand-written checks accept the input exactly when the zod schema does. */
function agreesWithZod(input: unknown) {
  const ours = validateEvent(input)
  expect(!isSwarmError(ours)).toBe(swarmEventSchema.safeParse(input).success)
}

/** The fast path gives the same event as zod alone, or the same code, message and path. */
function givesWhatZodGives(input: unknown) {
  const ours = validateEvent(input)
  const zods = zodOnly(input)
  if ('code' in zods) expect(ours).toEqual(zods)
  // zod hands back a copy without unknown keys; the fast path hands back the event as sent.
  else expect(ours).toMatchObject(zods)
}

describe('validateEvent', () => {
  it('accepts exactly the events the zod schema accepts', () => {
    fc.assert(
      fc.property(taskEvent, (input) => {
        agreesWithZod(input)
      }),
      { numRuns: 5000 },
    )
  })

  it('names the wrong field and keeps the event as sent', () => {
    const input = { type: 'task:completed', ts: 10, taskId: 'x', agentId: 'a', durationMs: -1 }
    const result = validateEvent(input)
    expect(isSwarmError(result) && result).toMatchObject({ code: 'EVENT_SCHEMA', path: 'durationMs', event: input })
    expect(isSwarmError(result) && result.message).toMatch(/^'task:completed' event rejected: durationMs: /)
  })
})

/** What validation gave before the fast path: zod alone, its first issue as the error. */
function zodOnly(input: unknown) {
  const result = swarmEventSchema.safeParse(input)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue.path.join('.')
  const type =
    typeof input === 'object' && input !== null && typeof (input as { type?: unknown }).type === 'string'
      ? `'${(input as { type: string }).type}' `
      : ''
  return {
    code: 'EVENT_SCHEMA',
    message: `${type}event rejected: ${path ? `${path}: ` : ''}${issue.message}`,
    ...(path ? { path } : {}),
    event: input,
  }
}

describe('validateEvent fast path', () => {
  it('gives what zod alone gives: the same event, or the same code, message and path (property)', () => {
    fc.assert(
      fc.property(taskEvent, (input) => {
        givesWhatZodGives(input)
      }),
      { numRuns: 5000 },
    )
  })

  it('agrees with zod on valid events of every task type and on each with one field broken (property)', () => {
    const accepted = new Map<string, number>(taskTypes.map((t) => [t, 0]))
    let rejected = 0
    fc.assert(
      fc.property(nearlyValidTaskEvent, (input) => {
        agreesWithZod(input)
        givesWhatZodGives(input)
        if (isSwarmError(validateEvent(input))) rejected++
        else accepted.set(String(input.type), (accepted.get(String(input.type)) ?? 0) + 1)
      }),
      { numRuns: 5000 },
    )
    // About 800 accepted per type and 900 rejected in 5,000 runs: both sides of the agreement are exercised.
    for (const type of taskTypes) expect(accepted.get(type), type).toBeGreaterThan(400)
    expect(rejected).toBeGreaterThan(500)
  })

  it('hands back the event as sent when it passes', () => {
    const input = { type: 'task:started', ts: 5, taskId: 't', agentId: 'a' }
    expect(validateEvent(input)).toBe(input)
  })
})
