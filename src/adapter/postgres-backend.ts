import postgres from 'postgres'
import { and, asc, count as countFn, desc, eq, gt, gte, ilike, inArray, is, isNotNull, isNull, like, lt, lte, ne, not, notInArray, or, Param, Placeholder, sql } from 'drizzle-orm'
import type { AnyColumn, SQL } from 'drizzle-orm'
import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js'
import { alias, type PgTable } from 'drizzle-orm/pg-core'
import type { Model, Row, SchemaInfo } from '../schema/model.js'
import { relatedModel } from '../schema/read-schema.js'
import { postgresDdl } from '../schema/postgres-ddl.js'
import { PlanCache } from '../cache/plan-cache.js'
import type { Backend, Ledger, LedgerModels, Operation, Statement } from './backend.js'
import { PostgresLedger } from './postgres-ledger.js'
import { TandemError, uniqueViolation, validationError } from './errors.js'
import type { Filter, OrderTerm, UpdateOps } from './query.js'

export interface PostgresOptions {
  /** connection URL; default DATABASE_URL */
  url?: string
  /** pool size (postgres.js `max`); default 10 */
  max?: number
  /** how long to wait for a connection before BACKEND_UNAVAILABLE; default 5000 ms */
  connectTimeoutMs?: number
}

/** A parameter slot in a query template: the value is looked up in `params[$p]` at execution. */
interface P { readonly $p: number }

/**
 * A compiled statement: drizzle builds the SQL once per shape; calls then bind values straight into
 * postgres.js (prepared), skipping drizzle's per-call wrappers, and map rows with the columns' decoders.
 */
interface Compiled {
  readonly text: string
  readonly bind: (params: readonly unknown[]) => unknown[]
}

const LIKE_ESCAPE = /[\\%_]/g
const likePattern = (op: string, v: string) => {
  const e = v.replace(LIKE_ESCAPE, (c) => `\\${c}`)
  return op === 'contains' ? `%${e}%` : op === 'startsWith' ? `${e}%` : `%${e}`
}

/**
 * Replaces every value in an operation with a parameter slot, so the operation's shape (its JSON with
 * the values left out) can key the plan cache, and the values bind to the cached prepared statement.
 */
function parametrize(operation: Operation): { shape: string; params: unknown[]; template: Operation } {
  const params: unknown[] = []
  const slot = (v: unknown): P => ({ $p: params.push(v) - 1 })
  const filter = (f: Filter): Filter => {
    switch (f.kind) {
      case 'and': case 'or': return { kind: f.kind, items: f.items.map(filter) }
      case 'not': return { kind: 'not', item: filter(f.item) }
      case 'const': return f
      case 'relation': return { ...f, filter: f.filter && filter(f.filter) }
      case 'after': return { ...f, values: f.values.map(slot) }
      case 'cmp':
        if (f.value === null) return f
        if (f.op === 'in' || f.op === 'notIn') return { ...f, value: (f.value as unknown[]).map(slot) }
        if (f.op === 'contains' || f.op === 'startsWith' || f.op === 'endsWith') return { ...f, value: slot(likePattern(f.op, f.value as string)) }
        return { ...f, value: slot(f.value) }
    }
  }
  const read = (q: { where: Filter | undefined; orderBy: readonly OrderTerm[]; take: number | undefined; skip: number | undefined; unique: boolean }) => ({
    ...q,
    where: q.where && filter(q.where),
    take: q.take === undefined ? undefined : (slot(q.take) as unknown as number),
    skip: q.skip === undefined || q.skip === 0 ? undefined : (slot(q.skip) as unknown as number),
  })
  let template: Operation
  switch (operation.op) {
    case 'findMany': case 'count': case 'delete':
      template = { ...operation, query: read(operation.query) }
      break
    case 'update': {
      const set: Record<string, { op: UpdateOps[string]['op']; value: unknown }> = {}
      for (const [k, v] of Object.entries(operation.set)) set[k] = { op: v.op, value: v.value === null ? null : slot(v.value) }
      template = { ...operation, query: read(operation.query), set }
      break
    }
    case 'insert':
      template = { ...operation, rows: operation.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === null ? null : slot(v)]))) }
      break
  }
  return { shape: JSON.stringify(template), params, template }
}

/**
 * The PostgreSQL backend: drizzle-orm over postgres.js. Each operation shape is compiled once into a
 * drizzle prepared statement with placeholders and cached; calls bind values only.
 */
export class PostgresBackend implements Backend {
  readonly kind = 'postgres' as const
  private readonly client: postgres.Sql
  private readonly db: PostgresJsDatabase
  private readonly plans = new PlanCache<Compiled>(2000)

  /** `transactionClient`: run on one transaction's connection (see `transaction`), not a new pool */
  constructor(private readonly schema: SchemaInfo, options: PostgresOptions = {}, transactionClient?: postgres.Sql) {
    if (transactionClient) {
      this.client = transactionClient
    } else {
      const url = options.url ?? process.env.DATABASE_URL
      if (!url) throw validationError('createDb', 'no PostgreSQL URL: pass postgres.url or set DATABASE_URL (npm run db:up prints one)')
      this.client = postgres(url, {
        max: options.max ?? 10,
        connect_timeout: Math.ceil((options.connectTimeoutMs ?? 5000) / 1000),
        onnotice: () => {},
        // postgres.js pipelining slows a busy pool down over time (porsager/postgres#747, measured in
        // benchmarks/): one query in flight per connection. (0 breaks sql.begin: BEGIN goes out before the
        // connection is reserved.) The option exists at runtime but is missing from its type definitions.
        ...({ max_pipeline: 1 } as object),
      })
    }
    this.db = drizzle(this.client)
  }

  /** Runs `fn` in one transaction: everything or nothing (nested writes). */
  async transaction<T>(fn: (tx: Backend) => Promise<T>): Promise<T> {
    const first = [...this.schema.models.values()][0]!
    return (await this.guard(first, () =>
      this.client.begin((tx) => {
        // drizzle's postgres.js driver configures type parsers on `client.options`, which a transaction
        // handle lacks: it shares the pool's (already configured) options
        const txClient = Object.assign(tx, { options: (tx as unknown as { options?: unknown }).options ?? this.client.options }) as unknown as postgres.Sql
        return fn(new PostgresBackend(this.schema, {}, txClient))
      }),
    )) as T
  }

  async run(model: Model, operation: Operation): Promise<Row[] | number> {
    if (operation.op === 'insert' && operation.rows.length === 0) return []
    if (operation.op === 'insert' && operation.rows.length > 1) return this.insertChunked(model, operation)
    const { shape, params } = parametrize(operation)
    const result = await this.execute(model, this.compiled(model, shape), params)
    if (operation.op === 'count') return Number(Object.values(result[0] ?? {})[0] ?? 0)
    return result.map((r) => decodeRow(model, r))
  }

  private execute(model: Model, compiled: Compiled, params: readonly unknown[]): Promise<Record<string, unknown>[]> {
    return this.guard(model, () => this.client.unsafe(compiled.text, compiled.bind(params) as never[], { prepare: true }) as unknown as Promise<Record<string, unknown>[]>)
  }

  /** Large createMany calls are split so no statement exceeds PostgreSQL's 65535 bind parameters. */
  private async insertChunked(model: Model, operation: Extract<Operation, { op: 'insert' }>): Promise<Row[]> {
    const perRow = Math.max(1, Object.keys(operation.rows[0]!).length)
    const size = Math.max(1, Math.min(1000, Math.floor(60000 / perRow)))
    const out: Row[] = []
    for (let i = 0; i < operation.rows.length; i += size) {
      const chunk = operation.rows.slice(i, i + size)
      const { shape, params } = parametrize({ ...operation, rows: chunk })
      for (const r of await this.execute(model, this.compiled(model, shape), params)) out.push(decodeRow(model, r))
    }
    return out
  }

  explain(model: Model, operation: Operation): Statement[] {
    return [{ text: this.compiled(model, parametrize(operation).shape).text, table: model.table }]
  }

  private compiled(model: Model, shape: string): Compiled {
    const key = `${model.name}\u0000${shape}`
    return this.plans.getOrCreate(key, () => this.compile(model, JSON.parse(shape) as Operation))
  }

  private compile(model: Model, operation: Operation): Compiled {
    const table = model.drizzle
    const columns = table as unknown as Record<string, AnyColumn>
    const rawBind = (p: unknown) => sql.placeholder(`p${(p as P).$p}`)
    let aliases = 0
    /** A filter on `m`, whose columns are `cols` (the table itself, or an alias inside EXISTS). */
    const compileFilter = (m: Model, cols: Record<string, AnyColumn>, f: Filter): SQL => {
      const bind = (field: string, p: unknown): SQL | Param => (p === null ? sql`null` : new Param(sql.placeholder(`p${(p as P).$p}`), cols[field]!))
      const sub = (g: Filter) => compileFilter(m, cols, g)
      switch (f.kind) {
        case 'const': return f.value ? sql`true` : sql`false`
        case 'and': return f.items.length ? and(...f.items.map(sub))! : sql`true`
        case 'or': return f.items.length ? or(...f.items.map(sub))! : sql`false`
        case 'not': return not(sub(f.item))
        case 'after': return afterSql(f.fields.map((n) => cols[n]!), f.dirs, f.values.map((v, i) => bind(f.fields[i]!, v)))
        case 'relation': {
          // EXISTS over the related table (aliased: a relation may point at its own table)
          const rel = m.relations.get(f.relation)!
          const target = relatedModel(m, rel.target)
          const name = `r${++aliases}`
          const t = alias(target.drizzle, name) as unknown as Record<string, AnyColumn>
          const link = rel.fields.map((field, i) => eq(t[rel.references[i]!]!, cols[field]!))
          const inner = f.filter && compileFilter(target, t, f.mode === 'every' ? { kind: 'not', item: f.filter } : f.filter)
          const exists = sql`exists (select 1 from ${sql.identifier(target.table)} as ${sql.identifier(name)} where ${and(...link, ...(inner ? [inner] : []))})`
          return f.mode === 'some' ? exists : sql`not ${exists}`
        }
        case 'cmp': {
          const column = cols[f.field]!
          if (f.value === null) return f.op === 'eq' ? isNull(column) : isNotNull(column)
          if (f.insensitive) {
            const lc = sql`lower(${column})`
            const lv = (p: unknown) => sql`lower(${rawBind(p)})`
            switch (f.op) {
              case 'contains': case 'startsWith': case 'endsWith': return ilike(column, rawBind(f.value) as unknown as string)
              case 'in': return sql`${lc} in (${sql.join((f.value as P[]).map(lv), sql`, `)})`
              case 'notIn': return sql`${lc} not in (${sql.join((f.value as P[]).map(lv), sql`, `)})`
              default: return sql`${lc} ${sql.raw(SQL_OPS[f.op] ?? '=')} ${lv(f.value)}`
            }
          }
          if (m.fields.get(f.field)!.kind === 'json' && (f.op === 'eq' || f.op === 'ne')) {
            // json has no equality operator (jsonb does): compare both sides as jsonb
            return sql`${column}::jsonb ${sql.raw(f.op === 'eq' ? '=' : '<>')} ${bind(f.field, f.value)}::jsonb`
          }
          switch (f.op) {
            case 'eq': return eq(column, bind(f.field, f.value))
            case 'ne': return ne(column, bind(f.field, f.value))
            case 'lt': return lt(column, bind(f.field, f.value))
            case 'lte': return lte(column, bind(f.field, f.value))
            case 'gt': return gt(column, bind(f.field, f.value))
            case 'gte': return gte(column, bind(f.field, f.value))
            case 'in': return inArray(column, (f.value as P[]).map((p) => bind(f.field, p)))
            case 'notIn': return notInArray(column, (f.value as P[]).map((p) => bind(f.field, p)))
            case 'contains': case 'startsWith': case 'endsWith': return like(column, rawBind(f.value) as unknown as string)
          }
        }
      }
    }
    const bind = (field: string, p: unknown): SQL | Param => (p === null ? sql`null` : new Param(sql.placeholder(`p${(p as P).$p}`), columns[field]!))
    const where = (f: Filter | undefined): SQL | undefined => (f ? compileFilter(model, columns, f) : undefined)
    const order = (terms: readonly OrderTerm[]) =>
      terms.map((t) => {
        const c = columns[t.field]!
        const base = t.dir === 'desc' ? desc(c) : asc(c)
        return t.nulls ? sql`${base} nulls ${sql.raw(t.nulls)}` : base
      })

    let builder: { toSQL(): { sql: string } }
    switch (operation.op) {
      case 'findMany': {
        const q = operation.query
        let b = this.db.select().from(table as PgTable).where(where(q.where)).$dynamic()
        if (q.orderBy.length) b = b.orderBy(...order(q.orderBy))
        if (q.take !== undefined) b = b.limit(rawBind(q.take) as unknown as number)
        if (q.skip !== undefined) b = b.offset(rawBind(q.skip) as unknown as number)
        builder = b as unknown as typeof builder
        break
      }
      case 'count':
        builder = this.db.select({ n: countFn() }).from(table as PgTable).where(where(operation.query.where)) as unknown as typeof builder
        break
      case 'insert': {
        // insert/set wrap plain values in a column-encoded Param themselves: hand them bare placeholders
        const values = operation.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, p]) => [k, p === null ? null : rawBind(p)])))
        let b = this.db.insert(table as PgTable).values(values as never).$dynamic()
        if (operation.skipDuplicates) b = b.onConflictDoNothing()
        builder = b.returning() as unknown as typeof builder
        break
      }
      case 'update': {
        const set: Record<string, unknown> = {}
        for (const [k, op] of Object.entries(operation.set)) {
          const c = columns[k]!
          const v = bind(k, op.value)
          set[k] =
            op.op === 'set' ? (op.value === null ? null : rawBind(op.value))
            : op.op === 'increment' ? sql`${c} + ${v}`
            : op.op === 'decrement' ? sql`${c} - ${v}`
            : op.op === 'multiply' ? sql`${c} * ${v}`
            : sql`${c} / ${v}`
        }
        builder = this.db.update(table as PgTable).set(set).where(where(operation.query.where)).returning() as unknown as typeof builder
        break
      }
      case 'delete':
        builder = this.db.delete(table as PgTable).where(where(operation.query.where)).returning() as unknown as typeof builder
        break
    }
    const query = builder.toSQL() as unknown as { sql: string; params: unknown[] }
    const binders = query.params.map((p): ((params: readonly unknown[]) => unknown) => {
      if (is(p, Placeholder)) {
        const i = slotIndex(p)
        return (params) => params[i]
      }
      if (is(p, Param) && is(p.value, Placeholder)) {
        const i = slotIndex(p.value)
        const encoder = p.encoder
        return (params) => (params[i] === null || params[i] === undefined ? null : encoder.mapToDriverValue(params[i]))
      }
      return () => p
    })
    return { text: query.sql, bind: (params) => binders.map((b) => b(params)) }
  }

  /** Runs a statement, turning driver errors into tandem's codes. */
  private async guard<T>(model: Model, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      throw this.translate(model, e)
    }
  }

  private translate(model: Model, thrown: unknown): unknown {
    // drizzle wraps driver errors in DrizzleQueryError; the PostgreSQL fields are on its cause
    const cause = (thrown as { cause?: { code?: unknown } })?.cause
    const e = cause && typeof cause === 'object' && typeof cause.code === 'string' ? cause : thrown
    const err = e as { code?: string; constraint_name?: string; message?: string; errno?: string }
    switch (err.code) {
      case '23505': {
        const key = [...this.schema.models.values()].flatMap((m) => m.uniqueKeys.map((u) => ({ m, u }))).find((x) => x.u.name === err.constraint_name)
        return uniqueViolation(key?.m.name ?? model.name, key?.u.fields ?? [err.constraint_name ?? 'unknown'], e)
      }
      case '23503':
        return new TandemError('P2003', `Foreign key constraint violated on the constraint: \`${err.constraint_name}\``, { meta: { modelName: model.name, field_name: err.constraint_name }, cause: e })
      case '23502':
        return new TandemError('P2011', `Null constraint violation on ${model.name}: ${err.message}`, { meta: { modelName: model.name }, cause: e })
      case '22003':
        return new TandemError('P2020', `Value out of range for the type: ${err.message}`, { meta: { details: err.message }, cause: e })
      case '22P02': case '22007': case '22008':
        return validationError(model.name, `PostgreSQL rejected a value: ${err.message}`)
      case 'ECONNREFUSED': case 'CONNECT_TIMEOUT': case 'ENOTFOUND': case 'CONNECTION_CLOSED': case 'CONNECTION_ENDED': case 'CONNECTION_DESTROYED': case 'EHOSTUNREACH': case 'ETIMEDOUT': case '57P01': case '57P03':
        return new TandemError('BACKEND_UNAVAILABLE', `PostgreSQL is unavailable (${err.code}): ${err.message}. Is it running? (npm run db:up)`, { cause: e })
      default:
        return thrown
    }
  }

  ddl(): string[] {
    return postgresDdl(this.schema)
  }

  async push(): Promise<void> {
    for (const stmt of this.ddl()) await this.guard([...this.schema.models.values()][0]!, () => this.client.unsafe(stmt))
  }

  async ping(): Promise<void> {
    await this.guard([...this.schema.models.values()][0]!, () => this.client`select 1`)
  }

  async close(): Promise<void> {
    await this.client.end({ timeout: 5 })
  }

  ledger(models: LedgerModels): Ledger {
    return new PostgresLedger(this.client, models, (e) => this.translate(models.entries, e))
  }
}

const slotIndex = (p: Placeholder): number => Number(p.name.slice(1))

/** A row as postgres.js returns it (keyed by column) → a tandem row, through each column's drizzle decoder. */
function decodeRow(model: Model, raw: Record<string, unknown>): Row {
  const row: Row = {}
  for (const field of model.fields.values()) {
    const v = raw[field.column]
    row[field.name] = v === null || v === undefined ? null : field.drizzle.mapFromDriverValue(v)
  }
  return row
}

const SQL_OPS: Record<string, string> = { eq: '=', ne: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' }

/** "At or after the cursor" as SQL: one row comparison when all directions agree, else the expanded OR. */
function afterSql(columns: AnyColumn[], dirs: readonly string[], values: (SQL | Param)[]): SQL {
  if (dirs.every((d) => d === dirs[0])) {
    const op = dirs[0] === 'desc' ? sql`<=` : sql`>=`
    return sql`(${sql.join(columns, sql`, `)}) ${op} (${sql.join(values, sql`, `)})`
  }
  const branches: SQL[] = []
  for (let i = 0; i < columns.length; i++) {
    const parts: SQL[] = []
    for (let j = 0; j < i; j++) parts.push(sql`${columns[j]} = ${values[j]}`)
    const last = i === columns.length - 1
    const op = dirs[i] === 'desc' ? (last ? '<=' : '<') : last ? '>=' : '>'
    parts.push(sql`${columns[i]} ${sql.raw(op)} ${values[i]}`)
    branches.push(and(...parts)!)
  }
  return or(...branches)!
}
