/**
 * `npm run bench -- <name> [--json] [options]`: runs one benchmark. A benchmark runs ours and its peers on the
 * same data in one process, prints a table (or, with --json, one JSON object on stdout) and reports ratios.
 */
import { benchmarks } from './index.js'

const [name, ...rest] = process.argv.slice(2)
const bench = benchmarks.find((b) => b.name === name)
if (!bench) {
  process.stderr.write(
    `usage: npm run bench -- <name> [--json]\nbenchmarks:\n${benchmarks.map((b) => `  ${b.name.padEnd(12)} ${b.summary}`).join('\n')}\n`,
  )
  process.exit(2)
}
const json = rest.includes('--json')
const result = await bench.run({ json, args: rest.filter((a) => a !== '--json') })
if (json) process.stdout.write(`${JSON.stringify(result)}\n`)
