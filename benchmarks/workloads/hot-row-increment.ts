// hot-row-increment: the usage-buffer pattern (issue 11): 64 callers count usage on 3 rows with
// `usageCounter.upsert({ where: { key }, create: { key, count: 1 }, update: { count: { increment: 1 } } })`, each
// call returning the row as of its own increment. PostgreSQL serializes the updates on the row lock; on ScyllaDB
// tandem combines the updates of one row in flight into one compare-and-set (src/cql/row-combiner.ts). The raw
// drivers do what a hand-written client does: postgres.js one `INSERT … ON CONFLICT DO UPDATE … RETURNING`;
// cassandra-driver reads the row and compare-and-sets it per call (`UPDATE … IF count = ?`, or `INSERT … IF NOT
// EXISTS` for a new key), re-reading after a jittered back-off when it loses. `cassandra-counter` is a reference,
// not the same work: a counter column (`SET count = count + 1`), which returns nothing and is not idempotent.
import { setTimeout as sleep } from 'node:timers/promises'
import type { BenchDb } from '../clients.js'
import type { BackendName, Impl, OpContext } from '../types.js'
import { IDEMPOTENT, ks, LWT, needPg, needScylla, type Workload, type WorkloadEnv } from './common.js'

/** rows the callers share */
const HOT_ROWS = 3

/** tandem's usage upsert: the same call on either backend */
const usageUpsert = (backend: BackendName, tandem: BenchDb, keyOf: (c: OpContext) => string): Impl => ({
  impl: 'tandem',
  backend,
  op: (c) => {
    const key = keyOf(c)
    return tandem.usageCounter.upsert({
      where: { key },
      create: { key, count: 1 },
      update: { count: { increment: 1 } },
    })
  },
})

export const hotRowIncrement: Workload = {
  name: 'hot-row-increment',
  description:
    'usage counting on 3 hot rows, 64 in flight: `usageCounter.upsert({ where: { key }, create: { key, count: 1 }, update: { count: { increment: 1 } } })`',
  backends: ['postgres', 'scylla'],
  concurrency: [64],
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    // per implementation, so none counts on another's rows (stable across the fresh clients of each round)
    const keyOf = (impl: string, c: OpContext) => `${env.runTag}-${impl}-${c.rand(HOT_ROWS)}`
    if (backend === 'postgres') {
      const { tandem, sql: pg } = needPg(env)
      return [
        usageUpsert(backend, tandem, (c) => keyOf('tandem', c)),
        {
          impl: 'postgres.js',
          backend,
          op: async (c) =>
            (
              await pg`insert into usage_counter (key, count) values (${keyOf('pg', c)}, 1) on conflict (key) do update set count = usage_counter.count + 1 returning key, count`
            )[0],
        },
      ]
    }
    const { tandem, cql, keyspace } = needScylla(env)
    const table = ks(keyspace, 'usage_counter')
    const read = `SELECT key, count FROM ${table} WHERE key = ?`
    const create = `INSERT INTO ${table} (key, count) VALUES (?, 1) IF NOT EXISTS`
    const cas = `UPDATE ${table} SET count = ? WHERE key = ? IF count = ?`
    const counters = ks(keyspace, 'usage_counter_reference')
    const bump = `UPDATE ${counters} SET count = count + 1 WHERE key = ?`
    return [
      usageUpsert(backend, tandem, (c) => keyOf('tandem', c)),
      {
        impl: 'cassandra-driver',
        backend,
        op: async (c) => {
          const key = keyOf('cql', c)
          for (let attempt = 0; attempt < 1000; attempt++) {
            if (attempt > 0) await sleep(Math.random() * Math.min(50, 2 ** Math.min(attempt, 6)))
            const row = (await cql.execute(read, [key], IDEMPOTENT)).first()
            if (!row) {
              if ((await cql.execute(create, [key], LWT)).first()['[applied]']) return { key, count: 1 }
              continue
            }
            const count = (row['count'] as number) + 1
            if ((await cql.execute(cas, [count, key, row['count']], LWT)).first()['[applied]']) return { key, count }
          }
          throw new Error(`${key}: too much contention`)
        },
      },
      {
        impl: 'cassandra-counter',
        backend,
        probe: async () => {
          await cql.execute(`CREATE TABLE IF NOT EXISTS ${counters} (key text PRIMARY KEY, count counter)`)
          return undefined
        },
        op: (c) => cql.execute(bump, [keyOf('counter', c)], { prepare: true, isIdempotent: false }),
      },
    ]
  },
}
