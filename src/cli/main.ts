#!/usr/bin/env node
// The `swarm-perf` binary: wires the process to the CLI, nothing else.
import type { CliIo } from './command.js'
import { main } from './run-cli.js'

const controller = new AbortController()
process.once('SIGINT', () => controller.abort())
const io: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  signal: controller.signal,
}
main(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`swarm-perf: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = 1
  },
)
