/** Shared by every benchmark: what machine and versions produced a figure, and how it is printed. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import os from 'node:os'

export function machine(): Record<string, string | number> {
  const cpus = os.cpus()
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  }
}

/** Installed versions of the named npm packages (read from their package.json, not from ours). */
export function versions(packages: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of ['swarm-perf', 'assemblyscript', ...packages]) {
    try {
      // Read node_modules directly: some packages (assemblyscript, the loader) do not export their package.json.
      const path = new URL(
        name === 'swarm-perf' ? '../package.json' : `../node_modules/${name}/package.json`,
        import.meta.url,
      )
      out[name] = JSON.parse(readFileSync(path, 'utf8')).version
    } catch {
      out[name] = 'not installed'
    }
  }
  return out
}

export function pythonVersion(module: string): string | null {
  try {
    return execFileSync('python3', ['-c', `import ${module}; print(${module}.__version__)`], {
      encoding: 'utf8',
    }).trim()
  } catch {
    return null
  }
}

/** A fixed-width table: numbers right-aligned, everything else left-aligned. */
export function table(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)\n'
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))]
  const cell = (v: unknown) =>
    typeof v === 'number' ? formatNumber(v) : v === null || v === undefined ? '-' : String(v)
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)))
  const line = (values: string[], numeric: boolean[]) =>
    values.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ')
  const numeric = columns.map((c) => rows.every((r) => typeof r[c] === 'number' || r[c] == null))
  return [
    line(columns, numeric),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) =>
      line(
        columns.map((c) => cell(r[c])),
        numeric,
      ),
    ),
  ]
    .join('\n')
    .concat('\n')
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return v.toLocaleString('en-US')
  const abs = Math.abs(v)
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US')
  if (abs >= 1) return v.toFixed(2)
  return v.toPrecision(3)
}

/** Best of `repeats` runs of `fn`, in milliseconds: the least disturbed run on a shared machine. */
export function bestOf(repeats: number, fn: () => void): number {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now()
    fn()
    best = Math.min(best, performance.now() - t0)
  }
  return best
}
