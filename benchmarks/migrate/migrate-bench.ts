// The migrate benchmark: tandem's `migrate()` (tandem-migrate.ts) beside a hand-written cassandra-driver loader
// (hand-loader.ts) copying the same PostgreSQL rows (the benchmark database's chat tables, as seeded) into the
// same Cassandra tables with the same lookup entries, at the same concurrency. Each run is a child process (so
// its peak RSS is its own) into an emptied keyspace `<keyspace>_migrate`; runs alternate between the two; after
// each run every table's row count is compared with the first run's, so both must write exactly the same rows.
import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import cassandra from 'cassandra-driver'
import { createDb } from '../tandem.js'
import { chatSchema, layout } from '../schema.js'
import type { MigrateRow } from '../types.js'

const here = dirname(fileURLToPath(import.meta.url))
const IMPLS = { tandem: 'tandem-migrate.ts', 'cassandra-driver loader': 'hand-loader.ts' } as const

export interface MigrateBenchEnv {
  pgUrl: string
  hosts: string[]
  dataCenter: string
  /** the target keyspace (created here, emptied before each run) */
  keyspace: string
  concurrency: number
  log: (line: string) => void
}

/** Creates the target keyspace and tables (tandem's layout, what `tandem push` creates). */
export async function prepareMigrateTarget(env: MigrateBenchEnv): Promise<void> {
  const db = createDb({
    schema: chatSchema,
    backend: 'scylla',
    scylla: { contactPoints: env.hosts, localDataCenter: env.dataCenter, keyspace: env.keyspace },
    layout: layout as never,
  })
  try {
    await db.$push()
  } finally {
    await db.$disconnect()
  }
}

/** `rounds` runs of each implementation, alternating (the first one rotates), every run on an emptied target. */
export async function measureMigrate(env: MigrateBenchEnv, label: string, rounds: number): Promise<MigrateRow[]> {
  const cql = new cassandra.Client({ contactPoints: env.hosts, localDataCenter: env.dataCenter })
  const rows: MigrateRow[] = []
  let expected: Map<string, number> | undefined
  try {
    // listed before every run: tandem adds its checkpoint table (tandem_meta) on its first run
    const tablesNow = async () =>
      (
        await cql.execute('SELECT table_name FROM system_schema.tables WHERE keyspace_name = ?', [env.keyspace])
      ).rows.map((r) => r['table_name'] as string)
    const names = Object.keys(IMPLS) as (keyof typeof IMPLS)[]
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < names.length; i++) {
        const impl = names[(i + round) % names.length]!
        const tables = await tablesNow()
        for (const t of tables) await cql.execute(`TRUNCATE "${env.keyspace}"."${t}"`, [], { readTimeout: 120_000 })
        env.log(`migrate ${label} round ${round + 1}/${rounds}: ${impl}`)
        const r = await runChild(IMPLS[impl], env)
        const counts = await countRows(
          cql,
          env.keyspace,
          tables.filter((t) => t !== 'tandem_meta'),
        )
        expected ??= counts
        const differ = [...expected].filter(([t, n]) => counts.get(t) !== n)
        if (differ.length)
          throw new Error(
            `${impl} wrote different rows: ${differ.map(([t, n]) => `${t} ${counts.get(t)} (expected ${n})`).join(', ')}`,
          )
        rows.push({
          label,
          impl,
          round: round + 1,
          concurrency: env.concurrency,
          rows: r.rows,
          seconds: Math.round(r.seconds * 100) / 100,
          rowsPerSec: Math.round(r.rows / r.seconds),
          peakRssMiB: Math.round(r.peakRssMiB),
        })
        env.log(
          `  ${r.rows} rows in ${r.seconds.toFixed(1)} s: ${Math.round(r.rows / r.seconds)} rows/s, peak RSS ${Math.round(r.peakRssMiB)} MiB`,
        )
      }
    }
  } finally {
    await cql.shutdown()
  }
  return rows
}

async function countRows(cql: cassandra.Client, keyspace: string, tables: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  for (const t of tables) {
    // a paged scan of the keys: count(*) over a million rows can outlast the read timeout on 2 cores
    let n = 0
    let pageState: string | undefined
    do {
      const r = await cql.execute(`SELECT * FROM "${keyspace}"."${t}"`, [], {
        fetchSize: 5000,
        pageState,
        readTimeout: 120_000,
      })
      n += r.rowLength
      pageState = r.pageState ?? undefined
    } while (pageState)
    out.set(t, n)
  }
  return out
}

function runChild(file: string, env: MigrateBenchEnv): Promise<{ rows: number; seconds: number; peakRssMiB: number }> {
  const args = [
    '--import',
    'tsx',
    join(here, file),
    `--pg=${env.pgUrl}`,
    `--hosts=${env.hosts.join(',')}`,
    `--dc=${env.dataCenter}`,
    `--keyspace=${env.keyspace}`,
    `--concurrency=${env.concurrency}`,
  ]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (err += d))
    child.on('error', reject)
    child.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? ''
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`${file} exited ${code}: ${err.trim().slice(-2000)}`))
      else resolve(JSON.parse(last) as { rows: number; seconds: number; peakRssMiB: number })
    })
  })
}
