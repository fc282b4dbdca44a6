/** One CLI command: a file in src/cli/commands/, registered in src/cli/commands/index.ts. */
export interface CliCommand {
  name: string
  /** One line for the help listing. */
  summary: string
  /** Usage and options, printed by `swarm-perf help <name>`. */
  usage: string
  /** Returns the process exit code: 0 ok, 1 failure, 2 bad usage or unreadable input. */
  run(argv: string[], io: CliIo): Promise<number>
}

export interface CliIo {
  out(text: string): void
  err(text: string): void
  /** Aborted on SIGINT so long-running commands end cleanly with what they have. */
  signal: AbortSignal
}

/** Bad usage: say what is wrong and how to call the command, exit code 2. */
export function usageError(io: CliIo, command: string, message: string, usage: string): number {
  io.err(`swarm-perf ${command}: ${message}\n\n${usage}`)
  return 2
}
