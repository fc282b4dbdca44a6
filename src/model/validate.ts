import type { z } from 'zod'
import { ConfigError } from './errors.js'

/** Parse plain configuration data with its schema; on failure throw one ConfigError naming every wrong field. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {})
  if (result.success) return result.data
  throw new ConfigError(
    `invalid ${what}`,
    result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  )
}
