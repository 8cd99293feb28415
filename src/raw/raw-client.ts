import type { Backend, RawQuery } from '../adapter/backend.js'
import { validationError } from '../errors.js'
import type { Telemetry } from '../observe/telemetry.js'
import { templateArgs, type Sql } from './sql-template.js'
import type { RawRow } from './raw-values.js'

/**
 * The raw-statement methods of a client (and of a transaction's client: pass its `tx` backend). The result
 * type parameter is the whole result, as in Prisma (`$queryRaw<{ id: string }[]>\`…\``).
 */
export interface RawMethods {
  /**
   * PostgreSQL: the rows of a statement, values bound (`${value}` is a parameter, never text). Also takes a
   * `sql\`…\`` fragment. On ScyllaDB: VALIDATION (use `$cql`).
   * @example const rows = await db.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM profile WHERE name = ${name}`
   */
  $queryRaw<T = RawRow[]>(query: TemplateStringsArray | Sql, ...values: unknown[]): Promise<T>
  /** PostgreSQL: runs a statement, values bound; resolves to the number of rows it affected. */
  $executeRaw(query: TemplateStringsArray | Sql, ...values: unknown[]): Promise<number>
  /** PostgreSQL: `$queryRaw` for a text built at run time, with `$1, $2, …` bound to `values`. Never splice input into `text`. */
  $queryRawUnsafe<T = RawRow[]>(text: string, ...values: unknown[]): Promise<T>
  /** PostgreSQL: `$executeRaw` for a text built at run time, with `$1, $2, …` bound to `values`. */
  $executeRawUnsafe(text: string, ...values: unknown[]): Promise<number>
  /**
   * ScyllaDB: a CQL statement, values bound (prepared): resolves to its rows as plain objects (a write: `[]`; a
   * lightweight transaction: `[{ applied, …current row when not applied }]`). On PostgreSQL: VALIDATION.
   * @example await db.$cql`SELECT * FROM profile WHERE id = ${id}`
   */
  $cql<T = RawRow[]>(query: TemplateStringsArray | Sql, ...values: unknown[]): Promise<T>
  /** ScyllaDB: `$cql` for a text built at run time, with `?` bound to `values`. */
  $cqlUnsafe<T = RawRow[]>(text: string, ...values: unknown[]): Promise<T>
}

/**
 * The raw methods over a backend (the client's, or a transaction's `tx`). `telemetry`, when the client has one,
 * wraps each call (the statement's target, a span, an error event).
 * @example Object.assign(client, rawMethods(() => backend, telemetry))
 */
export function rawMethods(backend: () => Backend, telemetry?: Telemetry): RawMethods {
  const run = (query: RawQuery): Promise<unknown> => {
    const b = backend()
    if (telemetry === undefined || !telemetry.watchesCalls) return b.raw(query)
    return telemetry.call(query.method, { system: b.kind, operation: query.method }, () => b.raw(query))
  }
  const unsafe = (method: string, text: unknown): string => {
    if (typeof text !== 'string')
      throw validationError(method, 'takes the statement text as a string, then its values: (text, ...values)')
    return text
  }
  // async: an argument refused is a rejected promise, as every other call's errors
  return {
    $queryRaw: async (query, ...values) => {
      const s = templateArgs('$queryRaw', query, values)
      return run({ language: 'sql', text: s.text, values: s.values, result: 'rows', method: '$queryRaw' }) as never
    },
    $executeRaw: async (query, ...values) => {
      const s = templateArgs('$executeRaw', query, values)
      return run({ language: 'sql', text: s.text, values: s.values, result: 'count', method: '$executeRaw' }) as never
    },
    $queryRawUnsafe: async (text, ...values) =>
      run({
        language: 'sql',
        text: unsafe('$queryRawUnsafe', text),
        values,
        result: 'rows',
        method: '$queryRawUnsafe',
      }) as never,
    $executeRawUnsafe: async (text, ...values) =>
      run({
        language: 'sql',
        text: unsafe('$executeRawUnsafe', text),
        values,
        result: 'count',
        method: '$executeRawUnsafe',
      }) as never,
    $cql: async (query, ...values) => {
      const s = templateArgs('$cql', query, values)
      return run({ language: 'cql', text: s.sql, values: s.values, result: 'rows', method: '$cql' }) as never
    },
    $cqlUnsafe: async (text, ...values) =>
      run({ language: 'cql', text: unsafe('$cqlUnsafe', text), values, result: 'rows', method: '$cqlUnsafe' }) as never,
  }
}
