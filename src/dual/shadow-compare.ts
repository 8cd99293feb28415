import type { Field, Model, Row } from '../schema/model.js'
import type { ReadQuery } from '../adapter/query.js'
import { keyText } from '../move/row-store.js'

/**
 * How two databases' answers to the same read are compared: values normalized by field kind (a Date and
 * its ISO text, bigint and number, decimal text with or without trailing zeros, json with keys in any
 * order, a real column's float32 rounding), rows compared as multisets unless the read has an orderBy.
 */

/** A value in a form both backends give identically for equal data. */
export function normalizeValue(field: Field | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return null
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : v.toISOString()
  if (typeof v === 'bigint') return v.toString()
  switch (field?.kind) {
    case 'timestamp':
    case 'date': {
      if (typeof v === 'string') {
        const d = new Date(v)
        return Number.isNaN(d.getTime()) ? v : d.toISOString()
      }
      return v
    }
    case 'bigint':
    case 'int':
      return typeof v === 'number' ? String(v) : v
    case 'decimal': {
      const s = String(v)
      return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s
    }
    case 'float':
      return typeof v === 'number' && field.single ? Math.fround(v) : v
    case 'json':
      return canonicalJson(v)
    default:
      return v
  }
}

function canonicalJson(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort)
    if (x && typeof x === 'object' && !(x instanceof Date))
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, sort((x as Record<string, unknown>)[k])]),
      )
    return x
  }
  return JSON.stringify(sort(typeof v === 'string' ? safeParse(v) : v))
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s)
  } catch {
    return s
  }
}

/** A row as one text: its fields in name order, each normalized. */
export function rowText(model: Model, row: Row): string {
  const keys = Object.keys(row).sort()
  return JSON.stringify(keys.map((k) => [k, normalizeValue(model.fields.get(k), row[k])]))
}

export interface Difference {
  /** keys (keyText) of rows that are on one side only or differ; empty when keys cannot be told (counts) */
  readonly keys: readonly string[]
  /** rows whose keys differ, for finding their parents; from whichever side has them */
  readonly rows: readonly Row[]
}

/**
 * The difference between two answers to the same read, or undefined when they agree (or cannot be
 * compared: an unordered read cut by take/skip may legitimately pick different rows on each database).
 */
export function compareResults(
  model: Model,
  query: ReadQuery,
  a: Row[] | number,
  b: Row[] | number,
): Difference | undefined | 'incomparable' {
  if (typeof a === 'number' || typeof b === 'number') return a === b ? undefined : { keys: [], rows: [] }
  const limited = (query.take !== undefined && a.length >= query.take) || (query.skip ?? 0) > 0
  if (query.orderBy.length === 0 && limited && !query.unique) return 'incomparable'
  const textsA = a.map((r) => rowText(model, r))
  const textsB = b.map((r) => rowText(model, r))
  let ignoreLastGroup = false
  if (query.orderBy.length > 0) {
    // the order keys must come in the same sequence; rows with equal order keys may come in either order
    const orderKey = (r: Row) =>
      JSON.stringify(query.orderBy.map((t) => normalizeValue(model.fields.get(t.field), r[t.field])))
    const seqA = a.map(orderKey)
    const seqB = b.map(orderKey)
    // a window cut inside a run of equal order keys may keep different rows of that run on each side
    ignoreLastGroup = query.take !== undefined && a.length >= query.take && b.length >= query.take
    const upTo = ignoreLastGroup ? lastGroupStart(seqA) : seqA.length
    if (seqA.length !== seqB.length || seqA.slice(0, upTo).join('\n') !== seqB.slice(0, upTo).join('\n'))
      return diffRows(model, a, b, textsA, textsB)
    if (ignoreLastGroup) {
      const cutA = lastGroupStart(seqA)
      const cutB = lastGroupStart(seqB)
      return sameMultiset(textsA.slice(0, cutA), textsB.slice(0, cutB))
        ? undefined
        : diffRows(model, a.slice(0, cutA), b.slice(0, cutB), textsA.slice(0, cutA), textsB.slice(0, cutB))
    }
  }
  return sameMultiset(textsA, textsB) ? undefined : diffRows(model, a, b, textsA, textsB)
}

function lastGroupStart(seq: readonly string[]): number {
  let i = seq.length
  while (i > 0 && seq[i - 1] === seq[seq.length - 1]) i--
  return i
}

function sameMultiset(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false
  const counts = new Map<string, number>()
  for (const t of a) counts.set(t, (counts.get(t) ?? 0) + 1)
  for (const t of b) {
    const n = counts.get(t)
    if (!n) return false
    counts.set(t, n - 1)
  }
  return true
}

/** The keys of the rows that are not identical on both sides (rows without their key fields: no keys). */
function diffRows(model: Model, a: Row[], b: Row[], textsA: string[], textsB: string[]): Difference {
  const hasKey = (r: Row) => model.primaryKey.every((f) => f in r)
  if (!a.every(hasKey) || !b.every(hasKey)) return { keys: [], rows: [...a, ...b] }
  const inB = new Set(textsB)
  const inA = new Set(textsA)
  const keys = new Set<string>()
  const rows: Row[] = []
  a.forEach((r, i) => {
    if (!inB.has(textsA[i]!)) keys.add(keyText(model, r)) && rows.push(r)
  })
  b.forEach((r, i) => {
    if (!inA.has(textsB[i]!)) keys.add(keyText(model, r)) && rows.push(r)
  })
  // same rows in another order (an ordered read): every key counts
  if (keys.size === 0) for (const r of a) keys.add(keyText(model, r))
  return { keys: [...keys], rows }
}
