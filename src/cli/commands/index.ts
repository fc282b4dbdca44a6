import type { CliCommand } from '../command.js'
import { assign } from './assign.js'

/** Every CLI command, in the order the help lists them. Add a command: one file, one line here. */
export const commands: CliCommand[] = [assign]
