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

describe('validateEvent', () => {
  it('accepts exactly the events the zod schema accepts', () => {
    fc.assert(
      fc.property(taskEvent, (input) => {
        const ours = validateEvent(input)
        expect(!isSwarmError(ours)).toBe(swarmEventSchema.safeParse(input).success)
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
        const ours = validateEvent(input)
        const zods = zodOnly(input)
        if ('code' in zods) expect(ours).toEqual(zods)
        // zod hands back a copy without unknown keys; the fast path hands back the event as sent.
        else expect(ours).toMatchObject(zods)
      }),
      { numRuns: 5000 },
    )
  })

  it('hands back the event as sent when it passes', () => {
    const input = { type: 'task:started', ts: 5, taskId: 't', agentId: 'a' }
    expect(validateEvent(input)).toBe(input)
  })
})
