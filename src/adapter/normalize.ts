import type { Field, Model, RelationInfo, Row } from '../schema/model.js'
import { relatedModel } from '../schema/read-schema.js'
import { validationError } from '../errors.js'
import {
  andFilters,
  FALSE,
  TRUE,
  type CmpOp,
  type Filter,
  type OrderTerm,
  type UpdateOp,
  type UpdateOps,
} from './query.js'
import { coerceValue, defaultFor } from './values.js'
import { jsonFilter, listFilter, listUpdate } from './column-filters.js'

/** Validation and normalization of Prisma-style arguments into the query description (query.ts). */

type Args = Record<string, unknown>

const FILTER_OPS: Record<string, CmpOp | 'equals' | 'not' | 'mode'> = {
  equals: 'equals',
  not: 'not',
  in: 'in',
  notIn: 'notIn',
  lt: 'lt',
  lte: 'lte',
  gt: 'gt',
  gte: 'gte',
  contains: 'contains',
  startsWith: 'startsWith',
  endsWith: 'endsWith',
  mode: 'mode',
}
const STRING_OPS = new Set(['contains', 'startsWith', 'endsWith'])

export function isPlainObject(v: unknown): v is Args {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Date) &&
    Object.getPrototypeOf(v) === Object.prototype
  )
}

export function checkArgs(where: string, args: unknown, allowed: readonly string[]): Args {
  if (args === undefined) return {}
  if (!isPlainObject(args)) throw validationError(where, 'arguments must be an object')
  for (const key of Object.keys(args)) {
    if (!allowed.includes(key))
      throw validationError(where, `unknown argument \`${key}\`; expected one of ${allowed.join(', ')}`)
  }
  return args
}

function fieldOrFail(model: Model, name: string, where: string): Field {
  const f = model.fields.get(name)
  if (!f)
    throw validationError(
      where,
      `unknown field \`${name}\` on model ${model.name}; fields are ${[...model.fields.keys()].join(', ')}`,
    )
  return f
}

/** Compound unique keys are written `a_b: { a, b }`, as in Prisma. */
function compoundKeyName(fields: readonly string[]): string {
  return fields.join('_')
}

/** Prisma `where` → Filter. `undefined` values are ignored, as Prisma does. */
export function normalizeWhere(model: Model, where: unknown, ctx: string): Filter | undefined {
  if (where === undefined) return undefined
  if (!isPlainObject(where)) throw validationError(ctx, '`where` must be an object')
  const parts: Filter[] = []
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue
    if (key === 'AND' || key === 'OR' || key === 'NOT') {
      const list = Array.isArray(value) ? value : [value]
      const items = list.map((w) => normalizeWhere(model, w, ctx) ?? TRUE)
      if (key === 'AND') parts.push(items.length === 0 ? TRUE : { kind: 'and', items })
      else if (key === 'OR') parts.push(items.length === 0 ? FALSE : { kind: 'or', items })
      else parts.push(...items.map((item): Filter => ({ kind: 'not', item })))
      continue
    }
    const compound = model.uniqueKeys.find((u) => u.fields.length > 1 && compoundKeyName(u.fields) === key)
    if (compound) {
      if (!isPlainObject(value))
        throw validationError(ctx, `\`${key}\` expects an object with ${compound.fields.join(', ')}`)
      for (const f of compound.fields) {
        if (value[f] === undefined) throw validationError(ctx, `\`${key}\` is missing \`${f}\``)
        parts.push({ kind: 'cmp', field: f, op: 'eq', value: coerceValue(ctx, fieldOrFail(model, f, ctx), value[f]) })
      }
      continue
    }
    const relation = model.relations.get(key)
    if (relation) {
      parts.push(relationFilter(model, relation, value, ctx))
      continue
    }
    parts.push(fieldFilter(model, fieldOrFail(model, key, ctx), value, ctx))
  }
  return parts.length === 0 ? undefined : (andFilters(...parts) ?? TRUE)
}

/** `members: { some: W }`, `profile: { is: W }`, `profile: W`, `profile: null` → a relation filter. */
function relationFilter(model: Model, relation: RelationInfo, value: unknown, ctx: string): Filter {
  const target = relatedModel(model, relation.target)
  const inner = (w: unknown) => (w === undefined ? undefined : normalizeWhere(target, w, ctx))
  const node = (mode: 'some' | 'every' | 'none', filter: Filter | undefined): Filter => ({
    kind: 'relation',
    relation: relation.name,
    mode,
    filter,
  })
  if (relation.kind === 'many') {
    if (!isPlainObject(value))
      throw validationError(
        ctx,
        `\`${relation.name}\` is a list relation: filter it with { some | every | none: { … } }`,
      )
    const parts: Filter[] = []
    for (const [op, w] of Object.entries(value)) {
      if (w === undefined) continue
      if (op !== 'some' && op !== 'every' && op !== 'none')
        throw validationError(ctx, `unknown relation filter \`${op}\` on \`${relation.name}\`; use some, every, none`)
      if (w !== null && !isPlainObject(w))
        throw validationError(ctx, `\`${relation.name}.${op}\` expects a where object`)
      parts.push(node(op, inner(w ?? undefined)))
    }
    return andFilters(...parts) ?? TRUE
  }
  if (value === null) return node('none', undefined)
  if (!isPlainObject(value))
    throw validationError(ctx, `\`${relation.name}\` expects a where object, { is }, { isNot } or null`)
  const keys = Object.keys(value).filter((k) => value[k] !== undefined)
  if (keys.length > 0 && keys.every((k) => k === 'is' || k === 'isNot')) {
    const parts: Filter[] = []
    if (value.is !== undefined) parts.push(value.is === null ? node('none', undefined) : node('some', inner(value.is)))
    if (value.isNot !== undefined)
      parts.push(value.isNot === null ? node('some', undefined) : node('none', inner(value.isNot)))
    return andFilters(...parts) ?? TRUE
  }
  return node('some', inner(value))
}

function fieldFilter(model: Model, field: Field, value: unknown, ctx: string): Filter {
  if (field.isList) return listFilter(field, value, ctx)
  const json = field.kind === 'json' ? jsonFilter(field, value, ctx) : undefined
  if (json) return json
  if (field.kind === 'json') {
    // json fields filter by whole-value equality: `doc: { equals: v }`, `doc: { not: v }`
    if (isPlainObject(value) && Object.keys(value).length === 1 && ('equals' in value || 'not' in value)) {
      const op = 'equals' in value ? 'eq' : 'ne'
      const operand = value.equals ?? value.not
      return {
        kind: 'cmp',
        field: field.name,
        op,
        value: operand === undefined ? null : coerceValue(ctx, field, operand),
        insensitive: false,
      }
    }
    return { kind: 'cmp', field: field.name, op: 'eq', value: coerceValue(ctx, field, value) }
  }
  if (!isPlainObject(value)) return { kind: 'cmp', field: field.name, op: 'eq', value: coerceValue(ctx, field, value) }
  const insensitive = value.mode === 'insensitive'
  if (value.mode !== undefined && value.mode !== 'insensitive' && value.mode !== 'default') {
    throw validationError(ctx, `\`${field.name}.mode\` must be "default" or "insensitive"`)
  }
  const parts: Filter[] = []
  for (const [opName, operand] of Object.entries(value)) {
    if (operand === undefined || opName === 'mode') continue
    const op = FILTER_OPS[opName]
    if (!op)
      throw validationError(
        ctx,
        `unknown filter \`${opName}\` on \`${field.name}\`; use ${Object.keys(FILTER_OPS).join(', ')}`,
      )
    if (op === 'equals')
      parts.push({ kind: 'cmp', field: field.name, op: 'eq', value: coerceValue(ctx, field, operand), insensitive })
    else if (op === 'not') {
      if (isPlainObject(operand)) parts.push({ kind: 'not', item: fieldFilter(model, field, operand, ctx) })
      else
        parts.push({ kind: 'cmp', field: field.name, op: 'ne', value: coerceValue(ctx, field, operand), insensitive })
    } else if (op === 'in' || op === 'notIn') {
      if (!Array.isArray(operand)) throw validationError(ctx, `\`${field.name}.${opName}\` expects an array`)
      const list = operand.map((v) => coerceValue(ctx, field, v))
      if (list.length === 0) parts.push(op === 'in' ? FALSE : TRUE)
      else parts.push({ kind: 'cmp', field: field.name, op, value: list, insensitive })
    } else {
      if (STRING_OPS.has(op) && field.kind !== 'string')
        throw validationError(ctx, `\`${opName}\` applies to string fields; \`${field.name}\` is ${field.kind}`)
      if (operand === null) throw validationError(ctx, `\`${field.name}.${opName}\` cannot be null`)
      if (STRING_OPS.has(op) && typeof operand !== 'string')
        throw validationError(ctx, `\`${field.name}.${opName}\` expects a string`)
      parts.push({
        kind: 'cmp',
        field: field.name,
        op: op as CmpOp,
        value: STRING_OPS.has(op) ? operand : coerceValue(ctx, field, operand),
        insensitive,
      })
    }
  }
  return andFilters(...parts) ?? TRUE
}

/**
 * A `where` that must name one unique key by equality (findUnique, update, delete, upsert, cursor);
 * other fields may be added as extra filters (Prisma's extended unique where).
 */
export function normalizeUniqueWhere(model: Model, where: unknown, ctx: string): { filter: Filter; key: Row } {
  if (!isPlainObject(where)) throw validationError(ctx, '`where` must be an object naming a unique key')
  const filter = normalizeWhere(model, where, ctx) ?? TRUE
  const top = filter.kind === 'and' ? filter.items : [filter]
  // a handful of parts and keys: a scan beats building a map on every call
  const eq = (field: string) =>
    top.find((f) => f.kind === 'cmp' && f.field === field && f.op === 'eq' && !f.insensitive && f.value !== null) as
      { value: unknown } | undefined
  const key = model.uniqueKeys.find((u) => u.fields.every((f) => eq(f) !== undefined))
  if (!key) {
    const options = model.uniqueKeys.map((u) =>
      u.fields.length > 1 ? `${compoundKeyName(u.fields)}: { ${u.fields.join(', ')} }` : u.fields[0],
    )
    throw validationError(
      ctx,
      `\`where\` must name a unique key of ${model.name} by value: one of ${options.join(' | ')}`,
    )
  }
  const keyRow: Row = {}
  for (const f of key.fields) keyRow[f] = eq(f)!.value
  return { filter, key: keyRow }
}

/** `select` / `omit` → the list of fields to return (undefined: all). */
export function normalizeSelect(model: Model, select: unknown, omit: unknown, ctx: string): string[] | undefined {
  if (select !== undefined && omit !== undefined) throw validationError(ctx, 'use either `select` or `omit`, not both')
  if (select !== undefined) {
    if (!isPlainObject(select)) throw validationError(ctx, '`select` must be an object of field: true')
    const out: string[] = []
    for (const [k, v] of Object.entries(select)) {
      fieldOrFail(model, k, ctx)
      if (typeof v !== 'boolean' && v !== undefined) throw validationError(ctx, `\`select.${k}\` must be true or false`)
      if (v) out.push(k)
    }
    if (out.length === 0) throw validationError(ctx, '`select` must pick at least one field')
    return out
  }
  if (omit !== undefined) {
    if (!isPlainObject(omit)) throw validationError(ctx, '`omit` must be an object of field: true')
    for (const k of Object.keys(omit)) fieldOrFail(model, k, ctx)
    return [...model.fields.keys()].filter((k) => !omit[k])
  }
  return undefined
}

export function normalizeOrderBy(model: Model, orderBy: unknown, ctx: string): OrderTerm[] {
  if (orderBy === undefined) return []
  const list = Array.isArray(orderBy) ? orderBy : [orderBy]
  const out: OrderTerm[] = []
  for (const item of list) {
    if (!isPlainObject(item)) throw validationError(ctx, '`orderBy` takes { field: "asc" | "desc" } or a list of them')
    const entries = Object.entries(item).filter(([, v]) => v !== undefined)
    if (entries.length !== 1)
      throw validationError(ctx, 'each `orderBy` entry must name exactly one field; pass a list for several')
    const [name, spec] = entries[0]!
    if (model.relations.has(name)) {
      out.push(relationOrderTerm(model, name, spec, [], ctx))
      continue
    }
    fieldOrFail(model, name, ctx)
    let dir: unknown = spec
    let nulls: unknown
    if (isPlainObject(spec)) {
      dir = spec.sort
      nulls = spec.nulls
      if (nulls !== undefined && nulls !== 'first' && nulls !== 'last')
        throw validationError(ctx, '`nulls` must be "first" or "last"')
    }
    if (dir !== 'asc' && dir !== 'desc') throw validationError(ctx, `\`orderBy.${name}\` must be "asc" or "desc"`)
    out.push(nulls ? { field: name, dir, nulls: nulls as 'first' | 'last' } : { field: name, dir })
  }
  return out
}

/**
 * `{ server: { name: 'asc' } }` (nested to-one relations) or `{ members: { _count: 'desc' } }` → an OrderTerm
 * with the relation path; the related field's own sort may be `{ sort, nulls }`.
 */
function relationOrderTerm(model: Model, name: string, spec: unknown, path: string[], ctx: string): OrderTerm {
  const relation = model.relations.get(name)!
  const target = relatedModel(model, relation.target)
  const at = [...path, name]
  const entries = isPlainObject(spec) ? Object.entries(spec).filter(([, v]) => v !== undefined) : []
  if (entries.length !== 1)
    throw validationError(
      ctx,
      `\`orderBy.${at.join('.')}\` takes one field of ${target.name}: { <field>: "asc" | "desc" }`,
    )
  const [inner, dir] = entries[0]!
  if (relation.kind === 'many') {
    if (inner !== '_count' || (dir !== 'asc' && dir !== 'desc'))
      throw validationError(ctx, `\`orderBy.${at.join('.')}\` is a list relation: order by { _count: "asc" | "desc" }`)
    return { field: '_count', dir, path: at }
  }
  if (target.relations.has(inner)) return relationOrderTerm(target, inner, dir, at, ctx)
  const [term] = normalizeOrderBy(target, { [inner]: dir }, ctx)
  return { ...term!, path: at }
}

export function normalizeCount(value: unknown, name: string, ctx: string, allowNegative: boolean): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || (!allowNegative && value < 0)) {
    throw validationError(ctx, `\`${name}\` must be ${allowNegative ? 'an integer' : 'a non-negative integer'}`)
  }
  return value
}

/** `data` of create → a complete row: checked values, defaults evaluated, omitted nullable fields null. */
export function normalizeCreateData(model: Model, data: unknown, ctx: string, now = new Date()): Row {
  if (!isPlainObject(data)) throw validationError(ctx, '`data` must be an object')
  for (const key of Object.keys(data)) fieldOrFail(model, key, ctx)
  const row: Row = {}
  for (const field of model.fields.values()) {
    const given = data[field.name]
    if (given !== undefined && field.defaultValue?.kind === 'autoincrement' && field.defaultValue.identity === 'always')
      throw validationError(
        ctx,
        `\`${field.name}\` is GENERATED ALWAYS AS IDENTITY: the database assigns it (PostgreSQL refuses a given value)`,
      )
    if (given !== undefined) {
      if (given === null && !field.nullable && !field.isList)
        throw validationError(ctx, `\`${field.name}\` must not be null`)
      row[field.name] = coerceValue(ctx, field, given)
      continue
    }
    const d = defaultFor(field, now)
    if (d) row[field.name] = coerceValue(ctx, field, d.value)
    else if (field.defaultValue?.kind === 'sql' || field.defaultValue?.kind === 'autoincrement')
      continue // left to the database (ScyllaDB: autoincrement from tandem's sequence, scylla-sequence.ts)
    else if (field.isList)
      row[field.name] = [] // an omitted array is empty (NULL and [] are one value to tandem)
    else if (field.nullable) row[field.name] = null
    else throw validationError(ctx, `argument \`${field.name}\` is missing; ${model.name}.${field.name} is required`)
  }
  return row
}

const NUMERIC_KINDS = new Set(['int', 'bigint', 'float', 'decimal'])

/** `data` of update → update operations; $onUpdate fields not set explicitly get their function's value. */
export function normalizeUpdateData(model: Model, data: unknown, ctx: string): UpdateOps {
  if (!isPlainObject(data)) throw validationError(ctx, '`data` must be an object')
  const ops: Record<string, UpdateOp> = {}
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue
    const field = fieldOrFail(model, key, ctx)
    if (field.defaultValue?.kind === 'autoincrement' && field.defaultValue.identity === 'always')
      throw validationError(ctx, `\`${key}\` is GENERATED ALWAYS AS IDENTITY and cannot be updated`)
    if (field.isList && isPlainObject(value)) {
      ops[key] = listUpdate(field, value, ctx)
      continue
    }
    if (isPlainObject(value) && field.kind !== 'json') {
      const entries = Object.entries(value).filter(([, v]) => v !== undefined)
      if (entries.length !== 1)
        throw validationError(ctx, `\`${key}\` takes exactly one of set, increment, decrement, multiply, divide`)
      const [op, operand] = entries[0]!
      if (op === 'set') ops[key] = { op: 'set', value: checkSet(field, operand, ctx) }
      else if (op === 'increment' || op === 'decrement' || op === 'multiply' || op === 'divide') {
        if (!NUMERIC_KINDS.has(field.kind))
          throw validationError(ctx, `\`${op}\` applies to numeric fields; \`${key}\` is ${field.kind}`)
        if (operand === null) throw validationError(ctx, `\`${key}.${op}\` must not be null`)
        ops[key] = { op, value: coerceValue(ctx, field, operand) }
      } else throw validationError(ctx, `unknown update operation \`${op}\` on \`${key}\``)
    } else ops[key] = { op: 'set', value: checkSet(field, value, ctx) }
  }
  for (const field of model.fields.values()) {
    if (field.onUpdate && !(field.name in ops))
      ops[field.name] = { op: 'set', value: coerceValue(ctx, field, field.onUpdate()) }
  }
  return ops
}

function checkSet(field: Field, value: unknown, ctx: string): unknown {
  if (value === null && !field.nullable && !field.isList)
    throw validationError(ctx, `\`${field.name}\` must not be null`)
  return coerceValue(ctx, field, value)
}
