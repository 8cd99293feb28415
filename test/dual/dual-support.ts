// Dual-mode test support: a PostgreSQL server of the test's own (so the fault tests may kill -9 it without
// disturbing other test files; the shared Cassandra node is never stopped), clients on named databases,
// and a row-by-row comparison of both databases.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import postgres from 'postgres'
import { ensureTraversable, findPgBin, osIds, pgOsUser, pidAlive, readPid, run } from '../../scripts/db.mjs'
import { createDb, type DualDb, type DualOptions } from '../../src/index.js'
import { backendOf } from '../../src/create-db.js'
import { keyText, type RowStore } from '../../src/move/row-store.js'
import { rowText } from '../../src/dual/shadow-compare.js'
import * as schema from '../support/schema.js'
import type { TestSchema } from '../support/backends.js'

const { layout, ...models } = schema
export type DualTestDb = DualDb<TestSchema>

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..')

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as net.AddressInfo).port
  await new Promise((r) => server.close(r))
  return port
}

/** A PostgreSQL 15 of its own under .local/, on a free port, with trust auth on 127.0.0.1. */
export class OwnPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly bin: string,
    private readonly user: string | null,
  ) {}

  static async start(): Promise<OwnPostgres> {
    const bin = findPgBin()
    if (!bin) throw new Error('PostgreSQL server binaries not found (npm run db:up installs them)')
    const user = await pgOsUser()
    const dir = path.join(ROOT, '.local', `dual-pg-${process.pid}`)
    fs.rmSync(dir, { recursive: true, force: true })
    fs.mkdirSync(path.join(dir, 'data'), { recursive: true, mode: 0o700 })
    fs.mkdirSync(path.join(dir, 'run'), { recursive: true })
    if (user) {
      const ids = await osIds(user)
      ensureTraversable(dir)
      for (const d of [dir, path.join(dir, 'data'), path.join(dir, 'run')]) fs.chownSync(d, ids.uid, ids.gid)
    }
    const port = await freePort()
    const init = await run(
      path.join(bin, 'initdb'),
      ['-D', path.join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
      { user, quiet: true },
    )
    if (init.code !== 0) throw new Error(`initdb failed: ${init.out}`)
    const conf = {
      listen_addresses: `'127.0.0.1'`,
      port,
      unix_socket_directories: `'${path.join(dir, 'run')}'`,
      max_connections: 100,
      // fsync off is safe against kill -9 (the OS keeps what was written); synchronous_commit stays on, or a
      // kill -9 would lose transactions already acknowledged
      fsync: 'off',
      full_page_writes: 'off',
      timezone: `'UTC'`,
    }
    fs.appendFileSync(
      path.join(dir, 'data', 'postgresql.conf'),
      '\n' +
        Object.entries(conf)
          .map(([k, v]) => `${k} = ${v}`)
          .join('\n') +
        '\n',
    )
    const pg = new OwnPostgres(dir, port, bin, user)
    await pg.resume()
    return pg
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`
  }

  async createDatabase(name: string): Promise<string> {
    const admin = postgres(this.url(), { max: 1, onnotice: () => {} })
    try {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`)
    } finally {
      await admin.end()
    }
    return this.url(name)
  }

  /** Starts (again) the server; after a kill -9 its backends may hold the shared memory a moment. */
  async resume(): Promise<void> {
    let last = ''
    for (let attempt = 0; attempt < 40; attempt++) {
      const r = await run(
        path.join(this.bin, 'pg_ctl'),
        ['start', '-D', path.join(this.dir, 'data'), '-l', path.join(this.dir, 'log'), '-w', '-t', '30', '-s'],
        { user: this.user, quiet: true },
      )
      if (r.code === 0) return
      last = r.out
      await new Promise((res) => setTimeout(res, 250))
    }
    throw new Error(`pg_ctl start failed: ${last}\n${fs.readFileSync(path.join(this.dir, 'log'), 'utf8').slice(-2000)}`)
  }

  /** kill -9 of the postmaster (its backends notice and exit on their own). */
  kill9(): void {
    const pid = readPid(path.join(this.dir, 'data', 'postmaster.pid'))
    if (pidAlive(pid)) process.kill(pid, 'SIGKILL')
  }

  async stop(): Promise<void> {
    await run(path.join(this.bin, 'pg_ctl'), ['stop', '-D', path.join(this.dir, 'data'), '-m', 'immediate', '-s'], {
      user: this.user,
      quiet: true,
    })
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

/** A dual client on the given PostgreSQL URL and keyspace, both pushed. */
export async function openDual(postgresUrl: string, keyspace: string, dual: DualOptions): Promise<DualTestDb> {
  const db = createDb({
    schema: models,
    backend: 'dual',
    // a dead PostgreSQL holds a call for the connect timeout: short, so the fault tests move fast
    postgres: { url: postgresUrl, connectTimeoutMs: 1500 },
    scylla: { keyspace },
    layout: layout as never,
    dual: { logger: () => {}, ...dual },
  })
  await db.$push()
  return db
}

/** A single-backend client on the same databases (writes behind dual mode's back). */
export function openSingle(backend: 'postgres' | 'scylla', postgresUrl: string, keyspace: string) {
  return createDb({
    schema: models,
    backend,
    postgres: { url: postgresUrl },
    scylla: { keyspace },
    layout: layout as never,
  })
}

export function storeOf(db: object): RowStore {
  return backendOf(db).store
}

/** Every row of `model` in a store, by key text. */
export async function allRows(store: RowStore, model: string): Promise<Map<string, string>> {
  const m = store.schema.models.get(model)!
  const out = new Map<string, string>()
  let cursor: string | undefined
  do {
    const page = await store.scan(m, cursor, 1000)
    for (const r of page.rows) out.set(keyText(m, r), rowText(m, r))
    cursor = page.next
  } while (cursor !== undefined)
  return out
}

/** The differences between two stores' rows of `model`: keys on one side only, or with other values. */
export async function differences(a: RowStore, b: RowStore, model: string): Promise<string[]> {
  const [ra, rb] = await Promise.all([allRows(a, model), allRows(b, model)])
  const out: string[] = []
  for (const [k, v] of ra) if (rb.get(k) !== v) out.push(`${model} ${k}: ${a.kind} ${v} / ${b.kind} ${rb.get(k)}`)
  for (const k of rb.keys()) if (!ra.has(k)) out.push(`${model} ${k}: only on ${b.kind}`)
  return out
}

/** Polls `check` every 25 ms until it returns true, or fails after `ms` with `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

export const MODELS = models

/** A fresh PostgreSQL database on the shared server and a dropped keyspace, for one test file. */
export async function freshShared(name: string): Promise<string> {
  const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    await admin.unsafe(
      `CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`,
    )
  } finally {
    await admin.end()
  }
  await dropKeyspace(name)
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${name}`
  return url.toString()
}

export async function dropKeyspace(name: string): Promise<void> {
  const { default: cassandra } = await import('cassandra-driver')
  const client = new cassandra.Client({
    contactPoints: process.env.SCYLLA_HOSTS!.split(','),
    localDataCenter: process.env.SCYLLA_DATACENTER ?? 'datacenter1',
  })
  try {
    await client.execute(`DROP KEYSPACE IF EXISTS ${name}`, [], { readTimeout: 60_000 })
  } finally {
    await client.shutdown()
  }
}

/**
 * What a write load had acknowledged: per row, the last value its worker saw acknowledged (each worker
 * owns its rows, so the last acknowledged write of a row is its final state), and the rows deleted.
 */
export interface Acked {
  /** profile id → name */
  readonly profiles: Map<string, string>
  /** sample id → count (increments acknowledged) */
  readonly samples: Map<string, number>
  /** server id → its profile id */
  readonly servers: Map<string, string>
  readonly deletedProfiles: Set<string>
  /** rows whose write failed: it may or may not have applied, so they are left out of the checks */
  readonly uncertain: Set<string>
  /** writes that failed (not acknowledged: nothing is expected of them) */
  failed: number
  done: number
}

export function newAcked(): Acked {
  return {
    profiles: new Map(),
    samples: new Map(),
    servers: new Map(),
    deletedProfiles: new Set(),
    uncertain: new Set(),
    failed: 0,
    done: 0,
  }
}

/**
 * A concurrent write load (creates, updates, increments, deletes that cascade) with reads, `workers` at
 * once until `stop()` resolves true. Each worker owns its rows. Errors of a write are counted, not thrown.
 */
export async function writeLoad(
  db: DualTestDb,
  tag: string,
  acked: Acked,
  stop: () => boolean,
  workers = 4,
): Promise<void> {
  const work = async (w: number) => {
    const mine: { profiles: string[]; samples: string[] } = { profiles: [], samples: [] }
    for (let i = 0; !stop(); i++) {
      const step = i % 8
      // the row this step changes, if any: when the write fails it may still have applied, so the row is
      // left out of the checks (and alone from then on)
      let touching: { id: string; list: string[] } | undefined
      try {
        if (step === 0 || mine.profiles.length === 0) {
          const p = await db.profile.create({ data: { userId: `${tag}-${w}-${i}`, name: `p${i}` } })
          acked.profiles.set(p.id, p.name)
          mine.profiles.push(p.id)
        } else if (step === 1 || mine.samples.length === 0) {
          const s = await db.sample.create({ data: { group: tag, label: `${w}-${i}`, count: 0, price: '1.50' } })
          acked.samples.set(s.id, s.count)
          mine.samples.push(s.id)
        } else if (step === 2 || step === 5) {
          const id = mine.samples[i % mine.samples.length]!
          touching = { id, list: mine.samples }
          const s = await db.sample.update({ where: { id }, data: { count: { increment: 1 } } })
          acked.samples.set(id, s.count)
        } else if (step === 3 || step === 6) {
          const id = mine.profiles[i % mine.profiles.length]!
          touching = { id, list: mine.profiles }
          const p = await db.profile.update({ where: { id }, data: { name: `n${w}-${i}` } })
          acked.profiles.set(id, p.name)
        } else if (step === 4) {
          const profileId = mine.profiles[mine.profiles.length - 1]!
          const s = await db.server.create({ data: { name: `s${i}`, inviteCode: `${tag}-${w}-${i}`, profileId } })
          acked.servers.set(s.id, profileId)
        } else if (step === 7 && mine.profiles.length > 3) {
          // deletes the oldest profile of this worker: its servers go with it (cascade on both databases)
          const id = mine.profiles.shift()!
          touching = { id, list: [] }
          await db.profile.delete({ where: { id } })
          acked.profiles.delete(id)
          acked.deletedProfiles.add(id)
          for (const [sid, pid] of acked.servers) if (pid === id) acked.servers.delete(sid)
        }
        acked.done++
        if (i % 3 === 0) {
          await db.sample.findMany({ where: { group: tag } })
          await db.sample.count({ where: { group: tag } })
        }
      } catch {
        acked.failed++
        if (touching) {
          const { id, list } = touching
          acked.uncertain.add(id)
          acked.profiles.delete(id)
          acked.samples.delete(id)
          for (const [sid, pid] of acked.servers) if (pid === id) acked.servers.delete(sid)
          const at = list.indexOf(id)
          if (at >= 0) list.splice(at, 1)
        }
        await new Promise((r) => setTimeout(r, 20))
      }
    }
  }
  await Promise.all(Array.from({ length: workers }, (_, w) => work(w)))
}

/** Checks every acknowledged write against a store; returns what is missing or wrong. */
export async function checkAcked(store: RowStore, acked: Acked): Promise<string[]> {
  const out: string[] = []
  const m = (name: string) => store.schema.models.get(name)!
  const profiles = await store.readByKeys(
    m('profile'),
    [...acked.profiles.keys()].map((id) => ({ id })),
  )
  const byId = new Map(profiles.map((p) => [p.id as string, p]))
  for (const [id, name] of acked.profiles)
    if (byId.get(id)?.name !== name) out.push(`profile ${id}: expected name ${name}, got ${byId.get(id)?.name}`)
  const samples = await store.readByKeys(
    m('sample'),
    [...acked.samples.keys()].map((id) => ({ id })),
  )
  const sById = new Map(samples.map((s) => [s.id as string, s]))
  for (const [id, count] of acked.samples)
    if (sById.get(id)?.count !== count) out.push(`sample ${id}: expected count ${count}, got ${sById.get(id)?.count}`)
  const servers = await store.readByKeys(
    m('server'),
    [...acked.servers.keys()].map((id) => ({ id })),
  )
  if (servers.length !== acked.servers.size)
    out.push(`servers: expected ${acked.servers.size}, found ${servers.length}`)
  const gone = await store.readByKeys(
    m('profile'),
    [...acked.deletedProfiles].map((id) => ({ id })),
  )
  for (const p of gone) out.push(`profile ${p.id as string} was deleted but is there`)
  return out
}
