import type { Model } from '../schema/model.js'
import type { CqlTable, ModelTables } from '../schema/scylla-layout.js'
import { TandemError } from '../errors.js'
import type { Filter, OrderTerm, ReadQuery } from '../adapter/query.js'

/**
 * Chooses the access path for a read on ScyllaDB: a pure function of the query, with no I/O.
 * Either the base table by partition key (with a clustering prefix, range or cursor slice pushed
 * into CQL), or a lookup table followed by point reads of the base rows. A filter no key serves
 * is refused here with UNSERVABLE_QUERY.
 */

export type SliceOp = '>' | '>=' | '<' | '<='

export interface ClusteringRestriction {
  /** equality on the first clustering columns */
  readonly eq: readonly unknown[]
  /** a range on the next clustering column, or a tuple slice over several (a cursor) */
  readonly slices: readonly {
    readonly fields: readonly string[]
    readonly op: SliceOp
    readonly values: readonly unknown[]
  }[]
}

export interface BaseRead {
  readonly path: 'base'
  readonly table: CqlTable
  /** one entry per partition to read: the partition key values in key order */
  readonly partitions: readonly (readonly unknown[])[]
  readonly clustering: ClusteringRestriction
  /** 'native': CQL returns rows in the requested order; 'reversed': ask CQL for the reverse clustering order */
  readonly order: 'none' | 'native' | 'reversed' | 'memory'
  /** true when CQL can bound the rows (LIMIT take + skip, per partition): the whole filter is pushed down and the order is CQL's */
  readonly limited: boolean
  /** true when some part of the filter is applied in memory */
  readonly residual: boolean
}

export interface LookupRead {
  readonly path: 'lookup'
  readonly table: CqlTable
  /** one entry per lookup partition: values of the lookup key in key order */
  readonly keys: readonly (readonly unknown[])[]
  readonly residual: true
  readonly order: 'memory'
}

export type ReadPlan = BaseRead | LookupRead

const MAX_PARTITIONS = 1000

function conjuncts(filter: Filter | undefined): Filter[] {
  if (!filter) return []
  if (filter.kind === 'and') return filter.items.flatMap(conjuncts)
  return [filter]
}

/** Equality (or IN) values per field, taken from the top-level AND only. */
function equalities(parts: Filter[]): Map<string, { values: unknown[]; node: Filter }> {
  const out = new Map<string, { values: unknown[]; node: Filter }>()
  for (const p of parts) {
    if (p.kind !== 'cmp' || p.insensitive || out.has(p.field)) continue
    if (p.op === 'eq' && p.value !== null) out.set(p.field, { values: [p.value], node: p })
    if (p.op === 'in') {
      const values = (p.value as unknown[]).filter((v) => v !== null)
      out.set(p.field, {
        values: [...new Map(values.map((v) => [v instanceof Date ? v.getTime() : v, v])).values()],
        node: p,
      })
    }
  }
  return out
}

function cartesian(lists: unknown[][]): unknown[][] {
  return lists.reduce<unknown[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]])
}

const RANGE_OPS: Record<string, SliceOp> = { gt: '>', gte: '>=', lt: '<', lte: '<=' }

/**
 * Plans a read. Values are opaque here (only NULL is looked at), so the same function plans a concrete
 * query and a template whose values are slots (what the read path caches by shape).
 * @example planRead(tables, { where: { kind: 'cmp', field: 'userId', op: 'eq', value: 'u1' }, … }, 'profile.findUnique')
 */
export function planRead(tables: ModelTables, query: ReadQuery, ctx: string): ReadPlan {
  const model = tables.model
  const parts = conjuncts(query.where)
  if (parts.some((p) => p.kind === 'const' && !p.value)) {
    // a filter that is false (`in: []`) reads nothing; still a base plan with no partitions
    return {
      path: 'base',
      table: tables.base,
      partitions: [],
      clustering: { eq: [], slices: [] },
      order: 'memory',
      limited: false,
      residual: true,
    }
  }
  const eqs = equalities(parts)
  const base = tables.base
  const pushed = new Set<Filter>()

  const lookups = [...tables.uniques, ...tables.indexes]
  const uniqueLookup = tables.uniques.find((u) => u.keyFields.every((f) => eqs.has(f)))
  const basePoint =
    base.partitionKey.every((f) => eqs.has(f)) && base.clustering.every((c) => eqs.get(c.field)?.values.length === 1)
  // a unique value (one row) beats reading a whole partition to filter it in memory
  const useBase = base.partitionKey.every((f) => eqs.has(f)) && (basePoint || !uniqueLookup)
  if (useBase) {
    const lists = base.partitionKey.map((f) => eqs.get(f)!.values)
    const partitions = cartesian(lists)
    if (partitions.length > MAX_PARTITIONS)
      throw unservable(
        ctx,
        tables,
        `the filter names ${partitions.length} partitions; at most ${MAX_PARTITIONS} are read at once`,
      )
    base.partitionKey.forEach((f) => pushed.add(eqs.get(f)!.node))
    // clustering: an equality prefix, then a range on the next column or a cursor slice
    const eq: unknown[] = []
    let i = 0
    for (; i < base.clustering.length; i++) {
      const e = eqs.get(base.clustering[i]!.field)
      if (!e || e.values.length !== 1) break
      eq.push(e.values[0])
      pushed.add(e.node)
    }
    const slices: { fields: string[]; op: SliceOp; values: unknown[] }[] = []
    const next = base.clustering[i]
    if (next) {
      for (const p of parts) {
        if (
          p.kind === 'cmp' &&
          !p.insensitive &&
          p.field === next.field &&
          RANGE_OPS[p.op] &&
          p.value !== null &&
          slices.length < 2
        ) {
          slices.push({ fields: [p.field], op: RANGE_OPS[p.op]!, values: [p.value] })
          pushed.add(p)
        }
      }
      // a cursor over the clustering columns in one direction becomes a multi-column slice
      const after = parts.find((p): p is Extract<Filter, { kind: 'after' }> => p.kind === 'after')
      if (after && i === 0 && slices.length === 0 && servesSlice(base, after)) {
        slices.push({
          fields: [...after.fields],
          op: after.dirs[0] === 'desc' ? '<=' : '>=',
          values: [...after.values],
        })
        pushed.add(after)
      }
    }
    const residual = parts.some((p) => !pushed.has(p) && !(p.kind === 'const' && p.value))
    const order = orderFor(base, i, query.orderBy)
    // a point read (the whole key by equality) returns at most one row: no LIMIT needed
    const point = eq.length === base.clustering.length && slices.length === 0
    const limited = !residual && !point && order !== 'memory' && query.take !== undefined
    return { path: 'base', table: base, partitions, clustering: { eq, slices }, order, limited, residual }
  }

  for (const table of lookups) {
    if (!table.keyFields.every((f) => eqs.has(f))) continue
    const keys = cartesian(table.keyFields.map((f) => eqs.get(f)!.values))
    if (keys.length > MAX_PARTITIONS)
      throw unservable(
        ctx,
        tables,
        `the filter names ${keys.length} lookup keys; at most ${MAX_PARTITIONS} are read at once`,
      )
    return { path: 'lookup', table, keys, residual: true, order: 'memory' }
  }
  throw unservable(ctx, tables, 'no key serves this filter')
}

/** Does the cursor's ordering run along the clustering columns, all in one direction? */
function servesSlice(base: CqlTable, after: Extract<Filter, { kind: 'after' }>): boolean {
  if (after.fields.length > base.clustering.length) return false
  const uniform = after.dirs.every((d) => d === after.dirs[0])
  const clusterUniform = base.clustering.slice(0, after.fields.length).every((c) => c.dir === base.clustering[0]!.dir)
  return (
    uniform &&
    clusterUniform &&
    after.fields.every((f, k) => base.clustering[k]!.field === f) &&
    !after.values.some((v) => v === null || v === undefined)
  )
}

/** Can CQL return the rows in the requested order? Only along the clustering columns after the eq prefix. */
function orderFor(base: CqlTable, eqPrefix: number, orderBy: readonly OrderTerm[]): BaseRead['order'] {
  if (orderBy.length === 0) return 'none'
  const cols = base.clustering
  // ordering by columns fixed by equality is a no-op; skip them
  const terms = orderBy.filter((t) => !cols.slice(0, eqPrefix).some((c) => c.field === t.field))
  if (terms.length === 0) return 'native'
  if (terms.length > cols.length - eqPrefix) return 'memory'
  let same = true
  let reversed = true
  terms.forEach((t, k) => {
    const c = cols[eqPrefix + k]
    if (!c || c.field !== t.field || t.nulls) {
      same = false
      reversed = false
      return
    }
    if (c.dir === t.dir) reversed = false
    else same = false
  })
  return same ? 'native' : reversed ? 'reversed' : 'memory'
}

/** UNSERVABLE_QUERY naming every key that would serve a read of this model. */
export function unservable(ctx: string, tables: ModelTables, why: string): TandemError {
  const model: Model = tables.model
  const options = [
    `${tables.base.partitionKey.join(' + ')} (partition key of ${tables.base.name})`,
    ...tables.uniques.map((t) => `${t.keyFields.join(' + ')} (unique, lookup ${t.name})`),
    ...tables.indexes.map((t) => `${t.keyFields.join(' + ')} (index, lookup ${t.name})`),
  ]
  return new TandemError(
    'UNSERVABLE_QUERY',
    `${ctx}: ${why} on ScyllaDB. Filter ${model.name} by equality (or \`in\`) on one of: ${options.join('; ')}. ` +
      'Add an index().on(...) or a layout for other access paths; tandem never scans a table.',
    {
      meta: {
        modelName: model.name,
        keys: [
          tables.base.partitionKey,
          ...tables.uniques.map((t) => t.keyFields),
          ...tables.indexes.map((t) => t.keyFields),
        ],
      },
    },
  )
}
