import type { Model } from '../schema/model.js'
import type { Ledger, LedgerChange, LedgerModels, LedgerResult } from './ledger.js'
import type { SqlExecutor } from '../postgres/sql-executor.js'
import { TandemError } from '../errors.js'

const q = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * Credits on PostgreSQL: one statement per change. The guarded UPDATE (`balance >= amount`, re-checked
 * on the committed row under READ COMMITTED) and the ledger INSERT run as one CTE, so a change and its
 * row commit together. The unique idempotency key makes a repeated key fail the whole statement;
 * the first result is then read back (never `ON CONFLICT DO NOTHING`, which would still charge).
 */
export class PostgresLedger implements Ledger {
  private readonly grantSql: string
  private readonly deductSql: string
  private readonly replaySql: string
  private readonly balanceSql: string

  private readonly model: string

  constructor(
    private readonly sql: SqlExecutor,
    models: LedgerModels,
  ) {
    this.model = models.entries.name
    const a = (f: string) => q(col(models.account, f))
    const e = (f: string) => q(col(models.entries, f))
    const acc = q(models.account.table)
    const ent = q(models.entries.table)
    const entryInsert =
      `INSERT INTO ${ent} (${e('id')}, ${e('userId')}, ${e('seq')}, ${e('amount')}, ${e('type')}, ${e('reason')}, ${e('balanceAfter')}, ${e('idempotencyKey')}, ${e('createdAt')}) ` +
      `SELECT $4, $1, acc.${a('version')}, $8::bigint, $5, $6, acc.${a('balance')}, $7, $3 FROM acc`
    this.grantSql =
      `WITH acc AS (INSERT INTO ${acc} (${a('userId')}, ${a('balance')}, ${a('totalPurchased')}, ${a('totalUsed')}, ${a('version')}, ${a('createdAt')}, ${a('updatedAt')}) ` +
      `VALUES ($1, $2::bigint, $2::bigint, 0, 1, $3, $3) ON CONFLICT (${a('userId')}) DO UPDATE SET ` +
      `${a('balance')} = ${acc}.${a('balance')} + EXCLUDED.${a('balance')}, ${a('totalPurchased')} = ${acc}.${a('totalPurchased')} + EXCLUDED.${a('balance')}, ` +
      `${a('version')} = ${acc}.${a('version')} + 1, ${a('updatedAt')} = EXCLUDED.${a('updatedAt')} ` +
      `RETURNING ${a('balance')}, ${a('version')}), entry AS (${entryInsert}) SELECT ${a('balance')} AS balance, ${a('version')} AS version FROM acc`
    this.deductSql =
      `WITH acc AS (UPDATE ${acc} SET ${a('balance')} = ${a('balance')} - $2::bigint, ${a('totalUsed')} = ${a('totalUsed')} + $2::bigint, ` +
      `${a('version')} = ${a('version')} + 1, ${a('updatedAt')} = $3 WHERE ${a('userId')} = $1 AND ${a('balance')} >= $2::bigint ` +
      `RETURNING ${a('balance')}, ${a('version')}), entry AS (${entryInsert}) SELECT ${a('balance')} AS balance, ${a('version')} AS version FROM acc`
    this.replaySql = `SELECT ${e('id')} AS id, ${e('balanceAfter')} AS balance, ${e('seq')} AS version FROM ${ent} WHERE ${e('idempotencyKey')} = $1`
    this.balanceSql = `SELECT ${a('balance')} AS balance FROM ${acc} WHERE ${a('userId')} = $1`
  }

  async apply(change: LedgerChange): Promise<LedgerResult> {
    const amount = Math.abs(change.delta)
    // timestamps go as ISO text: drizzle's postgres.js setup passes Date values through unserialized
    const params = [
      change.userId,
      amount,
      change.now.toISOString(),
      change.transactionId,
      change.type,
      change.reason,
      change.idempotencyKey,
      change.delta,
    ]
    let rows: { balance: string; version: string }[]
    try {
      rows = (await this.sql.query(
        this.model,
        change.delta > 0 ? this.grantSql : this.deductSql,
        params,
      )) as typeof rows
    } catch (e) {
      // a used idempotency key fails the whole statement (unique violation): the first call's result counts
      const replay =
        change.idempotencyKey && (e as { code?: string }).code === 'P2002'
          ? await this.replay(change.idempotencyKey)
          : undefined
      if (replay) return replay
      throw e
    }
    const row = rows[0]
    if (row)
      return {
        balance: Number(row.balance),
        version: Number(row.version),
        transactionId: change.transactionId,
        replayed: false,
      }
    // nothing updated: the key may have been used by an earlier call (which then counts), else too little balance
    const replay = change.idempotencyKey ? await this.replay(change.idempotencyKey) : undefined
    if (replay) return replay
    const current = await this.sql.query(this.model, this.balanceSql, [change.userId])
    const balance = Number((current[0] as { balance?: string } | undefined)?.balance ?? 0)
    throw insufficient(change.userId, amount, balance)
  }

  private async replay(key: string): Promise<LedgerResult | undefined> {
    const rows = await this.sql.query(this.model, this.replaySql, [key])
    const r = rows[0] as { id: string; balance: string; version: string } | undefined
    return r && { balance: Number(r.balance), version: Number(r.version), transactionId: r.id, replayed: true }
  }
}

export function insufficient(userId: string, amount: number, balance: number): TandemError {
  return new TandemError(
    'INSUFFICIENT_CREDITS',
    `credits.deduct: user ${JSON.stringify(userId)} has ${balance} credits, ${amount} requested; nothing was charged`,
    {
      meta: { userId, requested: amount, balance },
    },
  )
}

function col(model: Model, field: string): string {
  const f = model.fields.get(field)
  if (!f) throw new TandemError('VALIDATION', `credits: model ${model.name} has no field ${field}; use creditsSchema`)
  return f.column
}
