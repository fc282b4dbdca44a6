import type { z } from 'zod'
import { ConfigError } from './errors.js'

/**
 * The message for keys a strict object does not know: which ones, and the keys it takes (zod's own says only
 * `Unrecognized key: "x"`). The issue's path is the object's, so `analysis.slowAgent: unknown key 'bogus'; expected
 * one of meanServiceMs, ...`.
 */
function unknownKeysMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'unrecognized_keys') return undefined
  const keys = issue.keys.map((k) => `'${k}'`).join(', ')
  const shape = (issue.inst?._zod.def as { shape?: Record<string, unknown> } | undefined)?.shape
  const expected = shape ? `expected one of ${Object.keys(shape).join(', ')}` : 'see README: Configuration'
  return `unknown key${issue.keys.length === 1 ? '' : 's'} ${keys}; ${expected}`
}

/** Parse plain configuration data with its schema; on failure throw one ConfigError naming every wrong field. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {}, { error: unknownKeysMessage })
  if (result.success) return result.data
  throw new ConfigError(
    `invalid ${what}`,
    result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  )
}
