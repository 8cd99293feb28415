import type { Command } from 'commander'
import { Option } from 'commander'
import { TandemError } from '../../errors.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { BACKEND_NAMES, type BackendName } from '../open-db.js'

/** `tandem credits import FILE`: opening balances from another system, one `import` ledger row per user. */
export const registerCredits: RegisterCommand = (program: Command) => {
  const credits = program.command('credits').description('the credits ledger (tandem-orm/credits)')
  credits
    .command('import')
    .description(
      'set opening balances: one ledger row (type import) per user; users already imported or with a balance are skipped',
    )
    .argument('<file>', 'JSON lines or a JSON array of { userId, balance, reason? }')
    .addOption(
      new Option('-b, --backend <name>', "backend (default: the config's `backend`, else USE_SCYLLA)").choices(
        BACKEND_NAMES,
      ),
    )
    .addHelpText('after', '\nExit codes: 0 done (skipped users are normal on a re-run), 2 bad input or error.')
    .action(async (file: string, opts: { backend?: BackendName }, command: Command) => {
      await contextOf(command).config()
      throw new TandemError('VALIDATION', `credits import ${file} (${opts.backend ?? 'default'}): not built yet`)
    })
}
