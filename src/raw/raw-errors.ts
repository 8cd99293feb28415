import { TandemError, validationError } from '../errors.js'

/** The P2010 Prisma throws for a raw statement the database rejected, with the database's code in `meta`. */
export function rawFailed(method: string, code: string, message: string, cause: unknown): TandemError {
  return new TandemError('P2010', `${method}: Raw query failed. Code: \`${code}\`. Message: \`${message}\``, {
    cause,
    // `code`/`message` as Prisma 5 gave them; `driverAdapterError.cause` as Prisma 7 (driver adapters) does
    meta: {
      code,
      message,
      driverAdapterError: { name: 'DriverAdapterError', cause: { originalCode: code, originalMessage: message } },
    },
  })
}

/** PostgreSQL SQLSTATE classes that are about the connection or the server, not the statement. */
const NOT_THE_STATEMENT = /^(08|28|53|57P0[1-3])/

/**
 * A raw PostgreSQL statement's failure: an error the server reports for the statement (syntax, missing table,
 * constraint, bad value: any SQLSTATE) → P2010, as Prisma; connection, credential and availability failures
 * keep the codes every call gets (`translate`: BACKEND_UNAVAILABLE, P1000).
 */
export function sqlRawError(method: string, e: unknown, translate: (e: unknown) => unknown): unknown {
  if (e instanceof TandemError) return e
  const err = e as { name?: unknown; code?: unknown; message?: unknown }
  if (err?.name === 'PostgresError' && typeof err.code === 'string' && !NOT_THE_STATEMENT.test(err.code))
    return rawFailed(method, err.code, String(err.message), e)
  const mapped = translate(e)
  if (mapped instanceof TandemError) return mapped
  // postgres.js refused a value before sending (a type it cannot serialize)
  return validationError(method, `the statement could not be sent: ${e instanceof Error ? e.message : String(e)}`)
}
