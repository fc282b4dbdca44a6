/**
 * `npm run bench -- assignment [--json]`: our WASM Jonker-Volgenant solver against munkres, munkres-algorithm,
 * linear-sum-assignment and scipy's linear_sum_assignment (python3, when present) on the same matrices: uniform random
 * integer costs 1..1000 (n = 100..2000), 1000 x 2000 rectangles, and the twelve OR-Library instances. Every cost is
 * checked against ours (and against the known optimum for OR-Library); ratios are peer ms / our ms.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { linearSumAssignment } from 'linear-sum-assignment'
import munkres from 'munkres'
import { minWeightAssign } from 'munkres-algorithm'
import { parseOrlibAssignment } from '../src/engine/orlib.js'
import { solveAssignment } from '../src/engine/solve-assignment.js'
import { mulberry32 as random } from '../src/sim/mulberry32.js'
import type { Benchmark } from './index.js'
import { bestOf, machine, pythonVersion, table } from './report.js'

interface Instance {
  name: string
  rows: number
  cols: number
  costs: Float64Array
  /** Known optimum (OR-Library). */
  optimum?: number
  /** Mostly forbidden pairs: scipy's sparse solver runs too. */
  sparse: boolean
}

interface Result {
  name: string
  instance: string
  ms: number
  cost: number
}

interface Peer {
  name: string
  /** Largest rows x cols it is run on; beyond that it would take minutes. */
  maxPairs: number
  repeats(instance: Instance): number
  prepare(instance: Instance): () => number
}

const orlibDir = process.env.SWARM_PERF_ORLIB ?? fileURLToPath(new URL('../../shared/data/orlib/', import.meta.url))

function uniform(rows: number, cols: number, seed: number): Instance {
  const next = random(seed)
  const costs = new Float64Array(rows * cols)
  for (let e = 0; e < costs.length; e++) costs[e] = 1 + Math.floor(next() * 1000)
  const name = rows === cols ? `uniform n=${rows}` : `uniform ${rows}x${cols}`
  return { name, rows, cols, costs, sparse: false }
}

function orlibInstances(): Instance[] {
  if (!existsSync(join(orlibDir, 'assignopt.txt'))) return []
  const optima = new Map(
    readFileSync(join(orlibDir, 'assignopt.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .map(([name, value]) => [name, Number(value)] as const),
  )
  const names = [100, 200, 300, 400, 500, 600, 700, 800].map((n) => `assign${n}`)
  names.push(...[800, 1500, 3000, 5000].map((n) => `assignp${n}`))
  return names.map((name) => {
    const { rows, cols, costs } = parseOrlibAssignment(readFileSync(join(orlibDir, `${name}.txt`), 'utf8'))
    return { name, rows, cols, costs, optimum: optima.get(name), sparse: name.startsWith('assignp') }
  })
}

const rowsOf = (instance: Instance) =>
  Array.from({ length: instance.rows }, (_, i) =>
    Array.from(instance.costs.subarray(i * instance.cols, (i + 1) * instance.cols)),
  )

const costOf = (instance: Instance, pairs: Iterable<readonly [number, number]>) => {
  let cost = 0
  for (const [i, j] of pairs) cost += instance.costs[i * instance.cols + j]
  return cost
}

const peers: Peer[] = [
  {
    name: 'munkres',
    maxPairs: 2000 * 2000,
    repeats: (instance) => (instance.rows * instance.cols <= 1e6 ? 9 : 3),
    prepare(instance) {
      const matrix = rowsOf(instance)
      return () => costOf(instance, munkres(matrix) as [number, number][])
    },
  },
  {
    name: 'munkres-algorithm',
    maxPairs: 1000 * 1000,
    repeats: (instance) => (instance.rows * instance.cols <= 250_000 ? 3 : 1),
    prepare(instance) {
      const matrix = rowsOf(instance)
      return () => {
        const { assignments } = minWeightAssign(matrix)
        return costOf(
          instance,
          assignments.flatMap((j, i) => (j === null ? [] : [[i, j] as const])),
        )
      }
    },
  },
  {
    name: 'linear-sum-assignment',
    maxPairs: 1000 * 1000,
    repeats: (instance) => (instance.rows * instance.cols <= 250_000 ? 3 : 1),
    prepare(instance) {
      const matrix = rowsOf(instance)
      return () => {
        const { rowAssignments } = linearSumAssignment(matrix, { maximaze: false })
        return costOf(
          instance,
          Array.from(rowAssignments).flatMap((j, i) => (j < 0 ? [] : [[i, j] as const])),
        )
      }
    },
  },
]

/** Versions read from node_modules/<name>/package.json (some peers do not export their package.json). */
function installedVersions(names: string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of ['swarm-perf', ...names]) {
    const path = name === 'swarm-perf' ? '../package.json' : `../node_modules/${name}/package.json`
    try {
      out[name] = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')).version
    } catch {
      out[name] = 'not installed'
    }
  }
  return out
}

// The same repeats as munkres and scipy: on a busy machine more runs would mean a luckier best.
const oursRepeats = (instance: Instance) => (instance.rows * instance.cols <= 1e6 ? 9 : 3)

function runScipy(instances: Instance[], log: (line: string) => void): { version: string | null; results: Result[] } {
  const version = pythonVersion('scipy')
  if (!version) {
    log('scipy: python3 with scipy not found, skipped\n')
    return { version: null, results: [] }
  }
  const dir = mkdtempSync(join(tmpdir(), 'swarm-perf-lsa-'))
  try {
    const manifest = instances.map((instance, k) => {
      const file = join(dir, `${k}.f64`)
      writeFileSync(file, new Uint8Array(instance.costs.buffer, instance.costs.byteOffset, instance.costs.byteLength))
      return {
        instance: instance.name,
        rows: instance.rows,
        cols: instance.cols,
        file,
        repeats: instance.rows * instance.cols <= 1e6 ? 9 : 3,
        sparse: instance.sparse,
      }
    })
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest))
    const script = fileURLToPath(new URL('./scipy_lsa.py', import.meta.url))
    const out = execFileSync('python3', [script, join(dir, 'manifest.json')], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    })
    const parsed = JSON.parse(out) as { scipy: string; results: Result[] }
    return { version: parsed.scipy, results: parsed.results }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const assignment: Benchmark = {
  name: 'assignment',
  summary: 'optimal assignment: WASM Jonker-Volgenant vs munkres, munkres-algorithm, linear-sum-assignment, scipy',
  async run({ json }) {
    const log = (text: string) => {
      if (!json) process.stdout.write(text)
    }
    const started = performance.now()
    const instances: Instance[] = [100, 200, 500, 1000, 2000].map((n) => uniform(n, n, n))
    instances.push(uniform(1000, 2000, 12), uniform(2000, 1000, 21))
    const orlib = orlibInstances()
    if (orlib.length === 0) log(`OR-Library instances not found in ${orlibDir} (set SWARM_PERF_ORLIB); skipped\n`)
    instances.push(...orlib)

    // Warm every solver up (JIT, WASM compile, scratch memory) on a small problem so the first timed one is fair.
    const warmUp = uniform(150, 150, 7)
    for (let k = 0; k < 5; k++) {
      solveAssignment(warmUp.costs, warmUp.rows, warmUp.cols)
      for (const peer of peers) peer.prepare(warmUp)()
    }

    const results: Result[] = []
    const skipped: { name: string; instance: string; why: string }[] = []
    for (const instance of instances) {
      log(`${instance.name} ...`)
      const { rows, cols, costs } = instance
      solveAssignment(costs, rows, cols) // warm-up: compile, grow scratch memory
      let cost = Number.NaN
      const ms = bestOf(oursRepeats(instance), () => {
        cost = solveAssignment(costs, rows, cols).cost
      })
      results.push({ name: 'swarm-perf', instance: instance.name, ms, cost })
      for (const peer of peers) {
        if (rows * cols > peer.maxPairs) {
          skipped.push({
            name: peer.name,
            instance: instance.name,
            why: `run up to ${Math.round(Math.sqrt(peer.maxPairs))}x${Math.round(Math.sqrt(peer.maxPairs))} only (minutes beyond)`,
          })
          continue
        }
        const solve = peer.prepare(instance)
        let peerCost = Number.NaN
        try {
          const peerMs = bestOf(peer.repeats(instance), () => {
            peerCost = solve()
          })
          results.push({ name: peer.name, instance: instance.name, ms: peerMs, cost: peerCost })
        } catch (error) {
          skipped.push({ name: peer.name, instance: instance.name, why: `threw: ${(error as Error).message}` })
        }
      }
      log(' done\n')
    }
    log('scipy ...')
    const scipy = runScipy(instances, log)
    results.push(...scipy.results)
    log(' done\n\n')

    // Every cost must agree with ours, and ours with the known optimum.
    const mismatches: string[] = []
    const ours = new Map(results.filter((r) => r.name === 'swarm-perf').map((r) => [r.instance, r]))
    for (const instance of instances) {
      const mine = ours.get(instance.name)!
      if (instance.optimum !== undefined && mine.cost !== instance.optimum) {
        mismatches.push(`swarm-perf ${instance.name}: cost ${mine.cost}, known optimum ${instance.optimum}`)
      }
    }
    for (const r of results) {
      const mine = ours.get(r.instance)!
      if (r.cost !== mine.cost) mismatches.push(`${r.name} ${r.instance}: cost ${r.cost}, ours ${mine.cost}`)
    }

    const msOf = (name: string, instance: string) =>
      results.find((r) => r.name === name && r.instance === instance)?.ms ?? null
    const ratio = (name: string, instance: string) => {
      const peer = msOf(name, instance)
      const mine = msOf('swarm-perf', instance)
      return peer === null || mine === null ? null : peer / mine
    }
    const ratios = instances.map((instance) => ({
      instance: instance.name,
      'scipy/ours': ratio('scipy', instance.name),
      'munkres/ours': ratio('munkres', instance.name),
      'scipy-sparse/ours': ratio('scipy-sparse', instance.name),
    }))
    const goalInstances = ['uniform n=1000', 'uniform n=2000']
    const goals = {
      fasterThanScipyAtN1000And2000: goalInstances.every((i) => (ratio('scipy', i) ?? 0) > 1),
      atLeast4xMunkresAtN1000And2000: goalInstances.every((i) => (ratio('munkres', i) ?? 0) >= 4),
      everyOrlibAtOptimum:
        orlib.length === 12 && orlib.every((instance) => ours.get(instance.name)!.cost === instance.optimum),
    }

    if (!json) {
      const names = ['swarm-perf', 'scipy', 'scipy-sparse', ...peers.map((p) => p.name)]
      const rows = instances.map((instance) => {
        const row: Record<string, unknown> = { instance: instance.name, cost: ours.get(instance.name)!.cost }
        for (const name of names) {
          const skip = skipped.find((s) => s.name === name && s.instance === instance.name)
          row[`${name} ms`] = msOf(name, instance.name) ?? (skip ? 'skipped' : null)
        }
        const r = ratios.find((x) => x.instance === instance.name)!
        row['scipy/ours'] = r['scipy/ours']
        row['munkres/ours'] = r['munkres/ours']
        row.optimum = instance.optimum ?? null
        return row
      })
      process.stdout.write(table(rows))
      process.stdout.write(
        '\nms: wall clock, best of 9 runs up to 1e6 pairs, else 3 (munkres-algorithm and linear-sum-assignment: 3, else 1);' +
          ' ratios: peer ms / our ms. Ours includes reading the dense input; scipy-sparse gets a ready CSR matrix.\n',
      )
      const reasons = [...new Set(skipped.map((s) => `${s.name}: ${s.why}`))]
      if (reasons.length) process.stdout.write(`skipped: ${reasons.join('; ')}\n`)
      process.stdout.write(
        `goals: faster than scipy at n=1000 and 2000: ${goals.fasterThanScipyAtN1000And2000 ? 'met' : 'NOT met'}; ` +
          `>= 4x munkres at n=1000 and 2000: ${goals.atLeast4xMunkresAtN1000And2000 ? 'met' : 'NOT met'}; ` +
          `every OR-Library instance at its optimum: ${goals.everyOrlibAtOptimum ? 'met' : 'NOT met'}\n`,
      )
      process.stdout.write(
        mismatches.length ? `COST MISMATCHES:\n  ${mismatches.join('\n  ')}\n` : 'costs: all agree\n',
      )
      process.stdout.write(`total ${((performance.now() - started) / 1000).toFixed(0)} s\n`)
    }
    return {
      results,
      skipped,
      ratios,
      goals,
      mismatches,
      machine: machine(),
      versions: { ...installedVersions(['assemblyscript', ...peers.map((p) => p.name)]), scipy: scipy.version },
      command: 'npm run bench -- assignment --json',
    }
  },
}
