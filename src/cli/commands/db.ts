import type { Command } from 'commander'
import { TandemError } from '../../errors.js'
import type { RegisterCommand } from '../cli-context.js'

/** scripts/db.mjs as the package ships it (in "files"): three levels up from src/cli/commands and dist/cli/commands. */
const DB_SCRIPT = new URL('../../../scripts/db.mjs', import.meta.url)

interface DbScript {
  up(options?: { secure?: boolean }): Promise<Record<string, string>>
  down(): Promise<void>
  shellValue(value: string): string
}

async function dbScript(): Promise<DbScript> {
  return (await import(DB_SCRIPT.href)) as DbScript
}

/** What the script throws (a server that did not start, a missing PostgreSQL or Java) as one coded error. */
function unavailable(action: string, e: unknown): TandemError {
  if (e instanceof TandemError) return e
  return new TandemError('BACKEND_UNAVAILABLE', `db ${action}: ${e instanceof Error ? e.message : String(e)}`, {
    cause: e,
  })
}

/** `tandem db up|down`: the local PostgreSQL 15 and Cassandra 5 of `npm run db:up` / `db:down`. */
export const registerDb: RegisterCommand = (program: Command) => {
  const db = program
    .command('db')
    .description('start or stop local test databases (PostgreSQL 15 and Cassandra 5, the CQL stand-in for ScyllaDB)')

  db.command('up')
    .description(
      'start (or reuse) both databases; stdout gets only DATABASE_URL, SCYLLA_HOSTS and SCYLLA_DATACENTER lines, progress goes to stderr',
    )
    .option(
      '--secure',
      'a Cassandra node that requires password authentication and TLS (127.0.0.5:9042, with a CA it generates) instead of the plain one; also prints SCYLLA_USERNAME, SCYLLA_PASSWORD, SCYLLA_TLS_CA',
    )
    .addHelpText('after', '\nExample: set -a; eval "$(npx tandem db up --secure)"; set +a')
    .action(async (flags: { secure?: boolean }) => {
      const script = await dbScript()
      let env: Record<string, string>
      try {
        env = await script.up({ secure: flags.secure === true })
      } catch (e) {
        throw unavailable('up', e)
      }
      for (const [key, value] of Object.entries(env)) process.stdout.write(`${key}=${script.shellValue(value)}\n`)
    })

  db.command('down')
    .description('stop the databases `tandem db up` started (idempotent)')
    .action(async () => {
      const script = await dbScript()
      try {
        await script.down()
      } catch (e) {
        throw unavailable('down', e)
      }
    })
}
