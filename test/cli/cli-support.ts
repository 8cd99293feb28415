// Runs the `tandem` CLI as a child process (the TypeScript entry through tsx, so no build is needed) and
// lays out throwaway projects (a tandem.config.ts and a TypeScript schema) in a temp directory.
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import postgres from 'postgres'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN_TS = join(ROOT, 'src/cli/bin.ts')
const TSX = import.meta.resolve('tsx')

/** The PostgreSQL database and ScyllaDB keyspace the CLI tests own (created here, never the shared tandem_test). */
export const CLI_DB = 'tandem_cli'

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `node --import tsx src/cli/bin.ts ...args` (or `entry` with plain node) in `cwd`, with env overrides. */
export function runCli(
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; entry?: string; timeoutMs?: number } = {},
): Promise<CliRun> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...process.env, ...options.env })) if (v !== undefined) env[k] = v
  delete env.TANDEM_RECORD_SHAPES
  const argv = options.entry ? [options.entry, ...args] : ['--import', TSX, BIN_TS, ...args]
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, argv, { cwd: options.cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolvePromise({ code, stdout, stderr })
    })
  })
}

/** The PostgreSQL URL of the CLI tests' own database. */
export function cliUrl(): string {
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${CLI_DB}`
  return url.toString()
}

/** Creates the CLI tests' PostgreSQL database if it is missing. */
export async function ensureCliDatabase(): Promise<void> {
  const sql = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
  try {
    const found = await sql`select 1 from pg_database where datname = ${CLI_DB}`
    if (found.length === 0) await sql.unsafe(`create database ${CLI_DB} template template0 encoding 'UTF8'`)
  } finally {
    await sql.end()
  }
}

/** Runs SQL on the CLI tests' database. */
export async function cliSql<T>(fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(cliUrl(), { max: 1, onnotice: () => {} })
  try {
    return await fn(sql)
  } finally {
    await sql.end()
  }
}

/** Links a package into the temp projects' shared node_modules (kept between runs; another run may race us). */
function link(modules: string, name: string, target: string): void {
  try {
    symlinkSync(target, join(modules, name), 'dir')
  } catch (e) {
    if ((e as { code?: string }).code !== 'EEXIST') throw e
  }
}

/**
 * A throwaway project: `files` (path → text) written under a fresh directory inside one parent whose
 * node_modules links this repository's drizzle-orm and the package itself as `tandem-orm`, so both resolve
 * as in an application that installed them. The projects have no node_modules of their own, so jiti keeps
 * its transpile cache in the OS temp dir, shared by every project (a second load takes ~2 s instead of ~6).
 */
export function tempProject(files: Record<string, string>): { dir: string; remove: () => void } {
  // one parent per checkout: its links point at this checkout
  const parent = join(tmpdir(), `tandem-cli-tests-${createHash('sha1').update(ROOT).digest('hex').slice(0, 8)}`)
  const modules = join(parent, 'node_modules')
  mkdirSync(modules, { recursive: true })
  link(modules, 'drizzle-orm', realpathSync(join(ROOT, 'node_modules/drizzle-orm')))
  link(modules, 'tandem-orm', ROOT)
  const dir = mkdtempSync(join(parent, 'app-'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), text)
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

/** Import specifiers of this repository's sources, for the temp projects' files. */
export const TANDEM = pathToFileURL(join(ROOT, 'src/index.ts')).href
export const TANDEM_CREDITS = pathToFileURL(join(ROOT, 'src/credits/index.ts')).href

/**
 * The temp projects' schema: an enum in a sibling TypeScript module imported with a `.js` suffix (as tsc's
 * NodeNext wants), two related tables, and the credits models.
 */
export const APP_SCHEMA = {
  'src/db/enums.ts': `import { pgEnum } from 'drizzle-orm/pg-core'
export const cliRole = pgEnum('cli_role', ['admin', 'member'])
export type CliRole = (typeof cliRole.enumValues)[number]
`,
  'src/db/schema.ts': `import { relations } from 'drizzle-orm'
import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { creditsSchema } from '${TANDEM_CREDITS}'
import { cliRole, type CliRole } from './enums.js'

export { cliRole }
export const { creditTransactionType, userCredits, creditTransactions } = creditsSchema
const member: CliRole = 'member'

export const cliUser = pgTable('cli_user', {
  id: uuid('id').primaryKey().defaultRandom(),
  email: text('email').notNull().unique(),
  name: text('name'),
  role: cliRole('role').notNull().default(member),
  age: integer('age'),
})

export const cliPost = pgTable(
  'cli_post',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    authorId: uuid('author_id').notNull().references(() => cliUser.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    status: text('status').notNull().default('draft'),
    createdAt: timestamp('created_at').notNull().defaultNow(),
  },
  (t) => [index('cli_post_status_idx').on(t.status)],
)

export const cliUserRelations = relations(cliUser, ({ many }) => ({ posts: many(cliPost) }))
export const cliPostRelations = relations(cliPost, ({ one }) => ({
  author: one(cliUser, { fields: [cliPost.authorId], references: [cliUser.id] }),
}))
`,
}

/** A tandem.config.ts for the temp project: the CLI tests' own database and keyspace. */
export function appConfig(extra = ''): string {
  return `import { defineConfig } from '${TANDEM}'
export default defineConfig({
  schema: './src/db/schema.ts',
  postgres: { url: ${JSON.stringify(cliUrl())} },
  scylla: { keyspace: '${CLI_DB}' },${extra}
})
`
}

/** Drops the CLI tests' keyspace, so push starts from nothing (ScyllaDB push never drops or alters). */
export async function dropCliKeyspace(): Promise<void> {
  const { default: cassandra } = await import('cassandra-driver')
  const client = new cassandra.Client({
    contactPoints: (process.env.SCYLLA_HOSTS ?? '127.0.0.1:9042').split(','),
    localDataCenter: process.env.SCYLLA_DATACENTER ?? 'datacenter1',
  })
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${CLI_DB}`)
  } finally {
    await client.shutdown()
  }
}
