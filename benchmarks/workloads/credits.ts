// credits-balance-cached: `credits.balance(userId)` served from tandem's in-memory cache (backend "memory"),
// against the same call with the cache off (`ttlMs: 0`: every call reads the account row from PostgreSQL).
// credits-deduct: `credits.deduct(userId, 1)`, against the raw driver doing the same guarded change and ledger row.
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import cassandra from 'cassandra-driver'
import type { BackendName, Impl } from '../types.js'
import { IDEMPOTENT, ks, LWT, needPg, needScylla, pick, type Workload, type WorkloadEnv } from './common.js'
import type { EntryJson } from '../../src/credits/scylla-ledger.js'

export const creditsBalanceCached: Workload = {
  name: 'credits-balance-cached',
  description:
    '`credits.balance(userId)` from the in-memory cache (hot), against the same call with the cache off (a PostgreSQL read per call)',
  backends: ['memory'],
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const { credits, creditsUncached } = needPg(env)
    const users = env.data.creditUserIds
    return [
      {
        impl: 'tandem',
        backend,
        op: (c) => credits.balance(pick(users, c)),
        // load every user once so the rounds measure hits
        probe: async () => {
          for (let i = 0; i < users.length; i += 100)
            await Promise.all(users.slice(i, i + 100).map((u) => credits.balance(u)))
          return undefined
        },
      },
      { impl: 'uncached', backend, op: (c) => creditsUncached.balance(pick(users, c)) },
    ]
  },
}

export const creditsDeduct: Workload = {
  name: 'credits-deduct',
  description: '`credits.deduct(userId, 1)` on random users of 1000: guarded balance change plus its ledger row',
  backends: ['postgres', 'scylla'],
  impls(backend: BackendName, env: WorkloadEnv): Impl[] {
    const users = env.data.creditUserIds
    if (backend === 'postgres') {
      const { credits, sql: pg } = needPg(env)
      // the statement a hand-written ledger needs: guarded UPDATE and the ledger INSERT in one CTE
      const deduct =
        'WITH acc AS (UPDATE "user_credits" SET "balance" = "balance" - $2::bigint, "total_used" = "total_used" + $2::bigint, "version" = "version" + 1, "updated_at" = $3 ' +
        'WHERE "user_id" = $1 AND "balance" >= $2::bigint RETURNING "balance", "version"), ' +
        'entry AS (INSERT INTO "credit_transactions" ("id", "user_id", "seq", "amount", "type", "reason", "balance_after", "idempotency_key", "created_at") ' +
        'SELECT $4, $1, acc."version", $5::bigint, \'deduction\', NULL, acc."balance", NULL, $3 FROM acc) SELECT "balance", "version" FROM acc'
      return [
        { impl: 'tandem', backend, op: (c) => credits.deduct(pick(users, c), 1) },
        {
          impl: 'postgres.js',
          backend,
          op: async (c) => {
            const rows = await pg.unsafe(deduct, [pick(users, c), 1, new Date().toISOString(), randomUUID(), -1], {
              prepare: true,
            })
            if (!rows[0]) throw new Error('insufficient credits')
            return { balance: Number(rows[0].balance) }
          },
        },
      ]
    }
    const { credits, cql, keyspace } = needScylla(env)
    const readAccount = `SELECT user_id, balance, total_purchased, total_used, version, last_entry, created_at, updated_at FROM ${ks(keyspace, 'user_credits')} WHERE user_id = ?`
    const cas = `UPDATE ${ks(keyspace, 'user_credits')} SET balance = ?, total_purchased = ?, total_used = ?, version = ?, last_entry = ?, updated_at = ? WHERE user_id = ? IF version = ?`
    const ledgerRow = `INSERT INTO ${ks(keyspace, 'credit_transactions')} (user_id, seq, id, amount, type, reason, balance_after, idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
    const ledgerById = `INSERT INTO ${ks(keyspace, 'credit_transactions__by_id')} (id, user_id, seq) VALUES (?, ?, ?)`
    // the ledger row and its id lookup, one LOGGED batch; idempotent (same values every time)
    const materialize = (e: EntryJson) =>
      cql.batch(
        [
          {
            query: ledgerRow,
            params: [
              e.userId,
              BigInt(e.seq),
              e.id,
              BigInt(e.amount),
              e.type,
              e.reason,
              BigInt(e.balanceAfter),
              e.idempotencyKey,
              new Date(e.createdAt),
            ],
          },
          { query: ledgerById, params: [e.id, e.userId, BigInt(e.seq)] },
        ],
        { prepare: true, logged: true, isIdempotent: true },
      )
    return [
      { impl: 'tandem', backend, op: (c) => credits.deduct(pick(users, c), 1) },
      {
        impl: 'cassandra-driver',
        backend,
        // the same protocol as tandem (counters are neither idempotent nor conditional): read the account,
        // re-write the previous ledger row, compare-and-set on the version (storing the new row in last_entry),
        // then write the new ledger row; on contention re-read (SERIAL) after a short random back-off
        op: async (c) => {
          const userId = pick(users, c)
          const amount = 1
          for (let attempt = 0; attempt < 200; attempt++) {
            if (attempt > 0) await sleep(Math.random() * Math.min(50, 2 ** Math.min(attempt, 6)))
            const options =
              attempt > 0 ? { ...IDEMPOTENT, consistency: cassandra.types.consistencies.localSerial } : IDEMPOTENT
            const acc = (await cql.execute(readAccount, [userId], options)).first()
            if (!acc) throw new Error('no account')
            if (acc['last_entry']) await materialize(JSON.parse(acc['last_entry'] as string) as EntryJson)
            const balance = Number(acc['balance']) - amount
            if (balance < 0) throw new Error('insufficient credits')
            const version = Number(acc['version']) + 1
            const now = new Date()
            const entry: EntryJson = {
              id: randomUUID(),
              userId,
              seq: version,
              amount: -amount,
              type: 'deduction',
              reason: null,
              balanceAfter: balance,
              idempotencyKey: null,
              createdAt: now.toISOString(),
            }
            const params = [
              BigInt(balance),
              acc['total_purchased'],
              BigInt(Number(acc['total_used']) + amount),
              BigInt(version),
              JSON.stringify(entry),
              now,
              userId,
              acc['version'],
            ]
            if ((await cql.execute(cas, params, LWT)).first()['[applied]']) {
              await materialize(entry)
              return { balance, transactionId: entry.id }
            }
          }
          throw new Error('too much contention')
        },
      },
    ]
  },
}
