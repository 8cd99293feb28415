import type { Field, Model, RelationInfo, Row } from '../schema/model.js'
import { relatedModel } from '../schema/read-schema.js'
import { rowComparator } from './evaluate.js'
import type { OrderTerm } from './query.js'
import { keyOf, whereKeys } from './runner.js'

/**
 * Ordering by related rows in memory, for a backend whose reads cannot join (ScyllaDB): per term along a
 * relation path, the related rows of all the rows are read at once per step (an `in` on the related key,
 * through that model's own keys), and each row gets its sort value: the related row's field, or the number of
 * a list relation's rows; NULL where a to-one step has no row (as PostgreSQL's correlated subquery gives).
 */

/** Reads rows of the related model of `relation` matching a Prisma-style where (the delegate's findMany). */
export type RelatedReader = (
  relation: RelationInfo,
  where: Record<string, unknown>,
  select?: string[],
) => Promise<Row[]>

export const hasRelationOrder = (terms: readonly OrderTerm[]): boolean => terms.some((t) => t.path !== undefined)

/** The rows sorted by `terms` (plain fields and relation paths), as a new array. */
export async function sortByRelations(
  model: Model,
  rows: readonly Row[],
  terms: readonly OrderTerm[],
  read: RelatedReader,
): Promise<Row[]> {
  const fields = new Map(model.fields)
  const keyed = rows.map((r) => ({ ...r }))
  const local: OrderTerm[] = []
  for (const [n, t] of terms.entries()) {
    if (!t.path) {
      local.push(t)
      continue
    }
    const key = `\u0000o${n}`
    const { values, field } = await pathValues(model, keyed, t, read)
    keyed.forEach((r, i) => (r[key] = values[i]))
    fields.set(key, { ...field, name: key })
    local.push({ ...t, field: key, path: undefined })
  }
  const comparator = rowComparator({ ...model, fields }, local)
  const order = keyed.map((r, i) => ({ r, i })).sort((a, b) => comparator(a.r, b.r) || a.i - b.i)
  return order.map(({ i }) => rows[i]!)
}

async function pathValues(
  model: Model,
  rows: readonly Row[],
  term: OrderTerm,
  read: RelatedReader,
): Promise<{ values: unknown[]; field: Field }> {
  let m = model
  let at: (Row | null)[] = [...rows]
  const path = term.path!
  for (let i = 0; i < path.length; i++) {
    const rel = m.relations.get(path[i]!)!
    const target = relatedModel(m, rel.target)
    const tuples = new Map<string, unknown[]>()
    for (const r of at) {
      const k = r && keyOf(r, rel.fields)
      if (k)
        tuples.set(
          k,
          rel.fields.map((f) => r![f]),
        )
    }
    const where = whereKeys(rel.references, [...tuples.values()])
    if (rel.kind === 'many') {
      // the last step of a `_count` term: related rows per key
      const tally = new Map<string, number>()
      if (tuples.size)
        for (const c of await read(rel, where, [...rel.references])) {
          const k = keyOf(c, rel.references)
          if (k !== undefined) tally.set(k, (tally.get(k) ?? 0) + 1)
        }
      const values = at.map((r) => (r ? (tally.get(keyOf(r, rel.fields) ?? '') ?? 0) : null))
      return { values, field: { ...[...model.fields.values()][0]!, kind: 'int', nullable: true } }
    }
    const found = new Map<string, Row>()
    if (tuples.size)
      for (const c of await read(rel, where)) {
        const k = keyOf(c, rel.references)
        if (k !== undefined) found.set(k, c)
      }
    at = at.map((r) => (r ? (found.get(keyOf(r, rel.fields) ?? '') ?? null) : null))
    m = target
  }
  return { values: at.map((r) => (r ? (r[term.field] ?? null) : null)), field: m.fields.get(term.field)! }
}
