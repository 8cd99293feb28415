import net from 'node:net'
import type { Row } from '../schema/model.js'
import type { CqlTable, ModelTables } from '../schema/scylla-layout.js'
import { TandemError } from '../errors.js'
import { callScope } from './call-options.js'
import { isOutcomeUnknown } from './driver-errors.js'
import type { CqlStatement } from './cql-executor.js'
import type { ScyllaSession } from './scylla-session.js'
import { rowFromCql } from './scylla-values.js'

/** how often a SERIAL read that settles an outcome is tried (a node that just died is routed around in < 1 s) */
const SETTLE_READS = 4
/**
 * How long a server may go on with an LWT after the client stopped waiting, by default: its coordinator
 * retries Paxos rounds for up to cas_contention_timeout (1 s by default on ScyllaDB and Cassandra) and then
 * waits write_request_timeout (2 s) for the commit. A SERIAL read settles what was accepted before it, not a
 * round its coordinator starts after it, so "not applied" is only final once this has passed since sending.
 * A cluster with longer timeouts sets `scylla.lwtSettleMs` (ScyllaSession.lwtSettleMs).
 */
export const SERVER_LWT_BUDGET_MS = 3_500
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A row (of the base table or a lookup table) by its full key, read at SERIAL: a Paxos read that first
 * completes or discards any compare-and-set still in flight on the partition, so what it returns is final
 * for every LWT sent before it. Retried a few times (a dead node is routed around); when it cannot be read,
 * `unknown` (the failure being settled) is thrown, or the read's own error without it.
 */
export async function serialRow(
  s: ScyllaSession,
  t: ModelTables,
  table: CqlTable,
  key: Row,
  unknown?: TandemError,
): Promise<Row | undefined> {
  const st = s.statements(table)
  const params = s.bind(t.model, st.key, key)
  const fields = table.fields.map((f) => t.model.fields.get(f)!)
  for (let i = 0; ; i++) {
    try {
      // outside the call's $scylla({ timeoutMs }): settling must not be cut short by a tight budget
      const rows = await callScope.exit(() => s.exec.select(st.selectByKey, params, 1, true))
      return rows[0] ? rowFromCql(t.model, rows[0], fields) : undefined
    } catch (e) {
      if (i + 1 >= SETTLE_READS) {
        if (!unknown) throw e
        s.warn(`${t.model.name}: could not read back a write whose outcome is unknown`, e)
        throw unknown
      }
      await sleep(100 * 2 ** i)
    }
  }
}

/**
 * Runs a lightweight transaction and returns whether it applied. If its outcome is unknown (a Paxos write
 * timeout, a client timeout, a socket closed after sending), `decide` reads back at SERIAL and says:
 * true (applied), false (not applied: safe to go on as after `[applied] = false`), or undefined (cannot
 * tell): then OUTCOME_UNKNOWN is thrown, naming `what`.
 * @example const applied = await lwtSettled(s, stmt, 'Post.update', async (e) => { const r = await serialRow(…, e); … })
 */
export async function lwtSettled(
  s: ScyllaSession,
  statement: CqlStatement,
  what: string,
  decide: (unknown: TandemError) => Promise<boolean | undefined>,
): Promise<boolean> {
  return (await lwtResult(s, statement, what, decide)).applied
}

/** lwtSettled with the LWT's answer: `current` is the row that refused it (undefined when settled by reading back). */
export async function lwtResult(
  s: ScyllaSession,
  statement: CqlStatement,
  what: string,
  decide: (unknown: TandemError) => Promise<boolean | undefined>,
): Promise<{ applied: boolean; current: Record<string, unknown> | undefined }> {
  const sentAt = Date.now()
  try {
    return await s.exec.lwt(statement.query, statement.params)
  } catch (e) {
    if (!isOutcomeUnknown(e)) throw e
    let verdict = await decide(e)
    // "not applied" after the client gave up (no server write timeout): the server may still be running it
    if (verdict === false && e.meta?.writeType === undefined) {
      await untilServerGaveUp(s, sentAt, e)
      verdict = await decide(e)
    }
    if (verdict !== undefined) return { applied: verdict, current: undefined }
    throw outcomeUnknown(what, e)
  }
}

/**
 * Waits until an LWT sent at `sentAt` can no longer be running on the server (`scylla.lwtSettleMs`), unless
 * its coordinator's process is gone (its port refuses connections: a killed or stopped node). A dead
 * coordinator starts no new Paxos round, and a proposal of its that arrives late carries a ballot below the
 * one the SERIAL read-back was promised, so replicas refuse it: the read-back's verdict is final at once.
 * A coordinator that does not answer (a partition, a stall) may still be running, so that waits.
 */
export async function untilServerGaveUp(s: ScyllaSession, sentAt: number, unknown: TandemError): Promise<void> {
  const left = sentAt + s.lwtSettleMs - Date.now()
  if (left <= 0) return
  const coordinator = coordinatorOf(unknown)
  if (coordinator && (await refusesConnections(coordinator, Math.min(left, 500)))) return
  await sleep(sentAt + s.lwtSettleMs - Date.now())
}

/** The `host:port` the driver sent the request to (cassandra-driver names it on the error it saw there). */
function coordinatorOf(e: TandemError): string | undefined {
  const cause = e.cause as { coordinator?: unknown } | undefined
  return typeof cause?.coordinator === 'string' ? cause.coordinator : undefined
}

/** Whether nothing listens at `host:port` (connection refused), tried for at most `timeoutMs`. */
function refusesConnections(address: string, timeoutMs: number): Promise<boolean> {
  const at = address.lastIndexOf(':')
  const [host, port] = [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))]
  return new Promise((resolve) => {
    const socket = net.connect({ host, port })
    const done = (refused: boolean) => {
      socket.destroy()
      resolve(refused)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(false))
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED'))
  })
}

/** OUTCOME_UNKNOWN for a model call, keeping the driver's failure as cause. */
export function outcomeUnknown(what: string, e: TandemError): TandemError {
  return new TandemError(
    'OUTCOME_UNKNOWN',
    `${what}: the write timed out and reading the row back could not tell whether it applied; read the row before retrying (do not repeat an increment blindly)`,
    { cause: e, meta: { ...e.meta, outcome: 'unknown' } },
  )
}

/**
 * Plain, idempotent writes (lookup entries, tombstones) run in parallel, each on its own: no batch log, so a
 * dead node costs one driver retry on another replica instead of a batch-log stall. The caller orders them
 * so that an interruption leaves only entries that reads re-check.
 */
export async function writeEach(s: ScyllaSession, statements: readonly CqlStatement[]): Promise<void> {
  if (statements.length === 0) return
  if (statements.length === 1) return writeTwice(s, statements[0]!)
  await Promise.all(statements.map((st) => writeTwice(s, st)))
}

/** An idempotent write, sent once more after a failure (the same values again change nothing). */
async function writeTwice(s: ScyllaSession, st: CqlStatement): Promise<void> {
  try {
    await s.exec.write(st.query, st.params)
  } catch (e) {
    if (!(e instanceof TandemError && (e.code === 'BACKEND_UNAVAILABLE' || e.code === 'OUTCOME_UNKNOWN'))) throw e
    await sleep(200)
    await s.exec.write(st.query, st.params)
  }
}
