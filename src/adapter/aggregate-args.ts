import type { Model, Row } from '../schema/model.js'
import { inputError, validationError } from '../errors.js'
import { aggregates, resultField } from './aggregate.js'
import { isPlainObject, normalizeWhere } from './normalize.js'
import {
  aggKey,
  andFilters,
  FALSE,
  TRUE,
  type AggFn,
  type AggregateSpec,
  type AggTerm,
  type CmpOp,
  type Filter,
  type OrderTerm,
} from './query.js'
import { coerceValue } from './values.js'
import { AGGREGATE_ARGS } from './model-methods.js'

/**
 * Validation of `aggregate`/`groupBy` arguments into an AggregateSpec (query.ts), and the nesting of a
 * backend's flat aggregate row (`_sum.price`) into Prisma's result shape (`{ _sum: { price } }`).
 */

type Args = Record<string, unknown>

const AGG_ARGS = AGGREGATE_ARGS
const FN_OF: Record<(typeof AGG_ARGS)[number], AggFn> = {
  _count: 'count',
  _sum: 'sum',
  _avg: 'avg',
  _min: 'min',
  _max: 'max',
}

/** What the result holds: per aggregate argument, its keys (or, for `_count: true`, one number). */
export type AggregateOutput = readonly { readonly arg: string; readonly whole: boolean; readonly fields: string[] }[]

/** The aggregates the arguments ask for (`_count: true` counts rows), validated against the model. */
export function aggregateSelection(model: Model, a: Args, ctx: string): { terms: AggTerm[]; output: AggregateOutput } {
  const terms: AggTerm[] = []
  const output: { arg: string; whole: boolean; fields: string[] }[] = []
  for (const arg of AGG_ARGS) {
    const v = a[arg]
    if (v === undefined || v === false) continue
    const fn = FN_OF[arg]
    if (v === true && fn === 'count') {
      terms.push({ fn, field: '_all' })
      output.push({ arg, whole: true, fields: ['_all'] })
      continue
    }
    if (!isPlainObject(v))
      throw validationError(ctx, `\`${arg}\` takes { <field>: true }${fn === 'count' ? ' or true' : ''}`)
    const fields: string[] = []
    for (const [name, on] of Object.entries(v)) {
      if (on === undefined || on === false) continue
      if (on !== true) throw validationError(ctx, `\`${arg}.${name}\` must be true or false`)
      addTerm(model, terms, fn, name, `${ctx} ${arg}`)
      fields.push(name)
    }
    output.push({ arg, whole: false, fields })
  }
  return { terms, output }
}

function addTerm(model: Model, terms: AggTerm[], fn: AggFn, name: string, ctx: string): AggTerm {
  if (!(fn === 'count' && name === '_all')) {
    const field = model.fields.get(name)
    if (!field)
      throw validationError(
        ctx,
        `unknown field \`${name}\` on model ${model.name}; fields are ${[...model.fields.keys()].join(', ')}`,
      )
    if (!aggregates(fn, field))
      throw validationError(
        ctx,
        `\`_${fn}\` does not apply to \`${name}\` (${field.kind}); ${fn === 'sum' || fn === 'avg' ? 'it takes numeric fields' : 'json has no order'}`,
      )
  }
  const found = terms.find((t) => t.fn === fn && t.field === name)
  if (found) return found
  const t: AggTerm = { fn, field: name }
  terms.push(t)
  return t
}

/** A backend's aggregate row → Prisma's shape: `{ _count: n | { … }, _sum: { … }, … }` (and the `by` fields). */
export function nestAggregates(row: Row, by: readonly string[], output: AggregateOutput): Row {
  const out: Row = {}
  for (const f of by) out[f] = row[f] ?? null
  for (const { arg, whole, fields } of output) {
    const fn = FN_OF[arg as (typeof AGG_ARGS)[number]]
    if (whole) out[arg] = row[aggKey({ fn, field: '_all' })]
    else out[arg] = Object.fromEntries(fields.map((f) => [f, row[aggKey({ fn, field: f })] ?? null]))
  }
  return out
}

/** groupBy's `by`: a field or a non-empty list of them. */
export function normalizeBy(model: Model, by: unknown, ctx: string): string[] {
  const list = typeof by === 'string' ? [by] : by
  if (!Array.isArray(list) || list.length === 0)
    throw validationError(ctx, '`by` is required: a field or a non-empty list of fields to group by')
  for (const f of list) {
    if (typeof f !== 'string' || !model.fields.has(f))
      throw validationError(
        ctx,
        `unknown field \`${String(f)}\` in \`by\`; fields are ${[...model.fields.keys()].join(', ')}`,
      )
    if (model.fields.get(f)!.kind === 'json') throw validationError(ctx, `\`${f}\` is json: it cannot be grouped by`)
  }
  return [...new Set(list as string[])]
}

const DIRS = new Set(['asc', 'desc'])

/** groupBy's `orderBy`: `by` fields, and aggregates (`{ _count: { id: 'desc' } }`); each adds the aggregate it needs. */
export function normalizeGroupOrderBy(
  model: Model,
  orderBy: unknown,
  by: readonly string[],
  terms: AggTerm[],
  ctx: string,
): OrderTerm[] {
  if (orderBy === undefined) return []
  const list = Array.isArray(orderBy) ? orderBy : [orderBy]
  const out: OrderTerm[] = []
  const term = (field: string, spec: unknown, where: string): OrderTerm => {
    let dir = spec
    let nulls: unknown
    if (isPlainObject(spec)) {
      dir = spec.sort
      nulls = spec.nulls
      if (nulls !== undefined && nulls !== 'first' && nulls !== 'last')
        throw validationError(ctx, '`nulls` must be "first" or "last"')
    }
    if (typeof dir !== 'string' || !DIRS.has(dir))
      throw validationError(ctx, `\`orderBy.${where}\` must be "asc" or "desc"`)
    return nulls ? { field, dir: dir as 'asc', nulls: nulls as 'first' } : { field, dir: dir as 'asc' }
  }
  for (const item of list) {
    if (!isPlainObject(item)) throw validationError(ctx, '`orderBy` takes { field: "asc" | "desc" } or a list of them')
    for (const [name, spec] of Object.entries(item)) {
      if (spec === undefined) continue
      const fn = FN_OF[name as (typeof AGG_ARGS)[number]]
      if (fn) {
        if (!isPlainObject(spec)) throw validationError(ctx, `\`orderBy.${name}\` takes { <field>: "asc" | "desc" }`)
        for (const [field, s] of Object.entries(spec)) {
          if (s === undefined) continue
          if (field === '_all') throw validationError(ctx, `\`orderBy.${name}\` takes fields, not _all`)
          out.push(term(aggKey(addTerm(model, terms, fn, field, ctx)), s, `${name}.${field}`))
        }
        continue
      }
      if (!model.fields.has(name)) throw validationError(ctx, `unknown field \`${name}\` in orderBy`)
      if (!by.includes(name))
        throw inputError(ctx, `Every field used for orderBy must be included in the by-arguments: \`${name}\` is not`)
      out.push(term(name, spec, name))
    }
  }
  return out
}

const HAVING_OPS: Record<string, CmpOp | 'not'> = {
  equals: 'eq',
  not: 'not',
  in: 'in',
  notIn: 'notIn',
  lt: 'lt',
  lte: 'lte',
  gt: 'gt',
  gte: 'gte',
}

/**
 * groupBy's `having`: per field, a scalar filter (the field must be in `by`) and/or aggregate filters
 * (`price: { _avg: { gt: 10 } }`); AND/OR/NOT combine them. Aggregate filters become comparisons on the
 * aggregate's key (see aggregateModel), adding the aggregate they need to `terms`.
 */
export function normalizeHaving(
  model: Model,
  having: unknown,
  by: readonly string[],
  terms: AggTerm[],
  ctx: string,
): Filter | undefined {
  if (having === undefined) return undefined
  if (!isPlainObject(having)) throw validationError(ctx, '`having` must be an object')
  const parts: Filter[] = []
  for (const [key, value] of Object.entries(having)) {
    if (value === undefined) continue
    if (key === 'AND' || key === 'OR' || key === 'NOT') {
      const list = Array.isArray(value) ? value : [value]
      const items = list.map((h) => normalizeHaving(model, h, by, terms, ctx) ?? TRUE)
      if (key === 'AND') parts.push(items.length ? { kind: 'and', items } : TRUE)
      else if (key === 'OR') parts.push(items.length ? { kind: 'or', items } : FALSE)
      else parts.push(...items.map((item): Filter => ({ kind: 'not', item })))
      continue
    }
    if (!model.fields.has(key)) throw validationError(ctx, `unknown field \`${key}\` in having`)
    const scalar: Args = {}
    const aggs: [AggFn, unknown][] = []
    if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        const fn = FN_OF[k as (typeof AGG_ARGS)[number]]
        if (fn) aggs.push([fn, v])
        else scalar[k] = v
      }
    } else scalar.equals = value
    if (Object.keys(scalar).length) {
      if (!by.includes(key))
        throw inputError(
          ctx,
          `\`having\` filters \`${key}\` by value, so \`${key}\` must be in \`by\` (or filter an aggregate of it)`,
        )
      const f = normalizeWhere(model, { [key]: scalar }, ctx)
      if (f) parts.push(f)
    }
    for (const [fn, filter] of aggs) {
      if (filter === undefined) continue
      const t = addTerm(model, terms, fn, key, `${ctx} having`)
      parts.push(aggregateFilter(model, t, filter, ctx))
    }
  }
  return parts.length === 0 ? undefined : (andFilters(...parts) ?? TRUE)
}

function aggregateFilter(model: Model, t: AggTerm, filter: unknown, ctx: string): Filter {
  const field = resultField(model, t)
  const name = aggKey(t)
  const value = (v: unknown) => (v === null ? null : coerceValue(ctx, field, v))
  if (!isPlainObject(filter)) return { kind: 'cmp', field: name, op: 'eq', value: value(filter) }
  const parts: Filter[] = []
  for (const [opName, operand] of Object.entries(filter)) {
    if (operand === undefined) continue
    const op = HAVING_OPS[opName]
    if (!op)
      throw validationError(
        ctx,
        `unknown filter \`${opName}\` on \`${name}\`; use ${Object.keys(HAVING_OPS).join(', ')}`,
      )
    if (op === 'not') {
      parts.push(
        isPlainObject(operand)
          ? { kind: 'not', item: aggregateFilter(model, t, operand, ctx) }
          : { kind: 'cmp', field: name, op: 'ne', value: value(operand) },
      )
    } else if (op === 'in' || op === 'notIn') {
      if (!Array.isArray(operand)) throw validationError(ctx, `\`${name}.${opName}\` expects an array`)
      if (operand.length === 0) parts.push(op === 'in' ? FALSE : TRUE)
      else parts.push({ kind: 'cmp', field: name, op, value: operand.map(value) })
    } else {
      if (operand === null && op !== 'eq') throw validationError(ctx, `\`${name}.${opName}\` cannot be null`)
      parts.push({ kind: 'cmp', field: name, op, value: value(operand) })
    }
  }
  return andFilters(...parts) ?? TRUE
}

/** groupBy's arguments → the spec (its `query` is the where alone: take/skip/orderBy are of groups). */
export function normalizeGroupBy(
  model: Model,
  a: Args,
  ctx: string,
): { spec: AggregateSpec; where: Filter | undefined; output: AggregateOutput } {
  const by = normalizeBy(model, a.by, ctx)
  const { terms, output } = aggregateSelection(model, a, ctx)
  const orderBy = normalizeGroupOrderBy(model, a.orderBy, by, terms, ctx)
  if ((a.take !== undefined || a.skip !== undefined) && orderBy.length === 0)
    throw inputError(ctx, '`take` and `skip` of groupBy need an `orderBy` of `by` fields or aggregates (as in Prisma)')
  const having = normalizeHaving(model, a.having, by, terms, ctx)
  const count = (v: unknown, name: string) => {
    if (v === undefined) return undefined
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
      throw validationError(ctx, `\`${name}\` must be a non-negative integer`)
    return v
  }
  return {
    spec: { by, terms, having, orderBy, take: count(a.take, 'take'), skip: count(a.skip, 'skip') },
    where: normalizeWhere(model, a.where, ctx),
    output,
  }
}
