import { readFile } from 'node:fs/promises'
import { type AssignmentFormat, assignmentFormatOf, parseAssignmentInstance } from '../../engine/orlib.js'
import { solveAssignment } from '../../engine/solve-assignment.js'
import { type CliCommand, usageError } from '../command.js'

const usage = `Usage: swarm-perf assign <file> [--format orlib|json]

Solve a linear assignment problem exactly (rows to columns at least total cost) and print
{ "rows", "cols", "cost", "rowToCol": [...] } as JSON; rowToCol[i] is row i's column, -1 for none.

Formats (inferred from the extension when --format is not given: .json is json, anything else orlib):
  orlib  Beasley's OR-Library assignment files: n, then n*n costs (assignN) or 'i j cost' triples,
         1-based, absent pairs forbidden (assignpN).
  json   { "costs": number[][], "capacities"?: number[] }, null for a forbidden pair;
         capacities[c] lets column c take several rows.

Exit codes: 0 solved; 1 infeasible (prints feasible: false and the reason); 2 bad usage or unreadable input.
`

export const assign: CliCommand = {
  name: 'assign',
  summary: 'solve an assignment problem (OR-Library or JSON file) to its exact optimum',
  usage,
  async run(argv, io) {
    let path: string | undefined
    let format: AssignmentFormat | undefined
    for (let a = 0; a < argv.length; a++) {
      const arg = argv[a]
      const value = arg.startsWith('--format=') ? arg.slice('--format='.length) : arg === '--format' ? argv[++a] : null
      if (value !== null) {
        if (value !== 'orlib' && value !== 'json') {
          return usageError(io, 'assign', `--format must be orlib or json, got '${value ?? ''}'`, usage)
        }
        format = value
      } else if (arg.startsWith('-') || path !== undefined) {
        return usageError(io, 'assign', `unexpected argument '${arg}'`, usage)
      } else {
        path = arg
      }
    }
    if (path === undefined) {
      return usageError(io, 'assign', 'missing <file>', usage)
    }
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : String(error)
      io.err(`swarm-perf assign: cannot read ${path}: ${why}\n`)
      return 2
    }
    let instance: ReturnType<typeof parseAssignmentInstance>
    try {
      instance = parseAssignmentInstance(text, format ?? assignmentFormatOf(path))
    } catch (error) {
      io.err(`swarm-perf assign: ${path}: ${error instanceof Error ? error.message : String(error)}\n`)
      return 2
    }
    const { rows, cols, costs, capacities } = instance
    const result = solveAssignment(costs, rows, cols, capacities ? { capacities } : {})
    const rowToCol = `[${Array.from(result.rowToCol).join(', ')}]`
    if (!result.feasible) {
      io.out(
        `{ "rows": ${rows}, "cols": ${cols}, "feasible": false, "cost": null, "reason": ${JSON.stringify(result.reason)}, "rowToCol": ${rowToCol} }\n`,
      )
      return 1
    }
    io.out(`{ "rows": ${rows}, "cols": ${cols}, "cost": ${result.cost}, "rowToCol": ${rowToCol} }\n`)
    return 0
  },
}
