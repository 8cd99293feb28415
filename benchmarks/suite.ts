// The whole benchmark, callable from the CLI (run.ts) and from the CI smoke test: start (or reuse) the local
// databases, re-create the benchmark's own database and keyspace, seed, run every workload on every backend
// and implementation at every concurrency (interleaved, see harness.ts), the scale series, the planning
// micro-benchmark, and check the targets.
import { readFileSync } from 'node:fs'
import os from 'node:os'
import cassandra from 'cassandra-driver'
import { up } from '../scripts/db.mjs'
import {
  closePostgres,
  closeScylla,
  connectScylla,
  databaseUrl,
  openPostgres,
  openScylla,
  type PgClients,
  type ScyllaClients,
} from './clients.js'
import { context, measureInterleaved, probeAll, skippedRow } from './harness.js'
import { runPlanning } from './planning.js'
import { dropKeyspace, growMessages, resetPostgresDatabase, seedBase, type SeedTargets } from './seed.js'
import { ALL_BACKENDS, defaultOptions, WORKLOAD_NAMES } from './options.js'
import type {
  BackendName,
  BenchResult,
  Impl,
  MachineInfo,
  MigrateRow,
  ResultRow,
  RunOptions,
  TargetCheck,
} from './types.js'
import { measureMigrate, prepareMigrateTarget, type MigrateBenchEnv } from './migrate/migrate-bench.js'
import { findManyPage, WORKLOADS, type WorkloadEnv } from './workloads/index.js'

const versionOf = (pkg: string): string => {
  try {
    // read the file directly: some packages (drizzle-orm, postgres) do not export their package.json
    return (
      JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')) as {
        version: string
      }
    ).version
  } catch {
    return 'unknown'
  }
}

if (WORKLOADS.map((w) => w.name).join() !== WORKLOAD_NAMES.join())
  throw new Error('internal: options.ts WORKLOAD_NAMES and workloads/index.ts disagree')
export { ALL_BACKENDS, defaultOptions, WORKLOAD_NAMES }

async function machineInfo(pg: PgClients | undefined, scylla: ScyllaClients | undefined): Promise<MachineInfo> {
  let postgresVersion: string | null = null
  let cassandraVersion: string | null = null
  if (pg) postgresVersion = ((await pg.sql`show server_version`)[0]?.server_version as string | undefined) ?? null
  if (scylla)
    cassandraVersion =
      ((await scylla.cql.execute('SELECT release_version FROM system.local')).first()?.['release_version'] as
        string | undefined) ?? null
  return {
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    postgres: postgresVersion,
    cassandra: cassandraVersion,
    drizzle: versionOf('drizzle-orm'),
    prisma: versionOf('@prisma/client'),
    postgresJs: versionOf('postgres'),
    cassandraDriver: versionOf('cassandra-driver'),
    expressCassandra: versionOf('express-cassandra'),
  }
}

/** The issues' targets, checked on the rows measured (concurrency 1 and 32 only). */
export function checkTargets(rows: readonly ResultRow[], migrateRows: readonly MigrateRow[] = []): TargetCheck[] {
  const rate = (workload: string, backend: BackendName, impl: string, c: number) => {
    const r = rows.find(
      (x) => x.workload === workload && x.backend === backend && x.impl === impl && x.concurrency === c,
    )
    return r && !r.skipped ? r.opsPerSec : undefined
  }
  const out: TargetCheck[] = []
  const ratio = (
    target: string,
    workload: string,
    backend: BackendName,
    c: number,
    other: string,
    required: number,
    impl = 'tandem',
  ) => {
    const a = rate(workload, backend, impl, c)
    const b = rate(workload, backend, other, c)
    if (a === undefined && b === undefined) return
    const measured = a !== undefined && b !== undefined && b > 0 ? Math.round((a / b) * 100) / 100 : null
    out.push({
      target,
      workload,
      backend,
      concurrency: c,
      measured,
      required,
      met: measured === null ? null : measured >= required,
    })
  }
  const raw = { postgres: 'postgres.js', scylla: 'cassandra-driver' } as const
  for (const c of [1, 32]) {
    // issue 9: point reads at the raw drivers' speed, pages and (PostgreSQL) include pages within 10 %
    for (const backend of ['postgres', 'scylla'] as const) {
      for (const w of ['find-unique-pk', 'find-unique-key'])
        ratio(`tandem ≥ 0.95× ${raw[backend]}`, w, backend, c, raw[backend], 0.95)
      ratio(`tandem ≥ 0.9× ${raw[backend]}`, 'find-many-page', backend, c, raw[backend], 0.9)
    }
    ratio('tandem ≥ 0.9× the hand-written JOIN (postgres.js)', 'include-page', 'postgres', c, 'postgres.js', 0.9)
    // issue 13: drizzle() on PostgreSQL is drizzle itself over tandem's pool: no measurable overhead
    for (const w of ['drizzle-point', 'drizzle-page'])
      for (const api of ['drizzle', 'drizzle-query'])
        ratio(`tandem-${api} ≥ 0.95× plain ${api}`, w, 'postgres', c, api, 0.95, `tandem-${api}`)
    // issue 5: against Prisma 7
    for (const w of ['find-unique-pk', 'find-unique-key'])
      ratio(`tandem ≥ ${c === 1 ? 3 : 1.2}× prisma`, w, 'postgres', c, 'prisma', c === 1 ? 3 : 1.2)
    const cached = rate('credits-balance-cached', 'memory', 'tandem', c)
    if (cached !== undefined)
      out.push({
        target: 'cached balance ≥ 1M reads/s',
        workload: 'credits-balance-cached',
        backend: 'memory',
        concurrency: c,
        measured: Math.round(cached),
        required: 1_000_000,
        met: cached >= 1_000_000,
      })
  }
  // issue 11: hot rows on ScyllaDB at ≥ 0.5× PostgreSQL (tandem on both, the usage upserts of hot-row-increment)
  for (const r of rows) {
    if (r.workload !== 'hot-row-increment' || r.backend !== 'scylla' || r.impl !== 'tandem' || r.skipped) continue
    const pg = rate('hot-row-increment', 'postgres', 'tandem', r.concurrency)
    if (pg === undefined) continue
    const measured = pg > 0 ? Math.round((r.opsPerSec / pg) * 100) / 100 : null
    out.push({
      target: 'tandem on ScyllaDB ≥ 0.5× tandem on PostgreSQL',
      workload: 'hot-row-increment',
      backend: 'scylla',
      concurrency: r.concurrency,
      measured,
      required: 0.5,
      met: measured === null ? null : measured >= 0.5,
    })
  }
  // issue 10: dual mode (async mirror) adds at most 15 % to single-backend tandem at c=1: ops/s ≥ 1/1.15 of it
  for (const w of ['find-unique-pk', 'create']) {
    const single = rate(w, 'postgres', 'tandem', 1)
    const dual = rate(w, 'postgres', 'tandem-dual', 1)
    if (single === undefined || dual === undefined) continue
    const measured = Math.round((dual / single) * 100) / 100
    out.push({
      target: 'dual mode (async mirror) ≥ 0.87× single-backend tandem (≤ 15 % overhead)',
      workload: w,
      backend: 'postgres',
      concurrency: 1,
      measured,
      required: 0.87,
      met: measured >= 0.87,
    })
  }
  // issue 10: migrate at ≥ 0.8× a hand-written cassandra-driver loader (best run of each, per data size)
  for (const label of new Set(migrateRows.map((r) => r.label))) {
    const best = (impl: string) =>
      Math.max(0, ...migrateRows.filter((r) => r.label === label && r.impl === impl).map((r) => r.rowsPerSec))
    const [a, b] = [best('tandem'), best('cassandra-driver loader')]
    const measured = a && b ? Math.round((a / b) * 100) / 100 : null
    out.push({
      target: 'migrate ≥ 0.8× a hand-written cassandra-driver loader',
      workload: `migrate (${label})`,
      backend: 'scylla',
      concurrency: migrateRows[0]!.concurrency,
      measured,
      required: 0.8,
      met: measured === null ? null : measured >= 0.8,
    })
  }
  return out
}

/** Probes, then measures one workload's implementations on one backend at every concurrency. */
async function measureWorkload(
  name: string,
  impls: Impl[],
  o: RunOptions,
  digest: ((result: unknown) => string) | undefined,
  fresh: ((impl: Impl) => Promise<Impl>) | undefined,
  extra?: Partial<ResultRow>,
): Promise<ResultRow[]> {
  const rows: ResultRow[] = []
  const probes = await probeAll(impls)
  if (digest) {
    // same logical work: every implementation answers the same call (same key) with the same rows
    let expected: { impl: string; digest: string } | undefined
    for (const impl of impls) {
      if (probes.has(impl)) continue
      try {
        const d = digest(await impl.op(context(0, 99)))
        expected ??= { impl: impl.impl, digest: d }
        if (d !== expected.digest)
          probes.set(impl, {
            reason: `failed: its result differs from ${expected.impl}'s (${d.slice(0, 120)} vs ${expected.digest.slice(0, 120)})`,
            error: true,
          })
      } catch (e) {
        probes.set(impl, {
          reason: `failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
          error: true,
        })
      }
    }
  }
  for (const [impl, p] of probes) {
    o.log(`  ${impl.backend} ${name} ${impl.impl}: ${p.error ? 'FAILED' : 'skipped'}: ${p.reason}`)
  }
  const live = impls.filter((i) => !probes.has(i))
  for (const c of o.concurrency) {
    const measured = live.length
      ? await measureInterleaved(live, {
          workload: name,
          concurrency: c,
          rounds: o.rounds,
          durationMs: o.durationMs,
          maxOps: o.maxOps,
          warmupMs: o.warmupMs,
          warmupOps: o.warmupOps,
          roundWarmupMs: o.roundWarmupMs,
          log: o.log,
          ...(extra ? { extra } : {}),
          ...(fresh ? { fresh } : {}),
        })
      : []
    // rows in the workload's own implementation order, skipped ones included
    for (const impl of impls) {
      const p = probes.get(impl)
      rows.push(
        p ? { ...skippedRow(name, impl, c, p.reason, p.error), ...extra } : measured.find((r) => r.impl === impl.impl)!,
      )
    }
  }
  return rows
}

export async function runBenchmarks(o: RunOptions, command = 'npm run bench'): Promise<BenchResult> {
  const started = performance.now()
  const unknownWorkloads = o.workloads.filter((w) => !WORKLOAD_NAMES.includes(w))
  if (unknownWorkloads.length)
    throw new Error(`unknown workload(s) ${unknownWorkloads.join(', ')}; workloads are ${WORKLOAD_NAMES.join(', ')}`)
  const unknownBackends = o.backends.filter((b) => !ALL_BACKENDS.includes(b))
  if (unknownBackends.length)
    throw new Error(`unknown backend(s) ${unknownBackends.join(', ')}; backends are ${ALL_BACKENDS.join(', ')}`)

  const env = await up()
  const usePg = o.backends.includes('postgres') || o.backends.includes('memory')
  const useScylla = o.backends.includes('scylla')
  const hosts = env.SCYLLA_HOSTS.split(',')
    .map((h) => h.trim())
    .filter(Boolean)
  const seconds: Record<string, number> = {}
  const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now()
    const r = await fn()
    seconds[label] = Math.round((performance.now() - t) / 100) / 10
    return r
  }

  // dual mode's secondary: the benchmark keyspace (seeded like the database, so its rows are the same)
  const secondary = useScylla ? { hosts, dataCenter: env.SCYLLA_DATACENTER, keyspace: o.keyspace } : undefined
  let pg: PgClients | undefined
  let scylla: ScyllaClients | undefined
  try {
    await timed('reset', async () => {
      if (usePg) {
        o.log(`PostgreSQL: re-creating database ${o.database}`)
        await resetPostgresDatabase(env.DATABASE_URL, o.database)
      }
      if (useScylla) {
        o.log(`Cassandra: re-creating keyspace ${o.keyspace}`)
        const admin = new cassandra.Client({ contactPoints: hosts, localDataCenter: env.SCYLLA_DATACENTER })
        try {
          await dropKeyspace(admin, o.keyspace)
        } finally {
          await admin.shutdown()
        }
      }
      if (usePg) {
        pg = await openPostgres(databaseUrl(env.DATABASE_URL, o.database), o.poolSize, o.log, secondary)
        await pg.tandem.$push()
      }
      if (useScylla) {
        scylla = openScylla(hosts, env.SCYLLA_DATACENTER, o.keyspace)
        await scylla.tandem.$push()
        await connectScylla(scylla)
      }
    })
    const analyze = async () => {
      if (pg) await pg.sql.unsafe('VACUUM ANALYZE')
    }
    const targets: SeedTargets = {
      // read at use: PostgreSQL clients are re-opened between rounds
      get sql() {
        return pg?.sql
      },
      cql: scylla ? { client: scylla.cql, keyspace: o.keyspace } : undefined,
      log: o.log,
    }
    const sizes = {
      profiles: o.profiles,
      members: o.members,
      creditUsers: o.creditUsers,
      messagesPerChannel: o.messagesPerChannel,
    }
    const firstMessages = o.scale.length ? Math.min(...o.scale) : o.messages
    o.log(
      `seeding: ${o.profiles} profiles, ${o.members} members, ${o.creditUsers} credit accounts, ${firstMessages} messages`,
    )
    const data = await timed('seed', async () => {
      const d = await seedBase(targets, sizes, firstMessages)
      await analyze()
      return d
    })
    o.log(`seeded in ${seconds.seed} s`)
    const machine = await machineInfo(pg, scylla)
    const wenv: WorkloadEnv = { pg, scylla, data, runTag: Date.now().toString(36) }
    const keep = (impls: Impl[], names: readonly string[]) =>
      names.length ? impls.filter((i) => names.includes(i.impl)) : impls
    // postgres.js 3.4.9 slows down with every query a pool has pipelined (its busy queue only grows: Queue.remove
    // is an indexOf over the holes shift() leaves), and tandem's pool cannot be configured around it. So that no
    // round inherits another's history, every PostgreSQL round runs on freshly opened clients (all of them,
    // tandem's included), after a short warm-up. ScyllaDB clients are kept for the whole run.
    const freshPg =
      (build: (backend: BackendName) => Impl[]) =>
      async (impl: Impl): Promise<Impl> => {
        const old = wenv.pg
        wenv.pg = pg = await openPostgres(databaseUrl(env.DATABASE_URL, o.database), o.poolSize, o.log, secondary)
        await closePostgres(old)
        const next = build(impl.backend).find((i) => i.impl === impl.impl)
        if (!next) throw new Error(`internal: no implementation ${impl.impl}`)
        await next.probe?.(context(0, 5))
        return next
      }

    const rows: ResultRow[] = []
    for (const w of WORKLOADS) {
      if (!o.workloads.includes(w.name)) continue
      for (const backend of w.backends) {
        if (!o.backends.includes(backend)) continue
        const impls = keep(w.impls(backend, wenv), o.impls)
        if (!impls.length) continue
        o.log(`${backend} ${w.name}: ${impls.map((i) => i.impl).join(', ')}`)
        const fresh = backend === 'scylla' ? undefined : freshPg((b) => w.impls(b, wenv))
        const at = w.concurrency ? { ...o, concurrency: [...w.concurrency] } : o
        rows.push(...(await measureWorkload(w.name, impls, at, w.digest?.bind(w), fresh)))
      }
    }

    const migrateRows: MigrateRow[] = []
    const migrateEnv: MigrateBenchEnv | undefined =
      o.migrate && usePg && useScylla
        ? {
            pgUrl: databaseUrl(env.DATABASE_URL, o.database),
            hosts,
            dataCenter: env.SCYLLA_DATACENTER,
            keyspace: `${o.keyspace}_migrate`,
            concurrency: o.migrateConcurrency,
            log: o.log,
          }
        : undefined
    if (migrateEnv) {
      await timed('migrate-setup', () => prepareMigrateTarget(migrateEnv))
      migrateRows.push(...(await measureMigrate(migrateEnv, 'seed', o.migrateRounds)))
    }

    const scale: ResultRow[] = []
    for (const total of [...o.scale].sort((a, b) => a - b)) {
      const scaleBackends = (['postgres', 'scylla'] as const).filter((b) => o.backends.includes(b))
      if (!scaleBackends.length) break
      if (total > data.messages) {
        o.log(`scale: growing to ${total.toLocaleString('en-US')} messages`)
        await timed(`grow-${total}`, async () => {
          await growMessages(targets, data, sizes, total)
          await analyze()
        })
      }
      for (const backend of scaleBackends) {
        const impls = keep(findManyPage.impls(backend, wenv), o.scaleImpls)
        o.log(
          `scale ${backend} find-many-page at ${total.toLocaleString('en-US')} messages (${data.channelIds.length} channels)`,
        )
        const fresh = backend === 'scylla' ? undefined : freshPg((b) => findManyPage.impls(b, wenv))
        scale.push(
          ...(await measureWorkload(
            'find-many-page',
            impls,
            { ...o, rounds: Math.min(o.rounds, o.scaleRounds) },
            findManyPage.digest?.bind(findManyPage),
            fresh,
            { messages: data.messages },
          )),
        )
      }
    }

    // the full run's million-message migrate: once each, after the scale series grew the data
    if (migrateEnv && data.messages >= 1_000_000)
      migrateRows.push(...(await measureMigrate(migrateEnv, `${data.messages.toLocaleString('en-US')} messages`, 1)))

    const planningBackends = (['postgres', 'scylla'] as const).filter((b) => o.backends.includes(b))
    let planning: BenchResult['planning'] = []
    if (o.planning && planningBackends.length) {
      o.log('planning micro-benchmark (no I/O)')
      planning = await runPlanning(planningBackends, o.planningCalls, o.log)
    }

    return {
      generatedAt: new Date().toISOString(),
      command,
      quick: o.quick,
      machine,
      method: {
        throughput: `best of ${o.rounds} interleaved rounds (scale series: best of ${Math.min(o.rounds, o.scaleRounds)}; round-robin over the implementations, starting implementation rotated each round); the reported round's ops and percentiles`,
        latency:
          'every operation timed (performance.now) into an HDR histogram (hdr-histogram-js, 3 significant digits); p50/p95/p99 of the reported round',
        warmup:
          o.warmupOps !== undefined
            ? `${o.warmupOps} operations per implementation and concurrency`
            : `${o.warmupMs} ms per implementation and concurrency`,
        rounds: o.rounds,
        durationMsPerRound: o.durationMs,
        maxOpsPerRound: o.maxOps ?? null,
        poolSize: o.poolSize,
      },
      seed: {
        profiles: o.profiles,
        members: o.members,
        channels: data.channelIds.length,
        messages: data.messages,
        creditUsers: o.creditUsers,
        seconds,
      },
      rows,
      scale,
      planning,
      migrate: migrateRows,
      targets: checkTargets(rows, migrateRows),
      elapsedSeconds: Math.round((performance.now() - started) / 100) / 10,
    }
  } finally {
    await closePostgres(pg)
    await closeScylla(scylla)
  }
}
