import { readFileSync } from 'node:fs'
import { Option, type Command } from 'commander'
import { createCredits, type ImportRow } from '../../credits/create-credits.js'
import { TandemError } from '../../errors.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { BACKEND_NAMES, withDb, type BackendName } from '../open-db.js'

/** The rows of an import file: a JSON array, or JSON lines (one object a line; blank lines ignored). */
export function readImportRows(file: string): unknown[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new TandemError('VALIDATION', `credits import: ${e instanceof Error ? e.message : String(e)}`)
  }
  if (text.trimStart().startsWith('[')) {
    try {
      const rows: unknown = JSON.parse(text)
      if (Array.isArray(rows)) return rows
    } catch (e) {
      throw new TandemError('VALIDATION', `${file}: not a JSON array: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  return text.split('\n').flatMap((line, i) => {
    if (!line.trim()) return []
    try {
      return [JSON.parse(line) as unknown]
    } catch {
      throw new TandemError('VALIDATION', `${file}:${i + 1}: not a JSON line (expected { "userId": …, "balance": … })`)
    }
  })
}

/** `tandem credits import FILE`: opening balances from another system, one `import` ledger row per user. */
export const registerCredits: RegisterCommand = (program: Command) => {
  const credits = program.command('credits').description('the credits ledger (tandem-orm/credits)')
  credits
    .command('import')
    .description(
      'set opening balances: one ledger row (type import, amount = balanceAfter = balance) per user; users already imported, or with a balance or ledger history of their own, are skipped and listed',
    )
    .argument('<file>', 'JSON lines or a JSON array of { "userId": string, "balance": integer ≥ 0, "reason"?: string }')
    .addOption(
      new Option('-b, --backend <name>', "backend (default: the config's `backend`, else USE_SCYLLA)").choices(
        BACKEND_NAMES,
      ),
    )
    .option('--concurrency <n>', 'users imported at once (1-256)', (v) => Number(v), 16)
    .addHelpText(
      'after',
      "\nThe config's schema must include creditsSchema (tandem-orm/credits), pushed.\n" +
        'Every row is checked before anything is written. Exit codes: 0 done (skipped users are normal on a re-run), 2 bad input or error.',
    )
    .action(async (file: string, opts: { backend?: BackendName; concurrency: number }, command: Command) => {
      const loaded = await contextOf(command).config()
      const rows = readImportRows(file)
      await withDb(loaded, opts.backend, async (db) => {
        const result = await createCredits(db, { ttlMs: 0 }).import(rows as ImportRow[], {
          concurrency: opts.concurrency,
        })
        for (const s of result.skipped) process.stdout.write(`skipped ${JSON.stringify(s.userId)}: ${s.reason}\n`)
        process.stdout.write(
          `imported ${result.imported} of ${rows.length} users on ${db.$backend}, skipped ${result.skipped.length}\n`,
        )
      })
    })
}
