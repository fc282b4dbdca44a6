import type { CliIo } from './command.js'
import { commands } from './commands/index.js'

function helpText(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4)
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)
  return [
    'swarm-perf: measured performance middleware for multi-agent swarm orchestrators',
    '',
    'Usage: swarm-perf <command> [options]',
    '',
    'Commands:',
    ...lines,
    `  ${'help'.padEnd(width)}  show this help, or a command's usage: swarm-perf help <command>`,
    '',
  ].join('\n')
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const target = rest[0] && commands.find((c) => c.name === rest[0])
    io.out(target ? `${target.usage.trimEnd()}\n` : helpText())
    return 0
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    io.err(`swarm-perf: unknown command '${name}'\n\n${helpText()}`)
    return 2
  }
  return command.run(rest, io)
}
