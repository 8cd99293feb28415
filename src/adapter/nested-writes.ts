import type { Model, RelationInfo, Row } from '../schema/model.js'
import { TandemError, validationError } from '../errors.js'
import { rowsOf, type Runner } from './runner.js'
import { isPlainObject, normalizeUniqueWhere, normalizeUpdateData, normalizeWhere } from './normalize.js'
import { andFilters, type Filter } from './query.js'

/**
 * Nested writes (`data: { members: { create: […] }, profile: { connect: { id } } }`), expressed as
 * ordinary model operations on the related delegates. The caller runs them inside
 * backend.transaction, so a failure anywhere leaves nothing written.
 */

/** What nested writes need of a model's delegate (RowWriter provides it; declared here so the two files do not import each other). */
export interface RowWriter {
  readonly model: Model
  readonly delegates: ReadonlyMap<string, RowWriter>
  createRow(run: Runner, data: unknown, ctx: string, fixed?: Row): Promise<Row>
  insertRows(run: Runner, data: unknown, skipDuplicates: boolean, ctx: string, fixed?: Row): Promise<Row[]>
  updateRow(run: Runner, filter: Filter, data: unknown, ctx: string): Promise<Row | undefined>
  updateManyWith(run: Runner, args: unknown): Promise<{ count: number }>
  deleteRows(run: Runner, filter: Filter | undefined, unique: boolean): Promise<Row[]>
}

const OWNER_OPS = ['create', 'connect', 'connectOrCreate', 'disconnect', 'update', 'upsert', 'delete']
const DEPENDENT_OPS = [
  'create',
  'createMany',
  'connect',
  'connectOrCreate',
  'disconnect',
  'set',
  'update',
  'updateMany',
  'upsert',
  'delete',
  'deleteMany',
]

/** Does this `data` object name any relation of the model? */
export function hasRelationData(model: Model, data: unknown): boolean {
  if (!isPlainObject(data) || model.relations.size === 0) return false
  return Object.keys(data).some((k) => model.relations.has(k) && data[k] !== undefined)
}

function split(
  model: Model,
  data: unknown,
  ctx: string,
): { scalars: Row; relations: [RelationInfo, Record<string, unknown>][] } {
  if (!isPlainObject(data)) throw validationError(ctx, '`data` must be an object')
  const scalars: Row = {}
  const relations: [RelationInfo, Record<string, unknown>][] = []
  for (const [k, v] of Object.entries(data)) {
    const relation = model.relations.get(k)
    if (!relation) {
      scalars[k] = v
      continue
    }
    if (v === undefined) continue
    if (!isPlainObject(v)) throw validationError(ctx, `\`${k}\` is a relation: use { create | connect | … }`)
    const allowed = relation.owner ? OWNER_OPS : DEPENDENT_OPS
    for (const op of Object.keys(v))
      if (!allowed.includes(op))
        throw validationError(ctx, `unknown nested operation \`${op}\` on \`${k}\`; use ${allowed.join(', ')}`)
    relations.push([relation, v])
  }
  return { scalars, relations }
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v])

/** The foreign key values a dependent row gets from its parent: target[references] = parent[fields]. */
function linkOf(relation: RelationInfo, parent: Row): Row {
  return Object.fromEntries(relation.references.map((r, i) => [r, parent[relation.fields[i]!]]))
}

/** The parent's key fields taken from a related row it now points at (owner side). */
function keyFrom(relation: RelationInfo, target: Row): Row {
  return Object.fromEntries(relation.fields.map((f, i) => [f, target[relation.references[i]!]]))
}

function linkFilter(link: Row): Filter | undefined {
  return andFilters(...Object.entries(link).map(([field, value]): Filter => ({ kind: 'cmp', field, op: 'eq', value })))
}

/** P2017, as Prisma reports a nested delete or disconnect of a row that is not related to the parent. */
function notConnected(model: string, relation: RelationInfo): TandemError {
  return new TandemError(
    'P2017',
    `The records for relation \`${model}.${relation.name}\` between the \`${model}\` and \`${relation.target}\` models are not connected.`,
    {
      meta: { relation_name: relation.name, parent_name: model, child_name: relation.target },
    },
  )
}

function connectMissing(model: string, relation: RelationInfo, op: string): TandemError {
  return new TandemError(
    'P2025',
    `No '${relation.target}' record was found for a nested ${op} on relation '${model}.${relation.name}'.`,
    {
      meta: { modelName: model, cause: `No '${relation.target}' record was found for a nested ${op}.` },
    },
  )
}

async function findOne(
  target: RowWriter,
  run: Runner,
  where: unknown,
  ctx: string,
  extra?: Filter,
): Promise<Row | undefined> {
  const { filter } = normalizeUniqueWhere(target.model, where, ctx)
  return rowsOf(
    await run(target.model, {
      op: 'findMany',
      query: { where: andFilters(filter, extra), orderBy: [], take: 1, skip: undefined, unique: true },
    }),
  )[0]
}

/** The row a to-one relation is pointed at by `connect`, `connectOrCreate` or `create`; undefined for other operations. */
async function linkTarget(
  d: RowWriter,
  target: RowWriter,
  run: Runner,
  relation: RelationInfo,
  ops: Record<string, unknown>,
  c: string,
): Promise<Row | undefined> {
  if (ops.connect !== undefined) {
    const row = await findOne(target, run, ops.connect, c)
    if (!row) throw connectMissing(d.model.name, relation, 'connect')
    return row
  }
  if (ops.connectOrCreate !== undefined) {
    const oc = ops.connectOrCreate as Record<string, unknown>
    return (await findOne(target, run, oc.where, c)) ?? (await target.createRow(run, oc.create, c))
  }
  if (ops.create !== undefined) return target.createRow(run, ops.create, c)
  return undefined
}

/** create with nested relation data; `fixed` are foreign key values set by a parent create. */
export async function createNested(d: RowWriter, run: Runner, data: unknown, ctx: string, fixed?: Row): Promise<Row> {
  const { scalars, relations } = split(d.model, data, ctx)
  // relations whose key lives on this row are resolved first: they give the key values
  for (const [relation, ops] of relations.filter(([r]) => r.owner)) {
    const target = d.delegates.get(relation.target)!
    const c = `${ctx}.${relation.name}`
    const row = await linkTarget(d, target, run, relation, ops, c)
    if (!row) throw validationError(c, 'a nested create takes create, connect or connectOrCreate for this relation')
    Object.assign(scalars, keyFrom(relation, row))
  }
  const stored = await d.createRow(run, { ...scalars, ...fixed }, ctx)
  for (const [relation, ops] of relations.filter(([r]) => !r.owner))
    await writeDependents(d, run, stored, relation, ops, ctx, true)
  return stored
}

/** update with nested relation data; returns the updated row, or undefined when the filter matched none. */
export async function updateNested(
  d: RowWriter,
  run: Runner,
  filter: Filter,
  data: unknown,
  ctx: string,
): Promise<Row | undefined> {
  const { scalars, relations } = split(d.model, data, ctx)
  const current = rowsOf(
    await run(d.model, {
      op: 'findMany',
      query: { where: filter, orderBy: [], take: 1, skip: undefined, unique: true },
    }),
  )[0]
  if (!current) {
    // Prisma checks a nested delete of list rows before the parent: with no parent they are not connected
    const nestedDelete = relations.find(
      ([r, ops]) => !r.owner && r.kind === 'many' && ops.delete !== undefined && ops.delete !== false,
    )
    if (nestedDelete) throw notConnected(d.model.name, nestedDelete[0])
    return undefined
  }
  for (const [relation, ops] of relations.filter(([r]) => r.owner)) {
    const target = d.delegates.get(relation.target)!
    const c = `${ctx}.${relation.name}`
    const linked = linkFilter(Object.fromEntries(relation.references.map((r, i) => [r, current[relation.fields[i]!]])))
    const hasLink = relation.fields.every((f) => current[f] !== null && current[f] !== undefined)
    // connect / connectOrCreate / create point the relation at a row; the others act on the linked row
    let row = await linkTarget(d, target, run, relation, ops, c)
    if (row) {
      Object.assign(scalars, keyFrom(relation, row))
      continue
    }
    if (ops.upsert !== undefined) {
      const up = ops.upsert as Record<string, unknown>
      const existing = hasLink ? await target.updateRow(run, linked!, up.update ?? {}, c) : undefined
      row = existing ?? (await target.createRow(run, up.create, c))
    } else if (ops.update !== undefined) {
      if (!hasLink || !(await target.updateRow(run, linked!, ops.update, c)))
        throw connectMissing(d.model.name, relation, 'update')
    } else if (ops.disconnect !== undefined || ops.delete !== undefined) {
      if (!relation.optional)
        throw validationError(c, `\`${relation.name}\` is required: it cannot be disconnected or deleted from here`)
      if (ops.delete !== undefined && ops.delete !== false) {
        if (!hasLink || (await target.deleteRows(run, linked, true)).length === 0)
          throw connectMissing(d.model.name, relation, 'delete')
      }
      if (ops.disconnect !== false) for (const f of relation.fields) scalars[f] = null
    }
    if (row) Object.assign(scalars, keyFrom(relation, row))
  }
  const set = normalizeUpdateData(d.model, scalars, ctx)
  const updated = Object.keys(set).length
    ? rowsOf(
        await run(d.model, {
          op: 'update',
          query: { where: filter, orderBy: [], take: undefined, skip: undefined, unique: true },
          set,
        }),
      )[0]
    : current
  if (!updated) return undefined
  for (const [relation, ops] of relations.filter(([r]) => !r.owner))
    await writeDependents(d, run, updated, relation, ops, ctx, false)
  return updated
}

/** Nested operations on rows that point at `parent` (list relations, and to-one relations keyed on the other side). */
async function writeDependents(
  d: RowWriter,
  run: Runner,
  parent: Row,
  relation: RelationInfo,
  ops: Record<string, unknown>,
  ctx: string,
  creating: boolean,
): Promise<void> {
  const target = d.delegates.get(relation.target)!
  const c = `${ctx}.${relation.name}`
  const link = linkOf(relation, parent)
  const linked = linkFilter(link)
  const many = relation.kind === 'many'
  const nullable = relation.references.every((f) => target.model.fields.get(f)?.nullable)
  const unlink = Object.fromEntries(relation.references.map((f) => [f, null]))
  const onlyOnUpdate = (op: string) => {
    if (creating) throw validationError(c, `\`${op}\` is only allowed in a nested update`)
  }
  const uniqueOf = (where: unknown) => normalizeUniqueWhere(target.model, where, c).filter
  const connect = async (where: unknown, op: string) => {
    const row = await findOne(target, run, where, c)
    if (!row) throw connectMissing(d.model.name, relation, op)
    await target.updateRow(run, uniqueOf(where), link, c)
  }

  if (ops.set !== undefined) {
    onlyOnUpdate('set')
    if (!many) throw validationError(c, '`set` applies to list relations')
    if (!nullable) throw validationError(c, `\`set\` would disconnect ${relation.target} rows whose key is required`)
    await target.updateManyWith(run, { where: link, data: unlink })
    for (const w of list(ops.set)) await connect(w, 'set')
  }
  if (ops.disconnect !== undefined && ops.disconnect !== false) {
    onlyOnUpdate('disconnect')
    if (!nullable)
      throw validationError(c, `\`${relation.name}\` rows need their key: they cannot be disconnected, only deleted`)
    if (many)
      for (const w of list(ops.disconnect)) await target.updateRow(run, andFilters(uniqueOf(w), linked)!, unlink, c)
    else await target.updateManyWith(run, { where: link, data: unlink })
  }
  if (ops.delete !== undefined && ops.delete !== false) {
    onlyOnUpdate('delete')
    if (many) {
      for (const w of list(ops.delete))
        if ((await target.deleteRows(run, andFilters(uniqueOf(w), linked), true)).length === 0)
          throw notConnected(d.model.name, relation)
    } else if ((await target.deleteRows(run, linked, false)).length === 0)
      throw connectMissing(d.model.name, relation, 'delete')
  }
  if (ops.deleteMany !== undefined) {
    onlyOnUpdate('deleteMany')
    for (const w of list(ops.deleteMany))
      await target.deleteRows(run, andFilters(normalizeWhere(target.model, w, c), linked), false)
  }
  if (ops.update !== undefined) {
    onlyOnUpdate('update')
    for (const u of list(ops.update)) {
      const { where, data } = (many ? u : { where: undefined, data: u }) as { where?: unknown; data?: unknown }
      const filter = many ? andFilters(uniqueOf(where), linked)! : linked!
      const row = many
        ? await target.updateRow(run, filter, data, c)
        : rowsOf(
            await run(target.model, {
              op: 'findMany',
              query: { where: linked, orderBy: [], take: 1, skip: undefined, unique: false },
            }),
          )[0]
      if (!many && row)
        await target.updateRow(
          run,
          linkFilter(Object.fromEntries(target.model.primaryKey.map((k) => [k, row[k]])))!,
          data,
          c,
        )
      if (!row) throw connectMissing(d.model.name, relation, 'update')
    }
  }
  if (ops.updateMany !== undefined) {
    onlyOnUpdate('updateMany')
    for (const u of list(ops.updateMany)) {
      const { where, data } = u as { where?: unknown; data?: unknown }
      await target.updateManyWith(run, { where: { AND: [where ?? {}, link] }, data })
    }
  }
  if (ops.upsert !== undefined) {
    onlyOnUpdate('upsert')
    for (const u of list(ops.upsert)) {
      const { where, create, update } = u as { where?: unknown; create?: unknown; update?: unknown }
      const filter = many ? andFilters(uniqueOf(where), linked)! : linked!
      const updated = await target.updateRow(run, filter, update ?? {}, c)
      if (!updated) await target.createRow(run, create, c, link)
    }
  }
  if (ops.create !== undefined) for (const data of list(ops.create)) await target.createRow(run, data, c, link)
  if (ops.createMany !== undefined) {
    const cm = ops.createMany as { data?: unknown; skipDuplicates?: boolean }
    await target.insertRows(run, cm.data, cm.skipDuplicates === true, c, link)
  }
  if (ops.connect !== undefined) for (const w of list(ops.connect)) await connect(w, 'connect')
  if (ops.connectOrCreate !== undefined) {
    for (const oc of list(ops.connectOrCreate)) {
      const { where, create } = oc as { where?: unknown; create?: unknown }
      if (await findOne(target, run, where, c)) await target.updateRow(run, uniqueOf(where), link, c)
      else await target.createRow(run, create, c, link)
    }
  }
}
