import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

// Kernels disposed but still referenced (a host that keeps its disposed sessions): before, each kept its WASM
// memory alive through the views and raw exports its methods close over (about 19 MB a percentile engine of 4096
// agents, 4 MB a scoring arena), so 20 of each held about 380 and 90 MB. Measured in a child process with --expose-gc, on the
// built dist (npm test builds it first).
const script = `
const { createHistogramKernel, createScoringKernel } = await import(process.argv[1])
const rss = () => { globalThis.gc(); globalThis.gc(); return process.memoryUsage().rss }
const kept = []
const grew = (make) => {
  const before = rss()
  for (let i = 0; i < 20; i++) kept.push(make())
  return (rss() - before) / 2 ** 20
}
const histogramsMb = grew(() => {
  const h = createHistogramKernel({ mantissaBits: 7, minValueMs: 0.001, maxValueMs: 1e9, slots: 6, capacity: 4096 })
  for (let a = 0; a < 4096; a++) h.record(a, 5 + a)
  h.dispose()
  return h
})
const scoringMb = grew(() => {
  const s = createScoringKernel(4096, 32)
  s.dispose()
  return s
})
console.log(JSON.stringify({ histogramsMb, scoringMb, kept: kept.length }))
`

describe('a disposed kernel', () => {
  it('lets its WASM memory go even while the kernel object is still referenced', async () => {
    const kernel = new URL('../dist/wasm/kernel.js', import.meta.url).href
    const { stdout } = await run('node', ['--expose-gc', '--input-type=module', '-e', script, kernel])
    const { histogramsMb, scoringMb, kept } = JSON.parse(stdout)
    expect(kept).toBe(40)
    // Kept alive: about 380 MB for the histograms, 90 MB for the scoring arenas; let go: a few MB each.
    expect(histogramsMb).toBeLessThan(60)
    expect(scoringMb).toBeLessThan(30)
  })
})
