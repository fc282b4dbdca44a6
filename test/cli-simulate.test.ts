import { describe, expect, it } from 'vitest'
import type { CliIo } from '../src/cli/command.js'
import { compare } from '../src/cli/commands/compare.js'
import { simulate } from '../src/cli/commands/simulate.js'
import { summarizeRun } from '../src/sim/compare-strategies.js'
import { runScenario } from '../src/sim/run-scenario.js'

function io(): CliIo & { stdout: () => string; stderr: () => string } {
  let out = ''
  let err = ''
  return {
    out: (text) => {
      out += text
    },
    err: (text) => {
      err += text
    },
    signal: new AbortController().signal,
    stdout: () => out,
    stderr: () => err,
  }
}

describe('swarm-perf simulate and compare', () => {
  it('simulate prints the issue fields, and --place-every-ms places between ticks', async () => {
    const ticks = io()
    expect(await simulate.run(['--scenario', 'medium', '--json'], ticks)).toBe(0)
    const atTicks = JSON.parse(ticks.stdout())
    expect(Object.keys(atTicks)).toEqual([
      'scenario',
      'strategy',
      'seed',
      'efficiency',
      'makespanMs',
      'lowerBoundMs',
      'responseMs',
      'throughputPerMin',
      'tasksCompleted',
      'tasksLost',
      'tasksDuplicated',
      'reassignments',
    ])
    const often = io()
    expect(await simulate.run(['--scenario', 'medium', '--json', '--place-every-ms', '100'], often)).toBe(0)
    const between = JSON.parse(often.stdout())
    expect(between).toEqual(summarizeRun(runScenario({ scenario: 'medium', strategy: 'optimal', placeEveryMs: 100 })))
    // Placing every 100 ms, a task waits less for its agent than with placement once a second.
    expect(between.responseMs.p50).toBeLessThan(atTicks.responseMs.p50)
  })

  it('rejects a --place-every-ms that is not a positive number, with exit code 2', async () => {
    for (const bad of ['0', '-5', 'soon']) {
      const out = io()
      expect(await simulate.run(['--scenario', 'heavy', `--place-every-ms=${bad}`], out)).toBe(2)
      expect(out.stderr()).toContain(`--place-every-ms must be a positive number of ms, got '${bad}'`)
      const cmp = io()
      expect(await compare.run(['--scenario', 'heavy', `--place-every-ms=${bad}`], cmp)).toBe(2)
    }
  })

  it('compare runs every strategy with and without the rebalancer at the same placement interval', async () => {
    const out = io()
    expect(await compare.run(['--scenario', 'light', '--json', '--place-every-ms', '250'], out)).toBe(0)
    const { runs } = JSON.parse(out.stdout())
    expect(runs).toHaveLength(10)
    const optimal = runs.find(
      (r: { strategy: string; rebalancer: boolean }) => r.strategy === 'optimal' && r.rebalancer,
    )
    const { wallMs: _wallMs, ...expected } = {
      ...summarizeRun(runScenario({ scenario: 'light', strategy: 'optimal', placeEveryMs: 250 })),
      rebalancer: true,
      wallMs: 0,
    }
    expect(optimal).toEqual(expected)
  })
})
