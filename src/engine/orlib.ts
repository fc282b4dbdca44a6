/**
 * Reading assignment problems from files: Beasley's OR-Library format (dense `assignN` and sparse `assignp` files)
 * and a JSON format. Both yield a row-major Float64Array with Infinity for a forbidden pair, ready for solveAssignment.
 */
import { z } from 'zod'
import { parseConfig } from '../model/validate.js'

export interface AssignmentInstance {
  rows: number
  cols: number
  /** Row-major, Infinity = forbidden. */
  costs: Float64Array
  capacities?: Uint32Array
}

export type AssignmentFormat = 'orlib' | 'json'

/**
 * OR-Library assignment format. The first number is n. Dense (`assign100`...): n*n costs follow, row after row,
 * wrapped over lines however the file likes. Sparse (`assignp800`...): `i j cost` triples (1-based), one per pair
 * that exists; an absent pair is forbidden. The two are told apart by the count of numbers after n.
 */
export function parseOrlibAssignment(text: string): AssignmentInstance {
  const tokens = text.trim().split(/\s+/)
  if (tokens.length === 0 || tokens[0] === '') throw new SyntaxError('OR-Library assignment file is empty')
  const n = Number(tokens[0])
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new SyntaxError(`OR-Library assignment file must start with n, a non-negative integer; got '${tokens[0]}'`)
  }
  const count = tokens.length - 1
  const costs = new Float64Array(n * n)
  const number = (t: number) => {
    const value = Number(tokens[t])
    if (tokens[t] === '' || !Number.isFinite(value)) {
      throw new SyntaxError(`OR-Library assignment file: number ${t + 1} ('${tokens[t]}') is not a finite number`)
    }
    return value
  }
  if (count === n * n) {
    for (let e = 0; e < count; e++) costs[e] = number(e + 1)
    return { rows: n, cols: n, costs }
  }
  if (count % 3 !== 0) {
    throw new SyntaxError(
      `OR-Library assignment file: after n = ${n} expected ${n * n} costs (dense) or 'i j cost' triples (sparse), found ${count} numbers`,
    )
  }
  costs.fill(Number.POSITIVE_INFINITY)
  for (let t = 1; t < tokens.length; t += 3) {
    const i = number(t)
    const j = number(t + 1)
    const cost = number(t + 2)
    if (!Number.isInteger(i) || !Number.isInteger(j) || i < 1 || j < 1 || i > n || j > n) {
      throw new SyntaxError(`OR-Library assignment file: triple ${(t + 2) / 3} names pair (${i}, ${j}) outside 1..${n}`)
    }
    const e = (i - 1) * n + (j - 1)
    if (costs[e] !== Number.POSITIVE_INFINITY) {
      throw new SyntaxError(`OR-Library assignment file: pair (${i}, ${j}) appears twice`)
    }
    costs[e] = cost
  }
  return { rows: n, cols: n, costs }
}

const jsonInstanceSchema = z.object({
  costs: z.array(z.array(z.number().nullable())),
  capacities: z.array(z.number().int().nonnegative().max(0xffffffff)).optional(),
})

/**
 * JSON format: `{ "costs": number[][], "capacities"?: number[] }`, one inner array per row, `null` for a forbidden
 * pair. Throws a ConfigError listing every wrong field.
 */
export function parseJsonAssignment(text: string): AssignmentInstance {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (cause) {
    throw new SyntaxError(`assignment JSON does not parse: ${cause instanceof Error ? cause.message : String(cause)}`)
  }
  const parsed = parseConfig(jsonInstanceSchema, data, 'assignment JSON')
  const rows = parsed.costs.length
  const cols = rows === 0 ? (parsed.capacities?.length ?? 0) : parsed.costs[0].length
  const ragged = parsed.costs.findIndex((row) => row.length !== cols)
  if (ragged >= 0) {
    throw new SyntaxError(
      `assignment JSON: costs[${ragged}] has ${parsed.costs[ragged].length} entries, row 0 has ${cols}`,
    )
  }
  if (parsed.capacities && parsed.capacities.length !== cols) {
    throw new SyntaxError(`assignment JSON: capacities has ${parsed.capacities.length} entries, expected ${cols}`)
  }
  const costs = new Float64Array(rows * cols)
  parsed.costs.forEach((row, i) => {
    row.forEach((cost, j) => {
      costs[i * cols + j] = cost ?? Number.POSITIVE_INFINITY
    })
  })
  const instance: AssignmentInstance = { rows, cols, costs }
  if (parsed.capacities) instance.capacities = Uint32Array.from(parsed.capacities)
  return instance
}

/** Parse a file's text in the given format. */
export function parseAssignmentInstance(text: string, format: AssignmentFormat): AssignmentInstance {
  return format === 'json' ? parseJsonAssignment(text) : parseOrlibAssignment(text)
}

/** The format a path implies: `.json` is JSON, anything else OR-Library. */
export function assignmentFormatOf(path: string): AssignmentFormat {
  return path.toLowerCase().endsWith('.json') ? 'json' : 'orlib'
}
