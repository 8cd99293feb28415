import { TandemError, validationError } from '../errors.js'
import { rawFailed } from '../raw/raw-errors.js'
import { serverCode } from './driver-errors.js'

/**
 * A raw CQL statement's failure, after driver-errors.ts coded it: a statement the server rejected (syntax,
 * invalid, unknown table or column: BACKEND_ERROR, P1003, P2021, P2022 with a server code) → P2010 with the
 * server's code as hex (`0x2000`); availability, timeouts (OUTCOME_UNKNOWN) and credentials keep their codes;
 * a value the driver cannot bind → VALIDATION.
 */
export function cqlRawError(method: string, e: unknown): unknown {
  const code = serverCode(e)
  if (e instanceof TandemError && code !== undefined && ['BACKEND_ERROR', 'P1003', 'P2021', 'P2022'].includes(e.code)) {
    const message = e.cause instanceof Error ? e.cause.message : e.message
    return rawFailed(method, `0x${code.toString(16).padStart(4, '0')}`, message, e.cause)
  }
  if (e instanceof TandemError) return e
  return validationError(
    method,
    `cassandra-driver cannot bind the values: ${e instanceof Error ? e.message : String(e)}`,
  )
}
