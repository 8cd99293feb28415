import type { Row } from '../schema/model.js'

/**
 * The normalized query description: what the front end hands to a backend. Plain data, no values
 * of the driver's types; `shapeOf` turns it into a cache key with the values left out.
 */
export type CmpOp =
  | 'eq'
  | 'ne'
  | 'lt'
  | 'lte'
  | 'gt'
  | 'gte'
  | 'in'
  | 'notIn'
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  /** array columns (value: an array; `isEmpty` has a null value): see column-filters.ts */
  | 'hasSome'
  | 'hasEvery'
  | 'isEmpty'

/** Prisma's JSON filter operators tandem serves (on the value at `path`) */
export type JsonOp =
  | 'equals'
  | 'not'
  | 'string_contains'
  | 'string_starts_with'
  | 'string_ends_with'
  | 'array_contains'
  | 'array_starts_with'
  | 'array_ends_with'
  /** number or string operands: compared with the value at the path when it has the operand's type */
  | 'gt'
  | 'gte'
  | 'lt'
  | 'lte'

export type Filter =
  | { readonly kind: 'and'; readonly items: readonly Filter[] }
  | { readonly kind: 'or'; readonly items: readonly Filter[] }
  | { readonly kind: 'not'; readonly item: Filter }
  /** `eq`/`ne` with a null value mean IS NULL / IS NOT NULL */
  | {
      readonly kind: 'cmp'
      readonly field: string
      readonly op: CmpOp
      readonly value: unknown
      readonly insensitive?: boolean
    }
  /**
   * "At or after `values` in the ordering `fields`/`dirs`": what a cursor becomes once its row is read.
   * Kept as one node so ScyllaDB can serve it as a clustering slice and PostgreSQL as a row comparison.
   */
  | {
      readonly kind: 'after'
      readonly fields: readonly string[]
      readonly dirs: readonly SortDir[]
      readonly values: readonly unknown[]
    }
  | { readonly kind: 'const'; readonly value: boolean }
  /** a JSON filter: the value at `path` (object keys, or array indexes as digits) of a json field */
  | {
      readonly kind: 'json'
      readonly field: string
      readonly path: readonly unknown[]
      readonly op: JsonOp
      readonly value: unknown
    }
  /**
   * A relation filter: `some` related row matches `filter`, `none` does, or `every` one does (none fails
   * it). To-one filters map onto these: `is: W` → some, `isNot: W` → none, `is: null` → none of any.
   * `filter` is on the related model; undefined means "any related row".
   */
  | {
      readonly kind: 'relation'
      readonly relation: string
      readonly mode: 'some' | 'every' | 'none'
      readonly filter: Filter | undefined
    }

export type SortDir = 'asc' | 'desc'

export interface OrderTerm {
  readonly field: string
  readonly dir: SortDir
  /** where NULLs go; PostgreSQL's default is last for asc, first for desc */
  readonly nulls?: 'first' | 'last'
  /**
   * Ordering by a related row (`orderBy: { server: { name: 'asc' } }`): the relations followed, to-one but
   * the last, which is a list relation when `field` is `_count` (`{ members: { _count: 'desc' } }`).
   */
  readonly path?: readonly string[]
}

export interface ReadQuery {
  readonly where: Filter | undefined
  readonly orderBy: readonly OrderTerm[]
  readonly take: number | undefined
  readonly skip: number | undefined
  /** set when the caller asked by a unique key (findUnique, update, delete): at most one row */
  readonly unique: boolean
}

export type UpdateOpKind = 'set' | 'increment' | 'decrement' | 'multiply' | 'divide' | 'push'
export interface UpdateOp {
  readonly op: UpdateOpKind
  readonly value: unknown
}
export type UpdateOps = Readonly<Record<string, UpdateOp>>

export const TRUE: Filter = { kind: 'const', value: true }
export const FALSE: Filter = { kind: 'const', value: false }

/** AND of the given filters, dropping the trivially true ones. */
export function andFilters(...filters: (Filter | undefined)[]): Filter | undefined {
  const items = filters.filter((f): f is Filter => f !== undefined && !(f.kind === 'const' && f.value))
  if (items.length === 0) return undefined
  if (items.length === 1) return items[0]
  return { kind: 'and', items }
}

/**
 * What a read returns besides its rows' scalars, for a backend that assembles it itself
 * (`Backend.includes === 'compiled'`): the top-level scalar selection and, per relation, a node.
 * Value-free like the rest of the description but for the nested where/take/skip, which are slots
 * in a template (see `shapeOf`).
 */
export interface Include {
  /** the scalar fields of each row, in result order; undefined: every field, in model order */
  readonly scalars: readonly string[] | undefined
  /** related rows, in result order (after the scalars) */
  readonly relations: readonly IncludeNode[]
  /** `_count`s of list relations (after the relations), in result order; undefined: no `_count` key */
  readonly counts: readonly IncludeCount[] | undefined
}

/** One included relation: its rows (to-one: one or null; list: the rows `query` selects, in its order). */
export interface IncludeNode extends Include {
  readonly relation: string
  /** list relations only: where/orderBy/take/skip among the related rows of each parent */
  readonly query: ReadQuery | undefined
}

/** An aggregate function of `aggregate`/`groupBy`; `count` of `_all` counts rows. */
export type AggFn = 'count' | 'sum' | 'avg' | 'min' | 'max'

/** One aggregate of the result: its key in the backend's row is `_<fn>.<field>` (see aggKey). */
export interface AggTerm {
  readonly fn: AggFn
  /** a field of the model, or `_all` (count only) */
  readonly field: string
}

/** The row key of an aggregate, e.g. `_sum.price`; also how `having` and `orderBy` name it. */
export const aggKey = (t: AggTerm): string => `_${t.fn}.${t.field}`

/**
 * What `aggregate` and `groupBy` compute over the rows a ReadQuery selects: groups by `by` (none: one
 * group of every row), the aggregates `terms`, then `having` (a Filter whose fields are `by` fields or
 * aggregate keys), `orderBy` (same names) and a window of groups (`take`/`skip`).
 */
export interface AggregateSpec {
  readonly by: readonly string[]
  readonly terms: readonly AggTerm[]
  readonly having: Filter | undefined
  readonly orderBy: readonly OrderTerm[]
  readonly take: number | undefined
  readonly skip: number | undefined
}

export interface IncludeCount {
  readonly relation: string
  readonly where: Filter | undefined
}

/** One backend operation: what a model method becomes once its arguments are normalized. */
export type Operation =
  | { readonly op: 'findMany'; readonly query: ReadQuery; readonly include?: Include }
  | { readonly op: 'count'; readonly query: ReadQuery }
  | { readonly op: 'insert'; readonly rows: readonly Row[]; readonly skipDuplicates: boolean }
  | { readonly op: 'update'; readonly query: ReadQuery; readonly set: UpdateOps }
  | { readonly op: 'delete'; readonly query: ReadQuery }
  /** aggregate/groupBy: rows of the `by` fields and the aggregate keys (one row, no `by`, for aggregate) */
  | { readonly op: 'aggregate'; readonly query: ReadQuery; readonly spec: AggregateSpec }

/** Where a value goes in a compiled plan: the plan binds `values[$slot]` of the call's shape. */
export interface Slot {
  readonly $slot: number
}

export const isSlot = (v: unknown): v is Slot =>
  typeof v === 'object' && v !== null && (v as { $slot?: unknown }).$slot !== undefined

/** An operation's shape: the cache key of its compiled plan (values left out) and the values, in slot order. */
export interface Shape {
  readonly key: string
  readonly values: unknown[]
}

/**
 * The shape of an operation on a model. Two calls with equal keys compile to the same plan; what is
 * structure (fields, operators, NULL tests, list lengths, whether take/skip are given) is in the key,
 * every other value is a slot.
 * @example shapeOf('profile', { op: 'findMany', query }) // { key: 'profile|f|u1|c:userId:eq$|t', values: ['u1', 1] }
 */
export function shapeOf(model: string, operation: Operation): Shape {
  const w = new ShapeWalker(false)
  w.key = model
  w.operation(operation)
  return { key: w.key, values: w.values }
}

/** The operation with every value replaced by its Slot: what a backend compiles when a shape is new. */
export function templateOf(operation: Operation): Operation {
  return new ShapeWalker(true).operation(operation)
}

/**
 * One walk for both: the key and values on every call (no allocation beyond them), the template only
 * when `build` is set. Values are numbered in visiting order, so the two always agree.
 */
class ShapeWalker {
  key = ''
  readonly values: unknown[] = []
  constructor(private readonly build: boolean) {}

  private slot(v: unknown): unknown {
    const i = this.values.push(v) - 1
    this.key += '$'
    return this.build ? ({ $slot: i } satisfies Slot) : v
  }

  operation(o: Operation): Operation {
    switch (o.op) {
      case 'findMany': {
        this.key += '|findMany'
        const query = this.query(o.query)
        const include = o.include && this.include(o.include)
        return this.build ? { ...o, query, ...(include ? { include } : {}) } : o
      }
      case 'count':
      case 'delete':
        this.key += `|${o.op}`
        return this.build ? { ...o, query: this.query(o.query) } : (this.query(o.query), o)
      case 'update': {
        this.key += '|update'
        const set: Record<string, UpdateOp> = {}
        for (const f in o.set) {
          const u = o.set[f]!
          this.key += `|${f}:${u.op}`
          set[f] = { op: u.op, value: this.slot(u.value) }
        }
        const query = this.query(o.query)
        return this.build ? { op: 'update', query, set } : o
      }
      case 'aggregate': {
        const sp = o.spec
        this.key += `|aggregate|by:${sp.by.join(',')}|${sp.terms.map(aggKey).join(',')}`
        const query = this.query(o.query)
        this.key += '|having'
        const having = sp.having && this.filter(sp.having)
        for (const t of sp.orderBy) this.key += `|o:${t.field}:${t.dir}${t.nulls ?? ''}`
        this.key += sp.take === undefined ? '|' : '|t'
        const take = sp.take === undefined ? undefined : this.slot(sp.take)
        this.key += sp.skip === undefined || sp.skip === 0 ? '|' : '|s'
        const skip = sp.skip === undefined || sp.skip === 0 ? undefined : this.slot(sp.skip)
        return this.build
          ? { ...o, query, spec: { ...sp, having, take: take as number | undefined, skip: skip as number | undefined } }
          : o
      }
      case 'insert': {
        this.key += `|insert:${o.skipDuplicates ? 's' : ''}`
        const rows = o.rows.map((r) => {
          const out: Row = {}
          this.key += '|'
          for (const f in r) {
            this.key += `${f},`
            out[f] = this.slot(r[f])
          }
          return out
        })
        return this.build ? { ...o, rows } : o
      }
    }
  }

  private query(q: ReadQuery): ReadQuery {
    this.key += q.unique ? '|u' : '|m'
    const where = q.where && this.filter(q.where)
    for (const t of q.orderBy)
      this.key += `|o:${t.path ? `${t.path.join('.')}.` : ''}${t.field}:${t.dir}${t.nulls ?? ''}`
    this.key += q.take === undefined ? '|' : '|t'
    const take = q.take === undefined ? undefined : this.slot(q.take)
    // skip 0 is no OFFSET at all
    this.key += q.skip === undefined || q.skip === 0 ? '|' : '|s'
    const skip = q.skip === undefined || q.skip === 0 ? undefined : this.slot(q.skip)
    return this.build ? { ...q, where, take: take as number | undefined, skip: skip as number | undefined } : q
  }

  /** `[scalars|relation{…}…|#counts]`: relation nodes recurse, their where/take/skip are slots */
  private include(inc: Include): Include {
    this.key += `[${inc.scalars ? inc.scalars.join(',') : '*'}`
    const relations = inc.relations.map((n): IncludeNode => {
      this.key += `|${n.relation}{`
      const query = n.query && this.query(n.query)
      const inner = this.include(n)
      this.key += '}'
      return this.build ? { ...inner, relation: n.relation, query } : n
    })
    let counts: IncludeCount[] | undefined
    if (inc.counts) {
      this.key += '|#'
      counts = inc.counts.map((c) => {
        this.key += `${c.relation}(`
        const where = c.where && this.filter(c.where)
        this.key += ')'
        return this.build ? { relation: c.relation, where } : c
      })
    }
    this.key += ']'
    return this.build ? { scalars: inc.scalars, relations, counts } : inc
  }

  private filter(f: Filter): Filter {
    switch (f.kind) {
      case 'and':
      case 'or': {
        this.key += `(${f.kind}`
        const items = f.items.map((i) => this.filter(i))
        this.key += ')'
        return this.build ? { kind: f.kind, items } : f
      }
      case 'not': {
        this.key += '(not'
        const item = this.filter(f.item)
        this.key += ')'
        return this.build ? { kind: 'not', item } : f
      }
      case 'const':
        this.key += f.value ? '(T)' : '(F)'
        return f
      case 'json': {
        // the path's length and the operator are structure; its keys and the operand are values
        this.key += `(json:${f.field}:${f.op}:${f.path.length}:`
        const path = f.path.map((p) => this.slot(p))
        const value = this.slot(f.value)
        this.key += ')'
        return this.build ? { ...f, path, value } : f
      }
      case 'relation': {
        this.key += `(rel:${f.relation}:${f.mode}`
        const filter = f.filter && this.filter(f.filter)
        this.key += ')'
        return this.build ? { ...f, filter } : f
      }
      case 'after': {
        this.key += `(after:${f.fields.join(',')}:${f.dirs.join(',')}:`
        const values = f.values.map((v) => (v === null || v === undefined ? ((this.key += 'N'), null) : this.slot(v)))
        this.key += ')'
        return this.build ? { ...f, values } : f
      }
      case 'cmp': {
        this.key += `(${f.field}:${f.op}${f.insensitive ? 'i' : ''}:`
        let value: unknown = null
        if (f.value === null) this.key += 'N'
        else if (f.op === 'in' || f.op === 'notIn')
          value = (f.value as unknown[]).map((v) => (v === null ? ((this.key += 'N'), null) : this.slot(v)))
        else value = this.slot(f.value)
        this.key += ')'
        return this.build ? { ...f, value } : f
      }
    }
  }
}
