import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)
const root = new URL('../', import.meta.url)

/** Run an example as a user would and read the summary it prints last. */
async function runExample(file: string) {
  const { stdout } = await run('npx', ['tsx', `examples/${file}`], { cwd: root, timeout: 120_000 })
  const lines = stdout.trim().split('\n')
  return { lines, summary: JSON.parse(lines.at(-1)!) }
}

describe('examples', () => {
  it('has one runnable file per host', () => {
    expect(readdirSync(new URL('examples/', root)).sort()).toEqual([
      'claude-flow-bus.ts',
      'claude-flow-swarm.ts',
      'ruv-swarm.ts',
    ])
  })

  it('claude-flow-swarm.ts: the monitor places the queued tasks and counts what the coordinator counts', async () => {
    const { lines, summary } = await runExample('claude-flow-swarm.ts')
    expect(summary).toMatchObject({
      host: 'claude-flow-swarm',
      submitted: 40,
      tasksCompleted: summary.coordinatorCompleted,
    })
    expect(summary.coordinatorCompleted + summary.coordinatorFailed).toBe(40)
    expect(summary.tasksFailed).toBe(summary.coordinatorFailed + summary.coordinatorRetries)
    expect(summary.placements).toBeGreaterThan(0)
    expect(lines.some((l) => l.startsWith('placement '))).toBe(true)
    expect(lines.some((l) => l.startsWith('error '))).toBe(false)
  })

  it('claude-flow-bus.ts: the monitor assigns and moves tasks through the TaskManager', async () => {
    const { lines, summary } = await runExample('claude-flow-bus.ts')
    expect(summary).toMatchObject({
      host: 'claude-flow-bus',
      submitted: 40,
      taskManagerCompleted: 40,
      tasksCompleted: 40,
    })
    expect(summary.reassignments).toBeGreaterThan(0)
    expect(lines.some((l) => l.startsWith('place ') || l.startsWith('move '))).toBe(true)
    expect(lines.some((l) => l.startsWith('error '))).toBe(false)
  })

  it('ruv-swarm.ts: a host-supplied apply callback takes the placements', async () => {
    const { lines, summary } = await runExample('ruv-swarm.ts')
    expect(summary).toMatchObject({ host: 'ruv-swarm-emitter', submitted: 40 })
    expect(summary.tasksCompleted + summary.tasksFailed).toBe(40)
    expect(summary.placements).toBeGreaterThan(0)
    expect(lines.some((l) => l.startsWith('error '))).toBe(false)
  })
})
