import type { Command } from 'commander'
import { TandemError } from '../../errors.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'

/** `tandem check --shapes FILE`: which recorded call shapes the ScyllaDB layout would refuse. */
export const registerCheck: RegisterCommand = (program: Command) => {
  program
    .command('check')
    .description(
      "re-plan recorded call shapes against the config's ScyllaDB layout (no connection) and report each one ScyllaDB would refuse, with the index or layout that would serve it",
    )
    .requiredOption(
      '-s, --shapes <file>',
      'call shapes recorded by createDb({ recordShapes: FILE }) or TANDEM_RECORD_SHAPES=FILE (JSON lines)',
    )
    .addHelpText('after', '\nExit codes: 0 every shape is served, 1 some are refused, 2 error.')
    .action(async (opts: { shapes: string }, command: Command) => {
      await contextOf(command).config()
      throw new TandemError('VALIDATION', `check --shapes ${opts.shapes}: not built yet`)
    })
}
