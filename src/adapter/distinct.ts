import type { Model, Row } from '../schema/model.js'
import { validationError } from '../errors.js'

/**
 * `distinct` of findMany/findFirst, as Prisma computes it: over the rows the where and orderBy give (before
 * take/skip), the first row of each distinct value tuple is kept. Both backends run it on the rows read
 * (ScyllaDB: only rows read through a key), then take/skip apply.
 */

/** `distinct: 'field' | ['field', …]` → the fields, checked (json has no equality Prisma distinct uses). */
export function normalizeDistinct(model: Model, distinct: unknown, ctx: string): string[] | undefined {
  if (distinct === undefined) return undefined
  const list = typeof distinct === 'string' ? [distinct] : distinct
  if (!Array.isArray(list) || list.length === 0)
    throw validationError(ctx, '`distinct` takes a field or a non-empty list of fields')
  for (const f of list) {
    if (typeof f !== 'string' || !model.fields.has(f))
      throw validationError(
        ctx,
        `unknown field \`${String(f)}\` in \`distinct\`; fields are ${[...model.fields.keys()].join(', ')}`,
      )
  }
  return [...new Set(list as string[])]
}

/** The first row of each distinct tuple of `fields`, in the rows' order (NULL is one value, as in Prisma). */
export function distinctRows(rows: readonly Row[], fields: readonly string[]): Row[] {
  const seen = new Set<string>()
  const out: Row[] = []
  for (const r of rows) {
    const k = JSON.stringify(
      fields.map((f) => {
        const v = r[f]
        if (v === null || v === undefined) return null
        if (v instanceof Date) return `d:${v.getTime()}`
        return typeof v === 'object' ? `j:${JSON.stringify(v)}` : `${typeof v}:${String(v)}`
      }),
    )
    if (seen.has(k)) continue
    seen.add(k)
    out.push(r)
  }
  return out
}
