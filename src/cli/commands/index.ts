import type { CliCommand } from '../command.js'

/** Every CLI command, in the order the help lists them. Add a command: one file, one line here. */
export const commands: CliCommand[] = []
