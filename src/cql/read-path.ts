import type { Field, RelationInfo, Row } from '../schema/model.js'
import type { ModelTables } from '../schema/scylla-layout.js'
import type { Statement } from '../adapter/backend.js'
import { evaluate, rowComparator, type RelationResolver } from '../adapter/evaluate.js'
import { andFilters, FALSE, isSlot, shapeOf, templateOf, type Filter, type ReadQuery } from '../adapter/query.js'
import { keyOf as rowKey } from '../adapter/runner.js'
import { sampleValue } from '../adapter/values.js'
import type { PlanCache } from '../cache/plan-cache.js'
import type { CqlStatement } from './cql-executor.js'
import { selectBase } from './cql-statements.js'
import { planRead, type BaseRead, type LookupRead } from './read-planner.js'
import type { ScyllaSession } from './scylla-session.js'
import { rowDecoder, rowFromCql, toCql, type RowDecoder } from './scylla-values.js'

/**
 * The read path on ScyllaDB: a read's shape is planned and compiled once (access path and CQL text,
 * values as slots) and cached; every call binds its values into the compiled read and runs it. `explain`
 * lists the statements of the same compiled read, so it shows exactly what runs.
 */
export type CompiledRead =
  | {
      readonly kind: 'base'
      readonly plan: BaseRead
      readonly text: string
      /** decodes rows of one partition, taking its key from the call instead of from every row */
      readonly decodeInPartition: RowDecoder
      /** the filter has relation filters (answered from related rows read first) */
      readonly hasRelations: boolean
    }
  | {
      readonly kind: 'lookup'
      readonly plan: LookupRead
      readonly lookupText: string
      readonly byKeyText: string
      /** the fields a lookup row holds, in its column order */
      readonly lookupFields: readonly Field[]
      readonly hasRelations: boolean
    }
  /** no key of this model serves the filter, but part `part` of its AND is a relation filter whose rows have one */
  | { readonly kind: 'via'; readonly part: number; readonly relation: RelationInfo }

type RelationNode = Extract<Filter, { kind: 'relation' }>

const anyQuery = (where: Filter | undefined): ReadQuery => ({
  where,
  orderBy: [],
  take: undefined,
  skip: undefined,
  unique: false,
})
const conjuncts = (where: Filter | undefined): readonly Filter[] =>
  where?.kind === 'and' ? where.items : where ? [where] : []

/** Distinct non-null value tuples of some fields. */
export function keyTuples(rows: readonly Row[], fields: readonly string[]): unknown[][] {
  const out = new Map<string, unknown[]>()
  for (const r of rows) {
    const k = rowKey(r, fields)
    if (k !== undefined)
      out.set(
        k,
        fields.map((f) => r[f]),
      )
  }
  return [...out.values()]
}

/** Rows whose `fields` equal one of the tuples (an `in` for one field; several fields: one branch each). */
export function keysFilter(fields: readonly string[], tuples: readonly unknown[][]): Filter {
  if (tuples.length === 0) return FALSE
  if (fields.length === 1) return { kind: 'cmp', field: fields[0]!, op: 'in', value: tuples.map((t) => t[0]) }
  return {
    kind: 'or',
    items: tuples.map((t) =>
      andFilters(...fields.map((f, i): Filter => ({ kind: 'cmp', field: f, op: 'eq', value: t[i] })))!,
    ),
  }
}

/** The related rows a relation filter looks at: `every` looks for one that fails it. */
function innerFilter(node: RelationNode): Filter | undefined {
  return node.mode === 'every' ? (node.filter ? { kind: 'not', item: node.filter } : FALSE) : node.filter
}

function relationNodes(where: Filter | undefined): RelationNode[] {
  const nodes: RelationNode[] = []
  const collect = (f: Filter) => {
    if (f.kind === 'relation') nodes.push(f)
    else if (f.kind === 'and' || f.kind === 'or') f.items.forEach(collect)
    else if (f.kind === 'not') collect(f.item)
  }
  if (where) collect(where)
  return nodes
}

/** Plans and compiles one read shape (its values are slots); throws UNSERVABLE_QUERY when no key serves it. */
export function compileRead(
  session: ScyllaSession,
  t: ModelTables,
  query: ReadQuery,
  ctx: string,
  columns?: readonly string[],
): CompiledRead {
  const hasRelations = relationNodes(query.where).length > 0
  let plan
  try {
    plan = planRead(t, query, ctx)
  } catch (refusal) {
    // served through a relation: the related rows first (by their own key), then this model by the keys they give
    const parts = conjuncts(query.where)
    for (let part = 0; part < parts.length; part++) {
      const node = parts[part]!
      if (node.kind !== 'relation' || node.mode !== 'some' || !node.filter) continue
      const relation = t.model.relations.get(node.relation)!
      try {
        planRead(session.tablesOf(relation.target), anyQuery(node.filter), ctx)
      } catch {
        continue
      }
      return { kind: 'via', part, relation }
    }
    throw refusal
  }
  if (plan.path === 'base') {
    if (columns) {
      // only the columns the caller needs (aggregates): fewer bytes read and decoded per row
      const fields = t.base.fields.filter((f) => columns.includes(f))
      const model = { ...t.model, fields: new Map([...t.model.fields].filter(([name]) => fields.includes(name))) }
      const text = selectBase(session.keyspace, t.model, { ...plan, table: { ...plan.table, fields } })
      return { kind: 'base', plan, text, decodeInPartition: rowDecoder(model, t.base.partitionKey), hasRelations }
    }
    const text = selectBase(session.keyspace, t.model, plan)
    return { kind: 'base', plan, text, decodeInPartition: rowDecoder(t.model, t.base.partitionKey), hasRelations }
  }
  return {
    kind: 'lookup',
    plan,
    lookupText: session.statements(plan.table).selectPartition,
    byKeyText: session.statements(t.base).selectByKey,
    lookupFields: plan.table.fields.map((f) => t.model.fields.get(f)!),
    hasRelations,
  }
}

export class ReadPath {
  constructor(
    private readonly session: ScyllaSession,
    private readonly plans: PlanCache<object>,
  ) {}

  /** The compiled read for this query's shape, and the query's values in slot order. */
  private compiled(
    t: ModelTables,
    query: ReadQuery,
    ctx: string,
    columns?: readonly string[],
  ): { read: CompiledRead; values: unknown[] } {
    const shape = shapeOf(t.model.name, { op: 'findMany', query })
    const key = columns ? `${shape.key}|cols:${columns.join(',')}` : shape.key
    let read = this.plans.get(key) as CompiledRead | undefined
    if (!read) {
      const template = templateOf({ op: 'findMany', query }) as { query: ReadQuery }
      read = compileRead(this.session, t, template.query, ctx, columns)
      this.plans.set(key, read)
    }
    return { read, values: shape.values }
  }

  /**
   * Reads the rows a query selects, through the compiled read of its shape. `columns`: a base-table read selects
   * only these (they must include every field the where and orderBy use); other paths read whole rows.
   */
  async read(t: ModelTables, query: ReadQuery, ctx: string, columns?: readonly string[]): Promise<Row[]> {
    const { read, values } = this.compiled(t, query, ctx, columns)
    if (read.kind === 'via') return this.readVia(t, read, query, ctx)
    const model = t.model
    const exec = this.session.exec
    let rows: Row[]
    let partitions = 1
    if (read.kind === 'base') {
      const statements = boundBaseReads(t, read, values, query)
      partitions = statements.length
      const parts = await Promise.all(statements.map((s) => exec.select(s.query, s.params, s.limit)))
      const only = statements.length === 1 ? statements[0]!.partition : undefined
      // one partition: its key values (immutable primitives) come from the call, not from every row
      if (only && only.every((v) => typeof v !== 'object')) rows = parts[0]!.map((r) => read.decodeInPartition(r, only))
      else rows = parts.flat().map((r) => rowFromCql(model, r))
    } else {
      const { plan } = read
      const fields = plan.table.partitionKey.map((f) => model.fields.get(f)!)
      const keys = distinct(plan.keys.map((k) => k.map((v) => resolve(v, values))))
      const keyRows = (
        await Promise.all(
          keys.map((k) =>
            exec.select(
              read.lookupText,
              k.map((v, i) => toCql(fields[i]!, v)),
            ),
          ),
        )
      ).flat()
      rows = await this.session.readByBaseKeys(
        t,
        keyRows.map((r) => rowFromCql(model, r, read.lookupFields)),
      )
    }
    // the filter runs again in memory only where CQL did not apply all of it
    const residual = read.kind === 'lookup' || read.plan.residual
    if (query.where && residual) {
      // relation filters need their related rows first; most filters have none (no await then)
      const relations = read.hasRelations ? await this.relationResolver(t, query.where, rows) : undefined
      rows = rows.filter((r) => evaluate(model, query.where!, r, relations) === true)
    }
    const ordered =
      read.kind === 'base' && partitions <= 1 && (read.plan.order === 'native' || read.plan.order === 'reversed')
    if (query.orderBy.length && !ordered) rows.sort(rowComparator(model, query.orderBy))
    const skip = query.skip ?? 0
    const take = query.unique ? 1 : query.take
    return skip === 0 && (take === undefined || rows.length <= take)
      ? rows
      : take === undefined
        ? rows.slice(skip)
        : rows.slice(skip, skip + take)
  }

  /** The related rows first, through their own key; then this model by the keys they give (an `in`). */
  private async readVia(
    t: ModelTables,
    via: Extract<CompiledRead, { kind: 'via' }>,
    query: ReadQuery,
    ctx: string,
  ): Promise<Row[]> {
    const node = conjuncts(query.where)[via.part] as RelationNode
    const children = await this.read(this.session.tablesOf(via.relation.target), anyQuery(node.filter), ctx)
    const keys = keyTuples(children, via.relation.references)
    return this.read(t, { ...query, where: andFilters(query.where, keysFilter(via.relation.fields, keys)) }, ctx)
  }

  /** Does the row (as read now) still match the filter? Relation filters read their related rows. */
  async matches(t: ModelTables, where: Filter, row: Row): Promise<boolean> {
    const relations = await this.relationResolver(t, where, [row])
    return evaluate(t.model, where, row, relations) === true
  }

  /**
   * Relation filters are answered per row from the related rows of all the rows read, fetched at once
   * per relation (an `in` on the related key): some / none look for a related row matching the filter,
   * every for one that fails it.
   */
  private async relationResolver(t: ModelTables, where: Filter, rows: Row[]): Promise<RelationResolver | undefined> {
    const nodes = relationNodes(where)
    if (nodes.length === 0) return undefined
    const matched = new Map<Filter, Set<string>>()
    await Promise.all(
      nodes.map(async (node) => {
        const relation = t.model.relations.get(node.relation)!
        const keys = keyTuples(rows, relation.fields)
        const target = this.session.tablesOf(relation.target)
        const children =
          keys.length === 0
            ? []
            : await this.read(
                target,
                anyQuery(andFilters(keysFilter(relation.references, keys), innerFilter(node))),
                t.model.name,
              )
        matched.set(node, new Set(children.map((c) => rowKey(c, relation.references)!)))
      }),
    )
    return (node, row) => {
      const relation = t.model.relations.get(node.relation)!
      const k = rowKey(row, relation.fields)
      const has = k !== undefined && matched.get(node)!.has(k)
      return node.mode === 'some' ? has : !has
    }
  }

  /**
   * The statements `read` runs for a query, in order, from the same compiled read; relation filters
   * add the reads of their related rows. Steps that depend on data are shown for one related key.
   */
  explain(t: ModelTables, query: ReadQuery, ctx: string, columns?: readonly string[]): Statement[] {
    const model = t.model
    const { read } = this.compiled(t, query, ctx, columns)
    const out: Statement[] = []
    if (read.kind === 'via') {
      const node = conjuncts(query.where)[read.part] as RelationNode
      out.push(...this.explain(this.session.tablesOf(read.relation.target), anyQuery(node.filter), ctx))
      const sample = [read.relation.fields.map((f) => sampleValue(model.fields.get(f)!))]
      return [
        ...out,
        ...this.explain(t, { ...query, where: andFilters(query.where, keysFilter(read.relation.fields, sample)) }, ctx),
      ]
    }
    if (read.kind === 'base') {
      const { plan } = read
      const note = `${plan.partitions.length} partition read(s), issued together; order ${plan.order}${plan.residual ? '; filter partly in memory' : ''}`
      if (plan.partitions.length) out.push({ text: read.text, table: t.base.name, note })
    } else {
      out.push({
        text: read.lookupText,
        table: read.plan.table.name,
        note: `${read.plan.keys.length} lookup partition(s), issued together`,
      })
      out.push({ text: read.byKeyText, table: t.base.name, note: 'one point read per key found, issued together' })
    }
    // relation filters left for memory read the related rows of all rows at once, per relation
    for (const node of relationNodes(query.where)) {
      const relation = model.relations.get(node.relation)!
      const target = this.session.tablesOf(relation.target)
      const sample = [relation.references.map((f) => sampleValue(target.model.fields.get(f)!))]
      const reads = this.explain(
        target,
        anyQuery(andFilters(keysFilter(relation.references, sample), innerFilter(node))),
        ctx,
      )
      out.push(
        ...reads.map((st) => ({
          ...st,
          note: `${st.note ?? ''} (relation filter ${node.relation}: ${node.mode})`.trim(),
        })),
      )
    }
    return out
  }
}

const resolve = (v: unknown, values: readonly unknown[]): unknown => (isSlot(v) ? values[v.$slot] : v)

/** Value tuples once each (an `in` may repeat a value). */
function distinct(tuples: unknown[][]): unknown[][] {
  if (tuples.length <= 1) return tuples
  const seen = new Map<unknown, unknown[]>()
  for (const t of tuples)
    seen.set(t.length === 1 ? valueKey(t[0]) : t.map((v) => `${typeof v}:${String(valueKey(v))}`).join('\u0000'), t)
  return [...seen.values()]
}

const valueKey = (v: unknown): unknown => (v instanceof Date ? v.getTime() : v)

/**
 * The statements a compiled base read runs for one call: one per distinct partition, each with its bound
 * values (partition key, clustering values, LIMIT) and the row limit.
 */
export function boundBaseReads(
  t: ModelTables,
  read: { readonly plan: BaseRead; readonly text: string },
  values: readonly unknown[],
  query: ReadQuery,
): (CqlStatement & { limit: number | undefined; partition: readonly unknown[] })[] {
  const { plan } = read
  const limit = plan.limited ? query.take! + (query.skip ?? 0) : undefined
  const model = t.model
  const base = t.base
  const clustering = [
    ...plan.clustering.eq.map((v, i) => toCql(model.fields.get(base.clustering[i]!.field)!, resolve(v, values))),
    ...plan.clustering.slices.flatMap((s) =>
      s.values.map((v, i) => toCql(model.fields.get(s.fields[i]!)!, resolve(v, values))),
    ),
  ]
  if (limit !== undefined) clustering.push(limit)
  const partitions = distinct(plan.partitions.map((p) => p.map((v) => resolve(v, values))))
  return partitions.map((p) => ({
    query: read.text,
    params: [...p.map((v, i) => toCql(model.fields.get(base.partitionKey[i]!)!, v)), ...clustering],
    limit,
    partition: p,
  }))
}
