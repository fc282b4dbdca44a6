import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { main } from '../src/cli/run-cli.js'

const orlibDir = process.env.SWARM_PERF_ORLIB ?? fileURLToPath(new URL('../../shared/data/orlib/', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'swarm-perf-assign-'))
const file = (name: string, text: string) => {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

async function run(...argv: string[]) {
  let out = ''
  let err = ''
  const code = await main(['assign', ...argv], {
    out: (text) => {
      out += text
    },
    err: (text) => {
      err += text
    },
    signal: new AbortController().signal,
  })
  return { code, out, err }
}

describe('swarm-perf assign', () => {
  it('solves an OR-Library file to its known optimum', async () => {
    const { code, out, err } = await run(join(orlibDir, 'assign100.txt'))
    expect(err).toBe('')
    expect(code).toBe(0)
    const printed = JSON.parse(out)
    expect(Object.keys(printed)).toEqual(['rows', 'cols', 'cost', 'rowToCol'])
    expect(printed).toMatchObject({ rows: 100, cols: 100, cost: 305 })
    expect(new Set(printed.rowToCol).size).toBe(100)
  })

  it('infers JSON from the extension, with null forbidden and capacities', async () => {
    const path = file(
      'small.json',
      JSON.stringify({
        costs: [
          [1, null],
          [2, 9],
          [3, 9],
        ],
        capacities: [2, 1],
      }),
    )
    const { code, out } = await run(path)
    expect(code).toBe(0)
    expect(out).toBe('{ "rows": 3, "cols": 2, "cost": 12, "rowToCol": [0, 0, 1] }\n')
  })

  it('takes --format over the extension', async () => {
    const path = file('square.data', '{"costs": [[4, 1], [2, 0]]}')
    expect((await run(path, '--format', 'json')).out).toBe('{ "rows": 2, "cols": 2, "cost": 3, "rowToCol": [1, 0] }\n')
    expect((await run('--format=json', path)).code).toBe(0)
    const orlib = file('square.json', '2\n4 1\n2 0\n')
    expect((await run(orlib, '--format', 'orlib')).out).toContain('"cost": 3')
  })

  it('prints feasible false and the reason and exits 1 when infeasible', async () => {
    const path = file('blocked.json', '{"costs": [[1, null], [2, null]]}')
    const { code, out } = await run(path)
    expect(code).toBe(1)
    const printed = JSON.parse(out)
    expect(printed.feasible).toBe(false)
    expect(printed.cost).toBeNull()
    expect(printed.reason).toMatch(/no assignment covers every row/)
  })

  it('exits 2 with a clear message on a missing file, bad usage or a malformed file', async () => {
    const missing = await run(join(dir, 'nope.txt'))
    expect(missing.code).toBe(2)
    expect(missing.err).toBe(`swarm-perf assign: cannot read ${join(dir, 'nope.txt')}: no such file\n`)
    expect(missing.out).toBe('')
    expect((await run()).err).toMatch(/missing <file>/)
    expect((await run('a', 'b')).err).toMatch(/unexpected argument 'b'/)
    const badFormat = await run('x.txt', '--format', 'csv')
    expect(badFormat.code).toBe(2)
    expect(badFormat.err).toMatch(/--format must be orlib or json, got 'csv'/)
    const malformed = await run(file('bad.txt', '2\n1 2 3 4 5'))
    expect(malformed.code).toBe(2)
    expect(malformed.err).toMatch(/bad\.txt: OR-Library assignment file: after n = 2 expected 4 costs/)
    expect((await run(dir)).err).toMatch(/is a directory/)
  })

  it('is listed in the help with its usage', async () => {
    let out = ''
    await main(['help', 'assign'], { out: (t) => (out += t), err: () => {}, signal: new AbortController().signal })
    expect(out).toMatch(/^Usage: swarm-perf assign <file> \[--format orlib\|json\]/)
  })
})
