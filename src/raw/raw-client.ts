import type { Backend, RawQuery } from '../adapter/backend.js'
import { LazyCall, type TandemPromise } from '../adapter/lazy-call.js'
import { validationError } from '../errors.js'
import type { Telemetry } from '../observe/telemetry.js'
import { templateArgs, type Sql } from './sql-template.js'
import type { RawRow } from './raw-values.js'

/**
 * The raw-statement methods of a client (and of a transaction's client: pass its `tx` backend). The result
 * type parameter is the whole result, as in Prisma (`$queryRaw<{ id: string }[]>\`…\``). Like model calls they
 * are lazy (run when awaited), so `$transaction([db.$executeRaw\`…\`, db.profile.update(…)])` runs them in it.
 */
export interface RawMethods {
  /**
   * PostgreSQL: the rows of a statement, values bound (`${value}` is a parameter, never text). Also takes a
   * `sql\`…\`` fragment. On ScyllaDB: VALIDATION (use `$cql`).
   * @example const rows = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM profile WHERE name = ${name}`
   */
  $queryRaw<T = RawRow[]>(query: TemplateStringsArray | Sql, ...values: unknown[]): TandemPromise<T>
  /** PostgreSQL: runs a statement, values bound; resolves to the number of rows it affected. */
  $executeRaw(query: TemplateStringsArray | Sql, ...values: unknown[]): TandemPromise<number>
  /** PostgreSQL: `$queryRaw` for a text built at run time, with `$1, $2, …` bound to `values`. Never splice input into `text`. */
  $queryRawUnsafe<T = RawRow[]>(text: string, ...values: unknown[]): TandemPromise<T>
  /** PostgreSQL: `$executeRaw` for a text built at run time, with `$1, $2, …` bound to `values`. */
  $executeRawUnsafe(text: string, ...values: unknown[]): TandemPromise<number>
  /**
   * ScyllaDB: a CQL statement, values bound (prepared): resolves to its rows as plain objects (a write: `[]`; a
   * lightweight transaction: `[{ applied, …current row when not applied }]`). On PostgreSQL: VALIDATION.
   * @example await db.$cql`SELECT * FROM profile WHERE id = ${id}`
   */
  $cql<T = RawRow[]>(query: TemplateStringsArray | Sql, ...values: unknown[]): TandemPromise<T>
  /** ScyllaDB: `$cql` for a text built at run time, with `?` bound to `values`. */
  $cqlUnsafe<T = RawRow[]>(text: string, ...values: unknown[]): TandemPromise<T>
}

/**
 * The raw methods over a backend (the client's, or a transaction's `tx`). `telemetry`, when the client has one,
 * wraps each call (the statement's target, a span, an error event).
 * @example Object.assign(client, rawMethods(() => backend, telemetry))
 */
export function rawMethods(backend: () => Backend, telemetry?: Telemetry): RawMethods {
  const runOn = (b: Backend, query: RawQuery): Promise<unknown> => {
    if (telemetry === undefined || !telemetry.watchesCalls) return b.raw(query)
    return telemetry.call(query.method, { system: b.kind, operation: query.method }, () => b.raw(query))
  }
  // lazy, as model calls: arguments are checked when it runs, so a refusal is a rejection like every other error
  const call = <T>(method: string, make: () => RawQuery): TandemPromise<T> =>
    new LazyCall({ model: 'db', operation: method, args: undefined }, backend(), (b) => runOn(b, make()) as Promise<T>)
  const unsafe = (method: string, text: unknown): string => {
    if (typeof text !== 'string')
      throw validationError(method, 'takes the statement text as a string, then its values: (text, ...values)')
    return text
  }
  const tagged = (
    method: string,
    language: 'sql' | 'cql',
    result: 'rows' | 'count',
    query: unknown,
    values: unknown[],
  ) =>
    call<never>(method, () => {
      const s = templateArgs(method, query as TemplateStringsArray | Sql, values)
      return { language, text: language === 'sql' ? s.text : s.sql, values: s.values, result, method }
    })
  const untagged = (
    method: string,
    language: 'sql' | 'cql',
    result: 'rows' | 'count',
    text: unknown,
    values: unknown[],
  ) => call<never>(method, () => ({ language, text: unsafe(method, text), values, result, method }))
  return {
    $queryRaw: (query, ...values) => tagged('$queryRaw', 'sql', 'rows', query, values),
    $executeRaw: (query, ...values) => tagged('$executeRaw', 'sql', 'count', query, values),
    $queryRawUnsafe: (text, ...values) => untagged('$queryRawUnsafe', 'sql', 'rows', text, values),
    $executeRawUnsafe: (text, ...values) => untagged('$executeRawUnsafe', 'sql', 'count', text, values),
    $cql: (query, ...values) => tagged('$cql', 'cql', 'rows', query, values),
    $cqlUnsafe: (text, ...values) => untagged('$cqlUnsafe', 'cql', 'rows', text, values),
  }
}
