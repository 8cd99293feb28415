import cassandra from 'cassandra-driver'

const { types } = cassandra

/** A raw statement's result rows: plain objects keyed by column name (the last of two equal names wins). */
export type RawRow = Record<string, unknown>

function isDecimalLike(v: object): boolean {
  // Prisma's Decimal (decimal.js) and cassandra-driver's BigDecimal: bound as their text
  return (
    ('d' in v && 'e' in v && 's' in v && typeof (v as { toFixed?: unknown }).toFixed === 'function') ||
    v instanceof types.BigDecimal
  )
}

/**
 * A value bound to a raw PostgreSQL statement, in the form postgres.js sends as text: Date → ISO 8601 with
 * `Z` (a UTC instant for timestamptz, the UTC wall time for timestamp, as tandem stores them), bigint and
 * decimals → their digits, plain objects → JSON, arrays element by element, bytes as bytes. The pool's
 * timestamp and json serializers pass values through unchanged (drizzle sets them so), so this is done here.
 */
export function pgParam(v: unknown): unknown {
  if (v === null || v === undefined) return null
  switch (typeof v) {
    case 'bigint':
      return v.toString()
    case 'object':
      if (v instanceof Date) return v.toISOString()
      if (Buffer.isBuffer(v)) return v
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
      if (Array.isArray(v)) return v.map(pgParam)
      if (isDecimalLike(v)) return String(v)
      return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))
    default:
      return v
  }
}

/** `2024-01-02 03:04:05.678+02` / `…+05:30` / without an offset (timestamp: UTC wall time) → Date. */
function pgTimestamp(s: string): Date {
  let iso = s.replace(' ', 'T')
  if (/[+-]\d\d$/.test(iso)) iso += ':00'
  else if (!/[+-]\d\d:\d\d(:\d\d)?$|Z$/.test(iso)) iso += 'Z'
  return new Date(iso)
}
const pgDate = (s: string): Date => new Date(`${s}T00:00:00.000Z`)
const pgTime = (s: string): Date => new Date(`1970-01-01T${s}Z`)
const pgBigint = (s: unknown): unknown => (typeof s === 'string' ? BigInt(s) : s)
const pgBytes = (b: unknown): unknown => (Buffer.isBuffer(b) ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : b)

/**
 * A one- or more-dimensional PostgreSQL array literal (`{"2024-01-02 03:04:05",NULL}`) as nested arrays of
 * text; the pool returns the arrays of the types drizzle passes through (timestamps, dates, numerics) as text.
 */
export function pgArray(text: string): unknown[] {
  let i = 0
  const parse = (): unknown[] => {
    const out: unknown[] = []
    i++ // '{'
    while (i < text.length) {
      const c = text[i]!
      if (c === '}') {
        i++
        return out
      }
      if (c === ',') {
        i++
        continue
      }
      if (c === '{') {
        out.push(parse())
        continue
      }
      if (c === '"') {
        let s = ''
        i++
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\') i++
          s += text[i]
          i++
        }
        i++
        out.push(s)
        continue
      }
      let j = i
      while (j < text.length && text[j] !== ',' && text[j] !== '}') j++
      const word = text.slice(i, j)
      out.push(word === 'NULL' ? null : word)
      i = j
    }
    return out
  }
  const start = text.indexOf('{') // skip a dimension decoration such as `[0:1]=`
  i = start < 0 ? 0 : start
  return start < 0 ? [] : parse()
}

const deep =
  (f: (s: string) => unknown) =>
  (v: unknown): unknown =>
    v === null ? null : Array.isArray(v) ? v.map(deep(f)) : f(v as string)
const fromArrayText =
  (f: (s: string) => unknown) =>
  (v: unknown): unknown =>
    typeof v === 'string' ? deep(f)(pgArray(v)) : Array.isArray(v) ? deep(f)(v) : v

/**
 * Conversions of raw PostgreSQL result columns by type oid, to what Prisma 7's $queryRaw returns: int8 →
 * bigint, timestamp/timestamptz/date/time → Date, bytea → Uint8Array, and their arrays. numeric stays the
 * digits as text (tandem's representation; Prisma gives a Decimal), json is parsed by the pool.
 */
const PG_COLUMN: Record<number, (v: unknown) => unknown> = {
  20: pgBigint,
  1016: (v) => (Array.isArray(v) ? deep((s) => BigInt(s))(v) : v),
  1114: (v) => (typeof v === 'string' ? pgTimestamp(v) : v),
  1184: (v) => (typeof v === 'string' ? pgTimestamp(v) : v),
  1082: (v) => (typeof v === 'string' ? pgDate(v) : v),
  1083: (v) => (typeof v === 'string' ? pgTime(v) : v),
  17: pgBytes,
  1001: (v) => (Array.isArray(v) ? v.map(pgBytes) : v),
  1115: fromArrayText(pgTimestamp),
  1185: fromArrayText(pgTimestamp),
  1182: fromArrayText(pgDate),
  1231: fromArrayText((s) => s),
}

/** The rows of a raw PostgreSQL result with columns converted by type (no work when no column needs it). */
export function pgRows(
  rows: readonly RawRow[],
  columns: readonly { name: string; type: number }[] | undefined,
): RawRow[] {
  const convert: [string, (v: unknown) => unknown][] = []
  for (const c of columns ?? []) {
    const f = PG_COLUMN[c.type]
    if (f) convert.push([c.name, f])
  }
  const out = new Array<RawRow>(rows.length)
  for (let r = 0; r < rows.length; r++) {
    const row = { ...rows[r]! }
    for (const [name, f] of convert) {
      const v = row[name]
      if (v !== null && v !== undefined) row[name] = f(v)
    }
    out[r] = row
  }
  return out
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
function uuidText(b: Uint8Array): string {
  let s = ''
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += '-'
    s += HEX[b[i]!]!
  }
  return s
}

/**
 * A value cassandra-driver read → the plain value a raw CQL result gives: uuid/timeuuid → text, bigint/varint/
 * counter → bigint (as the client's `useBigIntAsLong`), decimal → its digits as text (as numerics everywhere in
 * tandem), date → Date at UTC midnight and time → Date on 1970-01-01 (as raw PostgreSQL results), inet and
 * duration → text, blob → Uint8Array, list/set/tuple → arrays, map/UDT → plain objects (recursively).
 */
export function cqlValue(v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (typeof v !== 'object') return v
  if (v instanceof Date) return v
  if (v instanceof types.Uuid) return uuidText((v as unknown as { buffer: Uint8Array }).buffer)
  if (v instanceof types.BigDecimal) return v.toString()
  if (v instanceof types.LocalDate) return new Date(`${v.toString()}T00:00:00.000Z`)
  if (v instanceof types.LocalTime) {
    const ns = BigInt(
      (v as unknown as { getTotalNanoseconds(): { toString(): string } }).getTotalNanoseconds().toString(),
    )
    return new Date(Number(ns / 1_000_000n))
  }
  if (v instanceof types.InetAddress || v instanceof types.Duration) return v.toString()
  if (v instanceof types.Long) return BigInt(v.toString())
  if (v instanceof types.Tuple) return v.values().map(cqlValue)
  if (Buffer.isBuffer(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
  if (Array.isArray(v)) return v.map(cqlValue)
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(cqlValue(k)), cqlValue(x)]))
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(v)) out[k] = cqlValue((v as Record<string, unknown>)[k])
  return out
}

/**
 * Raw CQL rows as plain objects; a lightweight transaction's `[applied]` column is given as `applied`
 * (the other columns it returns, the current row when it did not apply, differ between ScyllaDB and Cassandra).
 */
export function cqlRows(rows: readonly object[]): RawRow[] {
  return rows.map((row) => {
    const out: RawRow = {}
    for (const k of Object.keys(row)) out[k === '[applied]' ? 'applied' : k] = cqlValue((row as RawRow)[k])
    return out
  })
}
