// Every `tandem` command, in the order `tandem --help` lists them. A new command is one file in this folder
// exporting a RegisterCommand, and one line here.
import type { RegisterCommand } from '../cli-context.js'
import { registerCheck } from './check.js'
import { registerCredits } from './credits.js'
import { registerDb } from './db.js'
import { registerPush } from './push.js'
import { registerMigrate } from './migrate.js'
import { registerVerify } from './verify.js'
import { registerSync } from './sync.js'
import { registerDual } from './dual.js'
import { registerTypes } from './types.js'

export const commands: readonly RegisterCommand[] = [
  registerDb,
  registerPush,
  registerCheck,
  registerMigrate,
  registerVerify,
  registerSync,
  registerCredits,
  registerDual,
  registerTypes,
]
