import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseJsonAssignment, parseOrlibAssignment } from '../src/engine/orlib.js'
import { solveAssignment } from '../src/index.js'

// CI clones the repository with shared/ beside it; SWARM_PERF_ORLIB points elsewhere.
const orlibDir = process.env.SWARM_PERF_ORLIB ?? fileURLToPath(new URL('../../shared/data/orlib/', import.meta.url))

const optima = new Map(
  readFileSync(`${orlibDir}/assignopt.txt`, 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([name, value]) => /^assign/.test(name ?? '') && value !== undefined)
    .map(([name, value]) => [name, Number(value)] as const),
)

const instances = [
  ...[100, 200, 300, 400, 500, 600, 700, 800].map((n) => `assign${n}`),
  ...[800, 1500, 3000, 5000].map((n) => `assignp${n}`),
]

describe('OR-Library assignment instances', () => {
  it('finds all twelve instances and their optima', () => {
    for (const name of instances) {
      expect(existsSync(`${orlibDir}/${name}.txt`), `${orlibDir}/${name}.txt`).toBe(true)
      expect(optima.get(name), name).toBeGreaterThan(0)
    }
  })

  for (const name of instances) {
    it(`${name}: reaches the known optimum`, { timeout: 60_000 }, () => {
      const { rows, cols, costs } = parseOrlibAssignment(readFileSync(`${orlibDir}/${name}.txt`, 'utf8'))
      expect(rows).toBe(Number(name.replace(/\D/g, '')))
      const result = solveAssignment(costs, rows, cols)
      expect(result.feasible).toBe(true)
      expect(result.cost).toBe(optima.get(name))
      expect(new Set(result.rowToCol).size).toBe(rows)
    })
  }

  it('assignp800 (15.6% dense) reaches the optimum on the dense path too', { timeout: 60_000 }, () => {
    const { rows, cols, costs } = parseOrlibAssignment(readFileSync(`${orlibDir}/assignp800.txt`, 'utf8'))
    expect(solveAssignment(costs, rows, cols, { method: 'dense' }).cost).toBe(optima.get('assignp800'))
    expect(solveAssignment(costs, rows, cols, { method: 'sparse' }).cost).toBe(optima.get('assignp800'))
  })

  it('assign500 reaches the optimum on the sparse path too', () => {
    const { rows, cols, costs } = parseOrlibAssignment(readFileSync(`${orlibDir}/assign500.txt`, 'utf8'))
    expect(solveAssignment(costs, rows, cols, { method: 'sparse' }).cost).toBe(optima.get('assign500'))
  })
})

describe('assignment file formats', () => {
  it('reads dense OR-Library files wrapped over any lines', () => {
    const instance = parseOrlibAssignment(' 2\n 4 1\n 2\n 3 \n')
    expect(instance).toEqual({ rows: 2, cols: 2, costs: Float64Array.of(4, 1, 2, 3) })
  })

  it('reads sparse OR-Library triples, absent pairs forbidden', () => {
    const instance = parseOrlibAssignment('3\n1 1 5\n2 3 7\n3 2 1\n1 2 4\n')
    const inf = Number.POSITIVE_INFINITY
    expect(instance.costs).toEqual(Float64Array.of(5, 4, inf, inf, inf, 7, inf, 1, inf))
  })

  it('rejects malformed OR-Library files with what is wrong', () => {
    expect(() => parseOrlibAssignment('')).toThrow('OR-Library assignment file is empty')
    expect(() => parseOrlibAssignment('x 1 2')).toThrow(/must start with n/)
    expect(() => parseOrlibAssignment('2\n1 2 3 4 5')).toThrow(/expected 4 costs \(dense\) or 'i j cost' triples/)
    expect(() => parseOrlibAssignment('2\n1 3 4')).toThrow(/pair \(1, 3\) outside 1..2/)
    expect(() => parseOrlibAssignment('2\n1 1 4\n1 1 5')).toThrow(/pair \(1, 1\) appears twice/)
    expect(() => parseOrlibAssignment('2\n1 2 x 4')).toThrow(/number 4 \('x'\) is not a finite number/)
  })

  it('reads JSON with null for forbidden pairs and optional capacities', () => {
    const instance = parseJsonAssignment('{"costs": [[1, null, 3], [4, 5, 6]], "capacities": [1, 2, 0]}')
    expect(instance.rows).toBe(2)
    expect(instance.cols).toBe(3)
    expect(instance.costs).toEqual(Float64Array.of(1, Number.POSITIVE_INFINITY, 3, 4, 5, 6))
    expect(instance.capacities).toEqual(Uint32Array.of(1, 2, 0))
  })

  it('rejects bad JSON with every wrong field', () => {
    expect(() => parseJsonAssignment('{')).toThrow(/assignment JSON does not parse/)
    expect(() => parseJsonAssignment('{"costs": [[1, "a"]], "capacities": [-1]}')).toThrow(
      /invalid assignment JSON: costs\.0\.1: .*; capacities\.0: /,
    )
    expect(() => parseJsonAssignment('{"costs": [[1, 2], [3]]}')).toThrow('costs[1] has 1 entries, row 0 has 2')
    expect(() => parseJsonAssignment('{"costs": [[1, 2]], "capacities": [1]}')).toThrow(
      'capacities has 1 entries, expected 2',
    )
  })
})
