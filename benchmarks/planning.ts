// Micro-benchmark of tandem's own per-call CPU, without I/O: what the front end (argument checks, normalization)
// and the planner (parametrize + plan cache on PostgreSQL; access-path planning + statement cache on ScyllaDB)
// add to every call. Three modes:
//   explain     the public `db.<model>.explain(method, args)`: front end + plan, statements as text, runs nothing
//   stubbed-io  the real call (`db.profile.findUnique(...)`) with the database driver replaced by a stub that
//               answers at once: everything tandem does per call except the driver and the network
//   plan-miss   the first call of a shape on a fresh client (plan cache miss: the statement is compiled)
//   plan-hit    the backend's planning of an already normalized operation whose shape was seen before: shape key,
//               plan cache lookup and binding the values into the compiled statements (what "no planning work" costs)
// On ScyllaDB, stubbed-io also runs drizzle's API through tandem's drizzle() facade (the drizzle-point/-page reads):
// the facade's translation on top of the model call it becomes.
// Clients here never connect: the PostgreSQL pool is lazy and the ScyllaDB executor is replaced.
import { randomUUID } from 'node:crypto'
import {
  backendOf,
  boundBaseReads,
  createDb,
  normalizeOrderBy,
  normalizeUniqueWhere,
  normalizeWhere,
  type Operation,
  type ReadQuery,
} from './tandem.js'
import { benchSchema, type BenchDb } from './clients.js'
import { microBench } from './harness.js'
import { layout } from './schema.js'
import type { PlanningRow } from './types.js'
import { overTandem, PAGE_READS, POINT_READS } from './workloads/drizzle-reads.js'

const PROFILE_ID = randomUUID()
const CHANNEL_ID = randomUUID()
const NOW = new Date()

const profileRow = {
  id: PROFILE_ID,
  userId: 'user-1',
  name: 'Person 1',
  email: 'p1@example.com',
  createdAt: NOW,
  updatedAt: NOW,
}
const messageRow = (i: number) => ({
  id: randomUUID(),
  channelId: CHANNEL_ID,
  authorId: randomUUID(),
  content: 'hello',
  createdAt: new Date(NOW.getTime() - i),
})
const MESSAGES = Array.from({ length: 50 }, (_, i) => messageRow(i))

/** A PostgreSQL client whose statements return canned rows instead of running. */
function stubbedPostgres(): BenchDb {
  const db = createDb({
    schema: benchSchema,
    backend: 'postgres',
    postgres: { url: 'postgres://stub:stub@127.0.0.1:1/stub' },
  })
  const backend = backendOf(db) as unknown as {
    sql: { query: (model: string | undefined, text: string, params: unknown[]) => Promise<unknown> }
  }
  // every statement runs through sql.query(model, text, params): answer without a driver or a socket
  backend.sql.query = async (model) => (model === 'message' ? MESSAGES : [profileRow])
  return db
}

/** A ScyllaDB client whose executor answers at once with rows keyed by CQL column names. */
function stubbedScylla(): BenchDb {
  const db = createDb({
    schema: benchSchema,
    backend: 'scylla',
    scylla: { contactPoints: ['127.0.0.1:1'], keyspace: 'tandem_stub' },
    layout: layout as never,
  })
  const cqlProfile = {
    id: PROFILE_ID,
    user_id: 'user-1',
    name: 'Person 1',
    email: 'p1@example.com',
    created_at: NOW,
    updated_at: NOW,
  }
  const cqlMessages = MESSAGES.map((m) => ({
    id: m.id,
    channel_id: m.channelId,
    author_id: m.authorId,
    content: m.content,
    created_at: m.createdAt,
  }))
  const executor = {
    connect: async () => {},
    select: async (query: string) =>
      query.includes('"message"')
        ? cqlMessages
        : query.includes('profile__by_user_id')
          ? [{ user_id: 'user-1', id: PROFILE_ID }]
          : [cqlProfile],
    write: async () => {},
    lwt: async () => ({ applied: true, current: undefined }),
    batch: async () => {},
    ddl: async () => {},
    close: async () => {},
  }
  Object.defineProperty(backendOf(db), 'executor', { value: executor, writable: true })
  return db
}

interface Call {
  name: string
  method: 'findUnique' | 'findMany' | 'create' | 'update'
  run: (db: BenchDb) => Promise<unknown>
  args: () => unknown
  model: 'profile' | 'message'
}

let n = 0
const CALLS: Call[] = [
  {
    name: 'findUnique by id',
    method: 'findUnique',
    model: 'profile',
    args: () => ({ where: { id: PROFILE_ID } }),
    run: (db) => db.profile.findUnique({ where: { id: PROFILE_ID } }),
  },
  {
    name: 'findUnique by userId',
    method: 'findUnique',
    model: 'profile',
    args: () => ({ where: { userId: 'user-1' } }),
    run: (db) => db.profile.findUnique({ where: { userId: 'user-1' } }),
  },
  {
    name: 'findMany page of 50',
    method: 'findMany',
    model: 'message',
    args: () => ({ where: { channelId: CHANNEL_ID }, orderBy: { createdAt: 'desc' }, take: 50 }),
    run: (db) => db.message.findMany({ where: { channelId: CHANNEL_ID }, orderBy: { createdAt: 'desc' }, take: 50 }),
  },
  {
    name: 'create profile',
    method: 'create',
    model: 'profile',
    args: () => ({ data: { userId: `u-${++n}`, name: 'New', email: 'n@example.com' } }),
    run: (db) => db.profile.create({ data: { userId: `u-${++n}`, name: 'New', email: 'n@example.com' } }),
  },
  {
    name: 'update by id',
    method: 'update',
    model: 'profile',
    args: () => ({ where: { id: PROFILE_ID }, data: { name: 'Renamed' } }),
    run: (db) => db.profile.update({ where: { id: PROFILE_ID }, data: { name: 'Renamed' } }),
  },
]

/** drizzle's API over the facade, beside the model calls above that it becomes (findUnique by userId, the page). */
const FACADE_CALLS = [
  { name: 'drizzle select by userId', read: POINT_READS.builder, key: 'user-1' },
  { name: 'drizzle query.findFirst by userId', read: POINT_READS.query, key: 'user-1' },
  { name: 'drizzle select page of 50', read: PAGE_READS.builder, key: CHANNEL_ID },
  { name: 'drizzle query.findMany page of 50', read: PAGE_READS.query, key: CHANNEL_ID },
]

/** The read calls above as normalized operations, for plan-hit. */
function operations(db: BenchDb): { name: string; model: 'profile' | 'message'; operation: Operation }[] {
  const models = (db as unknown as { $schema: { models: Map<string, never> } }).$schema.models
  const [profile, message] = [models.get('profile')!, models.get('message')!]
  const unique = (where: unknown): Operation => ({
    op: 'findMany',
    query: {
      where: normalizeUniqueWhere(profile, where, 'bench').filter,
      orderBy: [],
      take: 1,
      skip: undefined,
      unique: true,
    },
  })
  return [
    { name: CALLS[0]!.name, model: 'profile', operation: unique({ id: PROFILE_ID }) },
    { name: CALLS[1]!.name, model: 'profile', operation: unique({ userId: 'user-1' }) },
    {
      name: CALLS[2]!.name,
      model: 'message',
      operation: {
        op: 'findMany',
        query: {
          where: normalizeWhere(message, { channelId: CHANNEL_ID }, 'bench'),
          orderBy: normalizeOrderBy(message, { createdAt: 'desc' }, 'bench'),
          take: 50,
          skip: undefined,
          unique: false,
        },
      },
    },
  ]
}

/** Planning of a seen shape on one backend, reaching into it as the benchmark's only caller (not public API). */
function planHit(db: BenchDb, backend: 'postgres' | 'scylla', model: string, operation: Operation): () => void {
  const b = backendOf(db) as unknown as {
    planFor(m: unknown, o: Operation): { plan: { bind(v: unknown[]): unknown[] }; values: unknown[] }
    session: { tablesOf(m: string): { model: unknown } }
    reads: { compiled(t: unknown, q: ReadQuery, ctx: string): { read: { kind: string }; values: unknown[] } }
  }
  if (backend === 'postgres') {
    const m = (db as unknown as { $schema: { models: Map<string, unknown> } }).$schema.models.get(model)
    return () => {
      const { plan, values } = b.planFor(m, operation)
      plan.bind(values)
    }
  }
  const t = b.session.tablesOf(model)
  const query = (operation as { query: ReadQuery }).query
  // lookup reads bind their keys the same way; base reads bind partition, clustering and LIMIT values
  return () => {
    const { read, values } = b.reads.compiled(t, query, 'bench')
    if (read.kind === 'base') boundBaseReads(t as never, read as never, values, query)
  }
}

const PER_SAMPLE = 100

/** Runs every call shape in every mode on both backends. `calls` per measurement (after as many to warm up). */
export async function runPlanning(
  backends: readonly ('postgres' | 'scylla')[],
  calls: number,
  log: (line: string) => void,
): Promise<PlanningRow[]> {
  const rows: PlanningRow[] = []
  for (const backend of backends) {
    const db = backend === 'postgres' ? stubbedPostgres() : stubbedScylla()
    for (const call of CALLS) {
      const model = db[call.model]
      const explain = () => model.explain(call.method, call.args())
      const stubbed = () => call.run(db)
      await microBench(explain, calls)
      rows.push({ backend, call: call.name, mode: 'explain', ...(await microBench(explain, calls)) })
      await microBench(stubbed, calls)
      rows.push({ backend, call: call.name, mode: 'stubbed-io', ...(await microBench(stubbed, calls)) })
    }
    if (backend === 'scylla') {
      const facade = overTandem(db)
      for (const { name, read, key } of FACADE_CALLS) {
        const stubbed = () => read(facade, key)
        await microBench(stubbed, calls)
        rows.push({ backend, call: name, mode: 'stubbed-io', ...(await microBench(stubbed, calls)) })
      }
    }
    // plan cache hits, PER_SAMPLE per timed sample (one is below the clock's resolution)
    for (const { name, model, operation } of operations(db)) {
      const hit = planHit(db, backend, model, operation)
      const sample = () => {
        for (let k = 0; k < PER_SAMPLE; k++) hit()
      }
      await microBench(sample, Math.max(10, calls / PER_SAMPLE))
      const r = await microBench(sample, Math.max(10, calls / PER_SAMPLE))
      const per = (us: number) => Math.round((us / PER_SAMPLE) * 1000) / 1000
      rows.push({
        backend,
        call: name,
        mode: 'plan-hit',
        calls: r.calls * PER_SAMPLE,
        meanUs: per(r.meanUs),
        p50Us: per(r.p50Us),
        p99Us: per(r.p99Us),
      })
    }
    // plan cache misses: the first call of a shape on a fresh client (created outside the timing)
    const fresh = Array.from({ length: Math.min(200, calls) }, () =>
      backend === 'postgres' ? stubbedPostgres() : stubbedScylla(),
    )
    let i = 0
    await CALLS[0]!.run(backend === 'postgres' ? stubbedPostgres() : stubbedScylla())
    rows.push({
      backend,
      call: CALLS[0]!.name,
      mode: 'plan-miss',
      ...(await microBench(() => CALLS[0]!.run(fresh[i++]!), fresh.length)),
    })
    const mine = rows.filter((r) => r.backend === backend)
    log(
      `  planning ${backend}: ${mine
        .filter((r) => r.mode === 'stubbed-io')
        .map((r) => `${r.call} ${r.meanUs} µs`)
        .join(' · ')}`,
    )
  }
  return rows
}
