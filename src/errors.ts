/** Stable error codes: Prisma's own (P2002, P2025, …) plus tandem's (see API.md). */
export type ErrorCode =
  | 'P1000'
  /** ScyllaDB: the keyspace does not exist (run push) */
  | 'P1003'
  /** ScyllaDB: the user lacks a permission on the keyspace */
  | 'P1010'
  | 'P2002'
  /** a raw statement (`$queryRaw`, `$executeRaw`, `$cql`) the database rejected; `meta.code` is the database's code */
  | 'P2010'
  | 'P2003'
  | 'P2011'
  | 'P2014'
  | 'P2015'
  | 'P2017'
  | 'P2018'
  /** Prisma's "Input error": argument combinations its engine rejects (groupBy orderBy/having outside `by`, …) */
  | 'P2019'
  | 'P2020'
  /** ScyllaDB: a table / column the schema has does not exist on the server (run push) */
  | 'P2021'
  | 'P2022'
  | 'P2025'
  /** Prisma's transaction API error: an expired or closed `$transaction`, or one that could not start within maxWait */
  | 'P2028'
  | 'P2034'
  | 'VALIDATION'
  | 'UNSERVABLE_QUERY'
  | 'BACKEND_UNAVAILABLE'
  /** a write that may or may not have applied (a timeout tandem could not resolve by reading back); do not retry blindly */
  | 'OUTCOME_UNKNOWN'
  /** the database or its driver rejected a statement tandem sent (not the caller's arguments) */
  | 'BACKEND_ERROR'
  | 'INSUFFICIENT_CREDITS'
  /** the `tandem` CLI's config file is missing, cannot be loaded, or is not a valid config */
  | 'CONFIG'
  /** `migrate` found rows in a target model it has no checkpoint for (pass force to replace them) */
  | 'TARGET_NOT_EMPTY'
  /**
   * ScyllaDB `push`: the schema changes a live table in a way it cannot do in place (a primary, partition or
   * clustering key, the layout, a column's type); nothing was changed. The way is a new keyspace + `tandem migrate`
   */
  | 'SCHEMA_CHANGE_REFUSED'

/**
 * The one error class tandem throws. `code` is stable; `meta` carries details such as the violated
 * unique target; the driver error, if any, is kept as `cause`.
 * @example try { await db.profile.create({ data }) } catch (e) { if (e.code === 'P2002') … }
 */
export class TandemError extends Error {
  readonly code: ErrorCode
  readonly meta: Record<string, unknown> | undefined
  constructor(code: ErrorCode, message: string, options: { meta?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TandemError'
    this.code = code
    this.meta = options.meta
  }
}

/** Shorthand for argument errors, which always name the model and method for the person reading them. */
export function validationError(where: string, message: string): TandemError {
  return new TandemError('VALIDATION', `${where}: ${message}`)
}

export function notFoundError(model: string, method: string, cause = 'Record to update not found.'): TandemError {
  return new TandemError('P2025', `${model}.${method}: ${cause}`, { meta: { modelName: model, cause } })
}

export function uniqueViolation(model: string, target: readonly string[], cause?: unknown): TandemError {
  return new TandemError(
    'P2002',
    `Unique constraint failed on the fields: (${target.map((t) => `\`${t}\``).join(',')}) of model ${model}`,
    {
      meta: { modelName: model, target: [...target] },
      cause,
    },
  )
}

/** P2019, Prisma's "Input error" for argument combinations its query engine rejects (groupBy, aggregate cursor). */
export function inputError(where: string, message: string): TandemError {
  return new TandemError('P2019', `${where}: Input error. ${message}`)
}
