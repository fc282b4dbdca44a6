import type { CliCommand } from '../command.js'
import { assign } from './assign.js'
import { compare } from './compare.js'
import { demo } from './demo.js'
import { exportCommand } from './export.js'
import { report } from './report.js'
import { serve } from './serve.js'
import { simulate } from './simulate.js'

/** Every CLI command, in the order the help lists them. Add a command: one file, one line here. */
export const commands: CliCommand[] = [report, assign, exportCommand, serve, simulate, compare, demo]
