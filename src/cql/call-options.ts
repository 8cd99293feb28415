import { AsyncLocalStorage } from 'node:async_hooks'
import cassandra from 'cassandra-driver'
import { validationError } from '../errors.js'

const { consistencies } = cassandra.types

/** What `db.$scylla({ … })` takes: options of every call its client makes. */
export interface ScyllaCallOptions {
  /** 'one' | 'localOne' | 'quorum' | 'localQuorum' | 'eachQuorum' | 'all' | 'two' | 'three' | 'any' */
  consistency?: string
  /** the driver's per-request timeout (readTimeout), in ms */
  timeoutMs?: number
  /** seconds; writes (base row and its lookup entries) get `USING TTL` */
  ttl?: number
}

/** The options as the executor uses them: driver consistency code, timeout, TTL. */
export interface ResolvedCallOptions {
  readonly consistency: number | undefined
  readonly timeoutMs: number | undefined
  readonly ttl: number | undefined
}

const NAMES: Record<string, number> = {
  any: consistencies.any,
  one: consistencies.one,
  two: consistencies.two,
  three: consistencies.three,
  quorum: consistencies.quorum,
  all: consistencies.all,
  localquorum: consistencies.localQuorum,
  eachquorum: consistencies.eachQuorum,
  localone: consistencies.localOne,
}
const SERIAL: Record<string, number> = { serial: consistencies.serial, localserial: consistencies.localSerial }

/** A consistency name ('localQuorum', 'LOCAL_QUORUM', 'local_quorum' …) as the driver's code; VALIDATION otherwise. */
export function consistencyCode(name: unknown, where: string, serial = false): number {
  const table = serial ? SERIAL : NAMES
  const code = typeof name === 'string' ? table[name.replace(/_/g, '').toLowerCase()] : undefined
  if (code === undefined)
    throw validationError(
      where,
      `unknown ${serial ? 'serial ' : ''}consistency ${JSON.stringify(name)}; use one of ${Object.keys(table).join(', ')} (camelCase or UPPER_CASE)`,
    )
  return code
}

/** Checks `$scylla`'s options (on either backend, so a typo shows on PostgreSQL too). */
export function resolveCallOptions(options: unknown): ResolvedCallOptions {
  const where = '$scylla'
  if (!options || typeof options !== 'object' || Array.isArray(options))
    throw validationError(where, 'pass { consistency?, timeoutMs?, ttl? }')
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!['consistency', 'timeoutMs', 'ttl'].includes(key))
      throw validationError(where, `unknown option \`${key}\`; options are consistency, timeoutMs, ttl`)
  const consistency = o.consistency === undefined ? undefined : consistencyCode(o.consistency, where)
  const timeoutMs = o.timeoutMs
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && Number.isInteger(timeoutMs) && timeoutMs > 0))
    throw validationError(where, '`timeoutMs` must be a positive whole number of milliseconds')
  const ttl = o.ttl
  // CQL's TTL limit is 20 years
  if (ttl !== undefined && !(typeof ttl === 'number' && Number.isInteger(ttl) && ttl > 0 && ttl <= 630_720_000))
    throw validationError(where, '`ttl` must be a positive whole number of seconds (at most 630720000, 20 years)')
  return { consistency, timeoutMs: timeoutMs as number | undefined, ttl: ttl as number | undefined }
}

/**
 * The options of the call in progress. Scoped per asynchronous call chain (not a global flag): a
 * `$scylla` client runs each call inside `callScope.run(options, …)`, and calls of other clients,
 * concurrent or not, see none.
 */
export const callScope = new AsyncLocalStorage<ResolvedCallOptions>()

/** TTL texts by statement text: `INSERT … [IF NOT EXISTS] USING TTL ?`, `UPDATE t USING TTL ? SET …` */
const ttlTexts = new Map<string, { text: string; first: boolean } | null>()

/**
 * The text of a write with a bound TTL (`first`: the TTL is the first parameter, else the last), made once
 * per statement text, so plans stay cached by shape; null for statements that write no cells (DELETE, SELECT).
 */
export function ttlText(query: string): { text: string; first: boolean } | null {
  let t = ttlTexts.get(query)
  if (t === undefined) {
    if (query.startsWith('INSERT ')) t = { text: `${query} USING TTL ?`, first: false }
    else if (query.startsWith('UPDATE ')) {
      const at = query.indexOf(' SET ')
      t = { text: `${query.slice(0, at)} USING TTL ?${query.slice(at)}`, first: true }
    } else t = null
    ttlTexts.set(query, t)
  }
  return t
}
