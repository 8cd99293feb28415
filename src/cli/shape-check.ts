import type { Statement } from '../adapter/backend.js'
import { andFilters, type Filter, type Include, type Operation, type ReadQuery } from '../adapter/query.js'
import type { RecordedShape } from '../adapter/shape-recorder.js'
import { TandemError } from '../errors.js'
import type { Model, SchemaInfo } from '../schema/model.js'

/** Plans an operation on ScyllaDB without I/O (ScyllaBackend.explain): throws what a call would be refused with. */
export type Planner = (model: Model, operation: Operation) => Statement[]

/** A recorded shape ScyllaDB would refuse: the read that fails (the call's own, or one its include loads). */
export interface Refusal {
  readonly shape: RecordedShape
  /** the model of the refused read (a related model when an include's read is refused) */
  readonly model: string
  /** the refused read, readable: `where authorId = ? orderBy createdAt desc take ?` */
  readonly read: string
  readonly code: string
  readonly message: string
  /** the index or layout that would serve it */
  readonly fix: string
}

export interface CheckResult {
  readonly checked: number
  readonly served: number
  readonly refused: Refusal[]
  /** shapes of models the schema no longer has (recorded from an older schema) */
  readonly stale: RecordedShape[]
}

/** A value-free stand-in for the key values the loader reads by (the planner only looks at NULLs). */
const SLOT = { $slot: 0 }

/**
 * The reads ScyllaDB runs for one recorded operation: the operation itself and, for a findMany recorded
 * with a compiled include (PostgreSQL), the reads the delegate's loader does on ScyllaDB instead: one `in`
 * on the related key per relation (an equality per parent row when the relation has take/skip), one per
 * `_count`, recursively. Mirrors ModelDelegate.loadRelation/loadCounts.
 */
export function readsOf(
  schema: SchemaInfo,
  model: Model,
  operation: Operation,
): { model: Model; operation: Operation }[] {
  if (operation.op !== 'findMany' || !operation.include) return [{ model, operation }]
  const { include, ...own } = operation
  return [{ model, operation: own }, ...includeReads(schema, model, include)]
}

/**
 * The loader's filter on the related key (ModelDelegate's whereKeys): an `in` for a one-field key, an OR of
 * equalities for a composite one; one parent's equality when the relation is read per parent (take/skip).
 */
function keysFilter(references: readonly string[], perParent: boolean): Filter | undefined {
  const tuple = andFilters(...references.map((field): Filter => ({ kind: 'cmp', field, op: 'eq', value: SLOT })))
  if (perParent) return tuple
  if (references.length === 1) return { kind: 'cmp', field: references[0]!, op: 'in', value: [SLOT] }
  return { kind: 'or', items: [tuple!] }
}

function includeReads(schema: SchemaInfo, model: Model, include: Include): { model: Model; operation: Operation }[] {
  const out: { model: Model; operation: Operation }[] = []
  for (const node of include.relations) {
    const relation = model.relations.get(node.relation)
    const target = relation && schema.models.get(relation.target)
    if (!relation || !target) continue
    const q = node.query
    const windowed = relation.kind === 'many' && q !== undefined && (q.take !== undefined || q.skip !== undefined)
    const query: ReadQuery = {
      where: andFilters(q?.where, keysFilter(relation.references, windowed)),
      orderBy: q?.orderBy ?? [],
      take: windowed ? q.take : undefined,
      skip: windowed ? q.skip : undefined,
      unique: false,
    }
    out.push(...readsOf(schema, target, { op: 'findMany', query, include: node }))
  }
  for (const count of include.counts ?? []) {
    const relation = model.relations.get(count.relation)
    const target = relation && schema.models.get(relation.target)
    if (!relation || !target) continue
    const where = andFilters(count.where, keysFilter(relation.references, false))
    out.push({
      model: target,
      operation: { op: 'findMany', query: { where, orderBy: [], take: undefined, skip: undefined, unique: false } },
    })
  }
  return out
}

// ---- readable shapes -------------------------------------------------------------------------

const CMP: Record<string, string> = { eq: '=', ne: '!=', lt: '<', lte: '<=', gt: '>', gte: '>=' }

function filterText(f: Filter): string {
  switch (f.kind) {
    case 'and':
      return f.items.map((i) => (i.kind === 'or' ? `(${filterText(i)})` : filterText(i))).join(' and ')
    case 'or':
      return f.items.map((i) => (i.kind === 'and' ? `(${filterText(i)})` : filterText(i))).join(' or ')
    case 'not':
      return `not (${filterText(f.item)})`
    case 'const':
      return String(f.value)
    case 'relation':
      return `${f.relation} ${f.mode}${f.filter ? ` (${filterText(f.filter)})` : ''}`
    case 'after':
      return `cursor after (${f.fields.join(', ')})`
    case 'json':
      return `${f.field}${f.path.map(() => '[?]').join('')} ${f.op} ?`
    case 'cmp': {
      const i = f.insensitive ? ' (insensitive)' : ''
      if (f.value === null) return `${f.field} ${f.op === 'eq' ? 'is null' : 'is not null'}`
      if (f.op === 'in' || f.op === 'notIn')
        return `${f.field} ${f.op === 'in' ? 'in' : 'not in'} (${(f.value as unknown[]).map(() => '?').join(', ')})${i}`
      return `${f.field} ${CMP[f.op] ?? f.op} ?${i}`
    }
  }
}

function queryText(q: ReadQuery): string {
  const parts: string[] = []
  if (q.where) parts.push(`where ${filterText(q.where)}`)
  if (q.orderBy.length)
    parts.push(`orderBy ${q.orderBy.map((t) => `${t.field} ${t.dir}${t.nulls ? ` nulls ${t.nulls}` : ''}`).join(', ')}`)
  if (q.take !== undefined) parts.push('take ?')
  if (q.skip !== undefined) parts.push('skip ?')
  return parts.length ? parts.join(' ') : '(every row)'
}

function includeText(inc: Include): string {
  const rels = inc.relations.map((n) => {
    const inner = n.relations.length || n.counts ? `{${includeText(n)}}` : ''
    return `${n.relation}${inner}`
  })
  if (inc.counts) rels.push(`_count(${inc.counts.map((c) => c.relation).join(', ')})`)
  return rels.join(', ')
}

/**
 * A recorded operation as a person reads it: `where authorId = ? orderBy createdAt desc take ?`.
 * @example operationText({ op: 'count', query }) // 'where chatId = ?'
 */
export function operationText(operation: Operation): string {
  switch (operation.op) {
    case 'findMany':
    case 'count': {
      const text = queryText(operation.query)
      return operation.op === 'findMany' && operation.include
        ? `${text} include ${includeText(operation.include)}`
        : text
    }
    case 'insert':
      return `data (${[...new Set(operation.rows.flatMap((r) => Object.keys(r)))].join(', ')})`
    case 'update':
      return `${queryText(operation.query)} set (${Object.keys(operation.set).join(', ')})`
    case 'delete':
      return queryText(operation.query)
    case 'aggregate':
      return `${queryText(operation.query)}${operation.spec.by.length ? ` by (${operation.spec.by.join(', ')})` : ''}`
  }
}

// ---- suggestions -----------------------------------------------------------------------------

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase()

function conjuncts(f: Filter | undefined): Filter[] {
  if (!f) return []
  return f.kind === 'and' ? f.items.flatMap(conjuncts) : [f]
}

/**
 * What would serve a refused read, concretely: an `index(…).on(…)` for the Drizzle table (tandem keeps a
 * lookup table for it) or a `layout` whose partition key is the equality fields and whose clustering key
 * gives the range or order; or, when the filter has no equality, what the read needs first.
 */
export function fixFor(model: Model, operation: Operation, error: TandemError): string {
  if (/at most \d+ (partitions|lookup keys)/.test(error.message))
    return 'read fewer keys at once: split the `in` list (or the page whose include loads it) into smaller batches'
  if (operation.op === 'insert') return 'see the message'
  const query = operation.query
  const parts = conjuncts(query.where)
  const eq: string[] = []
  const insensitive: string[] = []
  const ranges: string[] = []
  for (const p of parts) {
    if (p.kind !== 'cmp' || p.value === null) continue
    if (p.insensitive) insensitive.push(p.field)
    else if ((p.op === 'eq' || p.op === 'in') && !eq.includes(p.field)) eq.push(p.field)
    else if (['lt', 'lte', 'gt', 'gte'].includes(p.op) && !ranges.includes(p.field)) ranges.push(p.field)
  }
  const clustering = [
    ...ranges.map((f) => `'${f}'`),
    ...query.orderBy
      .filter((t) => !eq.includes(t.field) && !ranges.includes(t.field))
      .map((t) => `['${t.field}', '${t.dir}']`),
  ]
  if (eq.length > 0) {
    const name = `${model.table}_${eq.map(snake).join('_')}_idx`
    const layout = `{ ${model.name}: { partitionKey: [${eq.map((f) => `'${f}'`).join(', ')}]${
      clustering.length ? `, clusteringKey: [${clustering.join(', ')}]` : ''
    } } }`
    return (
      `add index('${name}').on(${eq.map((f) => `t.${f}`).join(', ')}) to the Drizzle table '${model.table}' ` +
      `(pgTable('${model.table}', {…}, (t) => [ … ]); tandem keeps a lookup table for it), ` +
      `or give ${model.name} the layout ${layout}` +
      (clustering.length ? ' (rows of one partition then come in that order)' : '')
    )
  }
  const keys = (error.meta?.keys as string[][] | undefined)?.map((k) => k.join(' + ')).join('; ')
  const why = insensitive.length
    ? `a case-insensitive match (${insensitive.join(', ')}) is not a key lookup`
    : 'the filter has no equality on a field (only ranges, text matches, NULL tests, OR, NOT, relations or nothing)'
  return (
    `${why}: add an equality on a key (${keys ?? 'the partition key'}) to the call` +
    (ranges.length || query.orderBy.length
      ? `, or group the rows with a layout { ${model.name}: { partitionKey: ['<the field you group by>'], clusteringKey: [${clustering.join(', ')}] } } and filter by that field`
      : '')
  )
}

/**
 * Plans every recorded shape on ScyllaDB (no I/O) and collects the ones it would refuse.
 * @example const result = checkShapes(db.$schema, (m, op) => scylla.explain(m, op), shapes)
 */
export function checkShapes(schema: SchemaInfo, plan: Planner, shapes: readonly RecordedShape[]): CheckResult {
  const refused: Refusal[] = []
  const stale: RecordedShape[] = []
  let served = 0
  for (const shape of shapes) {
    const model = schema.models.get(shape.model)
    if (!model) {
      stale.push(shape)
      continue
    }
    let refusal: Refusal | undefined
    for (const read of readsOf(schema, model, shape.operation)) {
      try {
        plan(read.model, read.operation)
      } catch (thrown) {
        // a shape that no longer fits the schema (a field renamed since it was recorded) is refused too
        const e =
          thrown instanceof TandemError
            ? thrown
            : new TandemError('VALIDATION', thrown instanceof Error ? thrown.message : String(thrown))
        refusal = {
          shape,
          model: read.model.name,
          read: operationText(read.operation),
          code: e.code,
          message: e.message,
          fix: fixFor(read.model, read.operation, e),
        }
        break
      }
    }
    if (refusal) refused.push(refusal)
    else served++
  }
  return { checked: shapes.length, served, refused, stale }
}
