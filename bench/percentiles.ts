/**
 * `npm run bench -- percentiles [--json] [--values N] [--seed N]`: record N (default 10,000,000) lognormal latencies
 * (median 100 ms, sigma 1.5, seeded) into our percentile engine (recordBatch and record), hdr-histogram-js (WASM and
 * JS builds, 3 significant digits, values in µs), DDSketch (relative accuracy 1%), tdigest and a plain-JS log-linear
 * baseline (bench/loglinear-baseline.ts), in one process, on the same data, in three scenarios:
 *  - single: one stream;
 *  - agents1000: 1000 agents round-robin;
 *  - window: 1000 agents round-robin over 120 s of event time with a 60 s window of 6 slots (12 rotations); peers
 *    without windows keep a ring of 6 sketches per agent, reset the expiring one and merge the ring to query.
 * Times are CPU time of this process (user + system, so GC threads count), not wall time: the machine is shared,
 * and another process's load must not count against whichever contender ran while it peaked.
 * valuesPerSec is the best of up to 3 runs. bytesPerAgent: ours = WASM memory / agents; hdr WASM = its
 * estimatedFootprintInBytes (its memory is one WASM instance shared by all histograms); baseline = its typed arrays;
 * hdr JS, DDSketch, tdigest = growth of V8 heap + ArrayBuffers after full GCs. p99RelErr/p999RelErr: worst relative error over agents
 * against exact nearest rank on the same data (in the window scenario, the samples in the final window).
 * queryMicros: p50, p95, p99 and p99.9 of one agent, averaged over the agents.
 */
import { createRequire } from 'node:module'
import v8 from 'node:v8'
import vm from 'node:vm'
import { DDSketch } from '@datadog/sketches-js'
import * as hdr from 'hdr-histogram-js'
import { createPercentileEngine, type PercentileEngine } from '../src/engine/percentile-engine.js'
import { mulberry32 } from '../src/sim/mulberry32.js'
import type { Benchmark } from './index.js'
import { LogLinearBaseline } from './loglinear-baseline.js'
import { machine, table, versions } from './report.js'

type Scenario = 'single' | 'agents1000' | 'window'
const scenarios: Scenario[] = ['single', 'agents1000', 'window']
const QUERY = [0.5, 0.95, 0.99, 0.999]
const WINDOW_MS = 60_000
const SLOTS = 6
const SLOT_MS = WINDOW_MS / SLOTS
/** Event time covered by the window scenario: two full windows, so the ring turns 12 times. */
const SPAN_MS = 2 * WINDOW_MS
/** Values between two event-time steps (every contender sees the same advance points). */
const CHUNK = 10_000

interface Result {
  name: string
  scenario: Scenario
  valuesPerSec: number
  bytesPerAgent: number
  p99RelErr: number
  p999RelErr: number
  queryMicros: number
}

/** One contender's state for one run of a scenario. */
interface Instance {
  feed(agents: Uint32Array, values: Float64Array, from: number, to: number): void
  advance(nowMs: number): void
  quantiles(agent: number, qs: readonly number[]): ArrayLike<number>
  /** Bytes held, when the contender can say; otherwise the bench measures heap growth. */
  bytes(): number | undefined
  dispose(): void
}

interface Contender {
  name: string
  create(agents: number, windowed: boolean): Instance
}

// --- data -----------------------------------------------------------------------------------------------------

function lognormalValues(n: number, seed: number): Float64Array {
  const random = mulberry32(seed)
  const values = new Float64Array(n)
  for (let i = 0; i < n; i += 2) {
    // Box-Muller: two normals per pair of uniforms.
    const r = Math.sqrt(-2 * Math.log(1 - random()))
    const a = 2 * Math.PI * random()
    values[i] = 100 * Math.exp(1.5 * r * Math.cos(a))
    if (i + 1 < n) values[i + 1] = 100 * Math.exp(1.5 * r * Math.sin(a))
  }
  return values
}

const chunkTimeMs = (chunkStart: number, n: number) => (chunkStart * SPAN_MS) / n

/** Exact nearest-rank p99 and p99.9 per agent over the samples each contender should hold at the end. */
function exactQuantiles(agents: Uint32Array, values: Float64Array, agentCount: number, windowed: boolean) {
  const n = values.length
  let from = 0
  if (windowed) {
    const lastChunk = Math.floor((n - 1) / CHUNK) * CHUNK
    const firstLiveSlot = Math.floor(chunkTimeMs(lastChunk, n) / SLOT_MS) - (SLOTS - 1)
    while (from < n && Math.floor(chunkTimeMs(Math.floor(from / CHUNK) * CHUNK, n) / SLOT_MS) < firstLiveSlot) {
      from += CHUNK
    }
  }
  const sizes = new Uint32Array(agentCount)
  for (let i = from; i < n; i++) sizes[agents[i]]++
  const perAgent = Array.from(sizes, (size) => new Float64Array(size))
  const fill = new Uint32Array(agentCount)
  for (let i = from; i < n; i++) perAgent[agents[i]][fill[agents[i]]++] = values[i]
  return perAgent.map((sorted) => {
    sorted.sort()
    const rank = (q: number) => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1]
    return { p99: rank(0.99), p999: rank(0.999) }
  })
}

// --- contenders -----------------------------------------------------------------------------------------------

function ours(name: string, perValue: boolean): Contender {
  return {
    name,
    create(agentCount, windowed) {
      const engine: PercentileEngine = createPercentileEngine({
        capacity: agentCount,
        windowMs: windowed ? WINDOW_MS : 1e15,
        slots: windowed ? SLOTS : 1,
      })
      return {
        feed: perValue
          ? (agents, values, from, to) => {
              for (let i = from; i < to; i++) engine.record(agents[i], values[i])
            }
          : (agents, values, from, to) => engine.recordBatch(agents.subarray(from, to), values.subarray(from, to)),
        advance: (nowMs) => engine.advanceTo(nowMs),
        quantiles: (agent, qs) => engine.quantiles(agent, qs),
        bytes: () => engine.memoryBytes(),
        dispose: () => engine.dispose(),
      }
    },
  }
}

function baseline(): Contender {
  return {
    name: 'loglinear-js baseline',
    create(agentCount, windowed) {
      const b = new LogLinearBaseline({
        mantissaBits: 7,
        minValueMs: 0.001,
        maxValueMs: 3_600_000,
        slots: windowed ? SLOTS : 1,
        windowMs: windowed ? WINDOW_MS : 1e15,
      })
      void agentCount
      return {
        feed: (agents, values, from, to) => {
          for (let i = from; i < to; i++) b.record(agents[i], values[i])
        },
        advance: (nowMs) => b.advanceTo(nowMs),
        quantiles: (agent, qs) => qs.map((q) => b.quantile(agent, q)),
        bytes: () => b.bytes(),
        dispose: () => {},
      }
    },
  }
}

/** A peer sketch without windows of its own: one sketch per agent, or a ring of SLOTS per agent rotated eagerly. */
interface SketchOps<S> {
  create(): S
  record(sketch: S, valueMs: number): void
  /** Empty the sketch (or return a fresh one). */
  clear(sketch: S): S
  /** Quantiles over the union of the parts (merging when there is more than one). */
  query(parts: readonly S[], qs: readonly number[]): number[]
  bytes?(sketch: S): number
  destroy?(sketch: S): void
}

function sketchContender<S>(name: string, ops: SketchOps<S>): Contender {
  return {
    name,
    create(agentCount, windowed) {
      const slots = windowed ? SLOTS : 1
      const sketches: S[] = Array.from({ length: agentCount * slots }, () => ops.create())
      let epoch = 0
      let ring = 0
      const record = ops.record
      return {
        feed: (agents, values, from, to) => {
          const r = ring
          for (let i = from; i < to; i++) record(sketches[agents[i] * slots + r], values[i])
        },
        advance: (nowMs) => {
          const target = Math.floor(nowMs / SLOT_MS)
          for (; epoch < target; epoch++) {
            ring = (ring + 1) % slots
            for (let a = 0; a < agentCount; a++) {
              sketches[a * slots + ring] = ops.clear(sketches[a * slots + ring])
            }
          }
        },
        quantiles: (agent, qs) => ops.query(sketches.slice(agent * slots, agent * slots + slots), qs),
        bytes: () => (ops.bytes ? sketches.reduce((sum, s) => sum + (ops.bytes?.(s) ?? 0), 0) : undefined),
        dispose: () => {
          if (ops.destroy) for (const s of sketches) ops.destroy(s)
        },
      }
    },
  }
}

function hdrContender(useWebAssembly: boolean): Contender {
  const build = () =>
    hdr.build({ useWebAssembly, numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true })
  return sketchContender(`hdr-histogram-js ${useWebAssembly ? 'wasm' : 'js'}`, {
    create: build,
    // hdr records integers: microseconds keep 3 significant digits down to 1 ms.
    record: (h, v) => h.recordValue(v * 1000),
    clear: (h) => {
      h.reset()
      return h
    },
    query: (parts, qs) => {
      if (parts.length === 1) return qs.map((q) => parts[0].getValueAtPercentile(q * 100) / 1000)
      const merged = build()
      for (const p of parts) merged.add(p)
      const out = qs.map((q) => merged.getValueAtPercentile(q * 100) / 1000)
      merged.destroy()
      return out
    },
    bytes: useWebAssembly ? (h) => h.estimatedFootprintInBytes : undefined,
    destroy: (h) => h.destroy(),
  })
}

function ddsketchContender(): Contender {
  return sketchContender('ddsketch (1%)', {
    create: () => new DDSketch({ relativeAccuracy: 0.01 }),
    record: (s, v) => s.accept(v),
    clear: () => new DDSketch({ relativeAccuracy: 0.01 }),
    query: (parts, qs) => {
      let s = parts[0]
      if (parts.length > 1) {
        s = new DDSketch({ relativeAccuracy: 0.01 })
        for (const p of parts) s.merge(p)
      }
      return qs.map((q) => s.getValueAtQuantile(q))
    },
  })
}

interface TDigestLike {
  push(x: number): void
  percentile(p: number): number
  push_centroid(c: unknown): void
  toArray(): unknown[]
  compress(): void
}
const require = createRequire(import.meta.url)
const { TDigest } = require('tdigest') as { TDigest: new () => TDigestLike }

function tdigestContender(): Contender {
  return sketchContender('tdigest', {
    create: () => new TDigest(),
    record: (t, v) => t.push(v),
    clear: () => new TDigest(),
    query: (parts, qs) => {
      let t = parts[0]
      if (parts.length > 1) {
        t = new TDigest()
        for (const p of parts) t.push_centroid(p.toArray())
        t.compress()
      }
      return qs.map((q) => t.percentile(q))
    },
  })
}

// --- measuring ------------------------------------------------------------------------------------------------

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc') as () => void
/** CPU milliseconds used by this process so far. */
const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}
/** Live heap + ArrayBuffer bytes after full collections (ArrayBuffer stores are freed a moment after the GC). */
const heapBytes = async () => {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

async function runScenario(
  contender: Contender,
  scenario: Scenario,
  agents: Uint32Array,
  values: Float64Array,
  exact: { p99: number; p999: number }[],
): Promise<Result> {
  const agentCount = scenario === 'single' ? 1 : 1000
  const windowed = scenario === 'window'
  const n = values.length
  let best = Number.POSITIVE_INFINITY
  let kept: Instance | undefined
  let heapGrowth = 0
  for (let run = 0; run < 3; run++) {
    kept?.dispose()
    kept = undefined
    const before = run === 0 ? await heapBytes() : 0
    const instance = contender.create(agentCount, windowed)
    const t0 = cpuMs()
    for (let from = 0; from < n; from += CHUNK) {
      if (windowed) instance.advance(chunkTimeMs(from, n))
      instance.feed(agents, values, from, Math.min(n, from + CHUNK))
    }
    const ms = cpuMs() - t0
    best = Math.min(best, ms)
    if (run === 0) heapGrowth = (await heapBytes()) - before
    kept = instance
    // A slow contender (tdigest) runs once: the machine time is better spent elsewhere.
    if (ms > 4000) break
  }
  const instance = kept as Instance
  let p99RelErr = 0
  let p999RelErr = 0
  for (let a = 0; a < agentCount; a++) {
    const answers = instance.quantiles(a, QUERY)
    const p99 = answers[2]
    const p999 = answers[3]
    p99RelErr = Math.max(p99RelErr, Math.abs(p99 - exact[a].p99) / exact[a].p99)
    p999RelErr = Math.max(p999RelErr, Math.abs(p999 - exact[a].p999) / exact[a].p999)
  }
  // Timed on up to 200 agents (a merged-ring tdigest query takes milliseconds).
  const queries = agentCount === 1 ? 2000 : Math.min(agentCount, 200)
  // Best of two passes: the first can carry JIT and background compilation (CPU time counts every thread).
  let sink = 0
  let queryMicros = Number.POSITIVE_INFINITY
  for (let pass = 0; pass < 2; pass++) {
    const q0 = cpuMs()
    for (let i = 0; i < queries; i++) sink += instance.quantiles(i % agentCount, QUERY)[0]
    queryMicros = Math.min(queryMicros, ((cpuMs() - q0) * 1000) / queries)
  }
  if (Number.isNaN(sink)) throw new Error(`${contender.name}: a query returned NaN`)
  const bytes = instance.bytes() ?? heapGrowth
  instance.dispose()
  return {
    name: contender.name,
    scenario,
    valuesPerSec: Math.round(n / (best / 1000)),
    bytesPerAgent: Math.round(bytes / agentCount),
    p99RelErr,
    p999RelErr,
    queryMicros,
  }
}

function argValue(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag)
  if (i < 0) return fallback
  const v = Number(args[i + 1])
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${flag} needs a positive integer`)
  return v
}

export const percentilesBenchmark: Benchmark = {
  name: 'percentiles',
  summary: 'record 10M lognormal latencies: ours vs hdr-histogram-js, DDSketch, tdigest, plain-JS log-linear',
  async run({ json, args }) {
    const n = argValue(args, '--values', 10_000_000)
    const seed = argValue(args, '--seed', 42)
    hdr.initWebAssemblySync()
    const values = lognormalValues(n, seed)
    const contenders: Contender[] = [
      ours('swarm-perf', false),
      ours('swarm-perf record()', true),
      hdrContender(true),
      hdrContender(false),
      ddsketchContender(),
      tdigestContender(),
      baseline(),
    ]
    const results: Result[] = []
    for (const scenario of scenarios) {
      const agentCount = scenario === 'single' ? 1 : 1000
      const agents = new Uint32Array(n)
      if (agentCount > 1) for (let i = 0; i < n; i++) agents[i] = i % agentCount
      const exact = exactQuantiles(agents, values, agentCount, scenario === 'window')
      for (const contender of contenders) {
        const started = performance.now()
        const result = await runScenario(contender, scenario, agents, values, exact)
        results.push(result)
        const seconds = ((performance.now() - started) / 1000).toFixed(1)
        if (!json) process.stderr.write(`  ${scenario} ${contender.name}: ${seconds} s\n`)
      }
    }
    if (!json) {
      process.stdout.write(
        `percentiles: ${n.toLocaleString('en-US')} lognormal values (median 100 ms, sigma 1.5, seed ${seed})\n\n`,
      )
      process.stdout.write(
        table(
          results.map((r) => ({
            scenario: r.scenario,
            name: r.name,
            'M values/s': r.valuesPerSec / 1e6,
            'bytes/agent': r.bytesPerAgent,
            'p99 err %': r.p99RelErr * 100,
            'p99.9 err %': r.p999RelErr * 100,
            'query µs': r.queryMicros,
          })),
        ),
      )
      process.stdout.write('\nours (recordBatch) values/s as a multiple of each peer, same run:\n')
      const ratioRows = scenarios.map((scenario) => {
        const row: Record<string, unknown> = { scenario }
        const ourRate = results.find((r) => r.scenario === scenario && r.name === 'swarm-perf')?.valuesPerSec ?? 0
        for (const r of results) {
          if (r.scenario === scenario && r.name !== 'swarm-perf') row[r.name] = ourRate / r.valuesPerSec
        }
        return row
      })
      process.stdout.write(table(ratioRows))
      process.stdout.write(`\nmachine: ${JSON.stringify(machine())}\n`)
    }
    return {
      machine: machine(),
      versions: versions(['hdr-histogram-js', '@datadog/sketches-js', 'tdigest']),
      results,
    }
  },
}
