import { Option, type Command } from 'commander'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { BACKEND_NAMES, dbFor, withDb, type BackendName } from '../open-db.js'

/** `tandem push [--backend B]`: db.$push() for the config's schema. */
export const registerPush: RegisterCommand = (program: Command) => {
  program
    .command('push')
    .description(
      "create what the backend needs for the config's schema (tables, types, keyspace, lookup tables); idempotent, never drops anything",
    )
    .addOption(
      new Option(
        '-b, --backend <name>',
        "backend to push to (default: the config's `backend`, else USE_SCYLLA)",
      ).choices(BACKEND_NAMES),
    )
    .option('--dry-run', 'print the DDL that would run, without connecting')
    .action(async (opts: { backend?: BackendName; dryRun?: boolean }, command: Command) => {
      const loaded = await contextOf(command).config()
      if (opts.dryRun) {
        const db = dbFor(loaded, opts.backend)
        try {
          for (const stmt of db.$ddl()) process.stdout.write(`${stmt};\n`)
        } finally {
          await db.$disconnect()
        }
        return
      }
      // what $push decided about the keyspace (ScyllaDB tablets) is printed, unless the config has its own
      // logger or a start-up fallback (whose warning goes to stderr only when no logger is set)
      const scylla = loaded.config.scylla ?? {}
      const logger =
        scylla.logger ??
        ((_level: string, message: string) => {
          // only $push's own notes: driver warnings stay out of the CLI's one-line error contract
          if (message.startsWith('$push: ')) process.stdout.write(`${message.slice('$push: '.length)}\n`)
        })
      const withNotes = loaded.config.fallback
        ? loaded
        : { ...loaded, config: { ...loaded.config, scylla: { ...scylla, logger } } }
      await withDb(withNotes, opts.backend, async (db) => {
        await db.$push()
        process.stdout.write(`pushed ${db.$backend}: ${db.$ddl().length} statements (existing objects kept)\n`)
      })
    })
}
