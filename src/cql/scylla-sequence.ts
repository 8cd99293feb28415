import type { Field, Model, Row } from '../schema/model.js'
import { cqlName } from '../schema/scylla-layout.js'
import { TandemError } from '../errors.js'
import { callScope } from './call-options.js'
import type { ScyllaSession } from './scylla-session.js'

/** the keyspace's meta table (also holds lookup-fill checkpoints, see lookup-fill.ts) */
const META_TABLE = 'tandem_meta'
/** ids a process takes at once when `scylla.sequenceBlock` is not given */
export const DEFAULT_SEQUENCE_BLOCK = 100
/** compare-and-set attempts of one block allocation before it fails with P2034 */
const ATTEMPTS = 32

/** The meta key of a serial/identity column's sequence. */
export const sequenceKey = (model: Model, field: Field) => `sequence:${model.table}.${field.column}`

interface Block {
  next: bigint
  end: bigint
}

/**
 * Ids of serial / identity columns on ScyllaDB, which has no sequences: each column's high-water mark is a
 * row of `tandem_meta` (`sequence:<table>.<column>` → the last id handed to any process), advanced by a
 * lightweight transaction (`IF value = <what was read>`) one block at a time. A process hands out the ids of
 * its block in order, so ids are unique across processes and increasing within one; ids of a block a process
 * did not use (it stopped, or an LWT's outcome was unknown) are never handed out: gaps, as PostgreSQL's
 * sequences leave. An id given explicitly (serial / BY DEFAULT) does not move the sequence, as on
 * PostgreSQL: a later generated id equal to it fails with P2002 (the primary key is claimed by LWT).
 */
export class ScyllaSequences {
  private readonly blocks = new Map<string, Block>()
  /** one allocation at a time per sequence in this process: callers queue behind it */
  private readonly pending = new Map<string, Promise<void>>()
  private created: Promise<void> | undefined

  constructor(
    private readonly s: ScyllaSession,
    private readonly blockSize: number = DEFAULT_SEQUENCE_BLOCK,
  ) {}

  private get table(): string {
    return `${cqlName(this.s.keyspace)}.${cqlName(META_TABLE)}`
  }

  /** Fills the missing autoincrement fields of rows about to be inserted (in row order: ids increase). */
  async fill(model: Model, rows: readonly Row[]): Promise<Row[]> {
    const fields = [...model.fields.values()].filter((f) => f.defaultValue?.kind === 'autoincrement')
    if (fields.length === 0) return rows as Row[]
    const out: Row[] = []
    for (const row of rows) {
      const r = { ...row }
      for (const f of fields)
        if (r[f.name] === undefined || r[f.name] === null) {
          const id = await this.nextId(model, f)
          r[f.name] = f.kind === 'bigint' && f.mode === 'bigint' ? id : Number(id)
        }
      out.push(r)
    }
    return out
  }

  /** The next id of a column's sequence. */
  async nextId(model: Model, field: Field): Promise<bigint> {
    const key = sequenceKey(model, field)
    for (;;) {
      const block = this.blocks.get(key)
      if (block && block.next <= block.end) return block.next++
      let wait = this.pending.get(key)
      if (!wait) {
        wait = this.allocate(key, field).finally(() => this.pending.delete(key))
        this.pending.set(key, wait)
      }
      await wait
    }
  }

  /**
   * Raises a sequence's mark to at least `id` (rows copied in with their ids: `migrate`, dual mode's mirror), so
   * no id handed out later can be one of theirs; this process's own block skips past it too.
   */
  async atLeast(model: Model, field: Field, id: bigint): Promise<void> {
    const key = sequenceKey(model, field)
    const block = this.blocks.get(key)
    if (block && block.next <= id) block.next = id + 1n
    await callScope.exit(async () => {
      await this.ensureTable()
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        const [row] = await this.s.exec.select(`SELECT value FROM ${this.table} WHERE key = ?`, [key], 1, true)
        const seen = (row?.value as string | null | undefined) ?? undefined
        if (seen !== undefined && BigInt(seen) >= id) return
        const result =
          seen === undefined
            ? await this.s.exec.lwt(`INSERT INTO ${this.table} (key, value) VALUES (?, ?) IF NOT EXISTS`, [
                key,
                String(id),
              ])
            : await this.s.exec.lwt(`UPDATE ${this.table} SET value = ? WHERE key = ? IF value = ?`, [
                String(id),
                key,
                seen,
              ])
        if (result.applied) return
      }
      throw new TandemError('P2034', `could not raise the sequence of ${key.slice(9)} to ${id} (contention); retry`)
    })
  }

  private ensureTable(): Promise<void> {
    return (this.created ??= this.s.exec
      .ddl(`CREATE TABLE IF NOT EXISTS ${this.table} (key text PRIMARY KEY, value text)`)
      .catch((e: unknown) => {
        this.created = undefined
        throw e
      }))
  }

  /** Takes the next block of a sequence by compare-and-set on its high-water mark. */
  private async allocate(key: string, field: Field): Promise<void> {
    // the sequence row must never carry a `$scylla({ ttl })` of the call that needed an id
    await callScope.exit(async () => {
      await this.ensureTable()
      const max = maxOf(field)
      let seen: string | undefined
      let known = false
      for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
        if (!known) {
          const [row] = await this.s.exec.select(`SELECT value FROM ${this.table} WHERE key = ?`, [key], 1, true)
          seen = (row?.value as string | null | undefined) ?? undefined
        }
        const from = seen === undefined ? 0n : BigInt(seen)
        const end = from + BigInt(this.blockSize)
        if (end > max)
          throw new TandemError(
            'P2020',
            `the sequence of ${key.slice(9)} is exhausted (${max} is its type's largest id)`,
          )
        const result =
          seen === undefined
            ? await this.s.exec.lwt(`INSERT INTO ${this.table} (key, value) VALUES (?, ?) IF NOT EXISTS`, [
                key,
                String(end),
              ])
            : await this.s.exec.lwt(`UPDATE ${this.table} SET value = ? WHERE key = ? IF value = ?`, [
                String(end),
                key,
                seen,
              ])
        if (result.applied) {
          this.blocks.set(key, { next: from + 1n, end })
          return
        }
        // another process took a block: its mark is in the answer
        seen = (result.current?.value as string | null | undefined) ?? undefined
        known = result.current !== undefined
      }
      throw new TandemError(
        'P2034',
        `could not take a block of ids of ${key.slice(9)} after ${ATTEMPTS} attempts (other processes kept taking them); retry`,
      )
    })
  }
}

function maxOf(field: Field): bigint {
  if (field.kind === 'int') {
    const smallint = /small/i.test((field.drizzle as unknown as { getSQLType(): string }).getSQLType())
    return smallint ? 32767n : 2147483647n
  }
  return field.mode === 'bigint' ? 2n ** 63n - 1n : BigInt(Number.MAX_SAFE_INTEGER)
}
