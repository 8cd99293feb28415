import { Column, getTableName, is, Param, Placeholder, SQL, StringChunk } from 'drizzle-orm'
import { validationError } from '../errors.js'
import type { Model } from '../schema/model.js'
import {
  fieldNamed,
  fieldOfColumn,
  modelOfTable,
  unservable,
  type ModelCall,
  type ModelClients,
  type Translator,
} from './builder-call.js'
import { whereFromDrizzle, type WhereObject } from './drizzle-where.js'
import { UpdateSet } from './facade-dialect.js'
import { fieldsIn, selectionOf, shape, type Selection } from './select-call.js'

type Row = Record<string, unknown>

/** `sql\`excluded.<column>\`` in an onConflictDoUpdate set: that row's proposed value of the field */
class Excluded {
  constructor(readonly field: string) {}
}

/**
 * `db.insert(t).values(row | rows)`: createMany (createManyAndReturn with `.returning(…)`);
 * `.onConflictDoNothing({ target? })` adds skipDuplicates; `.onConflictDoUpdate({ target, set })` is one upsert
 * per row (where = the target's values in that row), in one tandem transaction when there are several rows.
 * Defaults come from tandem's create. `insert … select`, CTEs, sql`` values and conflict `where`s are refused.
 */
export const translateInsert: Translator = (info, call, ctx) => {
  const c = call.config
  const model = modelOfTable(info, c.table, ctx)
  if (c.select) throw unservable(ctx, 'insert … select')
  if ((c.withList as unknown[] | undefined)?.length) throw unservable(ctx, 'a CTE ($with)')
  if (c.overridingSystemValue_) throw unservable(ctx, 'overridingSystemValue()')
  const rows = (c.values as Row[]).map((values) => dataOf(model, values, ctx))
  const selection = returningOf(model, c, ctx)
  const select = selection && selectOf(selection)
  const conflict = conflictOf(model, c.onConflict as SQL | undefined, ctx)

  if (conflict?.kind === 'update') {
    const target = conflict.target
    // each row's upsert, built before any I/O (a refusal for one row runs nothing)
    const upsertOf = (given: Row, placeholders?: Record<string, unknown>): Row => {
      const row = filled(given, placeholders)
      const missing = target.fields.filter((f) => row[f] === undefined)
      if (missing.length)
        throw validationError(ctx, `onConflictDoUpdate needs the target's ${missing.join(', ')} in every row`)
      const update: Row = {}
      for (const [field, value] of Object.entries(filled(conflict.set, placeholders))) {
        if (!(value instanceof Excluded)) update[field] = value
        else if (row[value.field] === undefined)
          throw validationError(ctx, `excluded.${value.field} in set needs ${value.field} in every row`)
        else update[field] = row[value.field]
      }
      const where =
        target.fields.length === 1
          ? { [target.fields[0]!]: row[target.fields[0]!] }
          : { [target.fields.join('_')]: Object.fromEntries(target.fields.map((f) => [f, row[f]])) }
      return { where, create: row, update, ...(select ? { select } : {}) }
    }
    const calls: ModelCall[] = rows.map((row) => ({ method: 'upsert', args: upsertOf(row) }))
    // PostgreSQL refuses to update one row twice in a statement (21000); so does the facade, before any I/O
    const keys = calls.map((call) => JSON.stringify(call.args.where))
    if (new Set(keys).size < keys.length)
      throw validationError(ctx, 'onConflictDoUpdate cannot affect a row a second time: two rows have the same target')
    return {
      model,
      calls,
      async run(clients, placeholders, atomically) {
        const all = rows.map((row) => upsertOf(row, placeholders))
        const upsertAll = async (cs: ModelClients): Promise<Row[]> => {
          const out: Row[] = []
          for (const args of all) out.push((await cs[model.name]!.upsert!(args)) as Row)
          return out
        }
        const done = all.length > 1 ? await atomically(upsertAll) : await upsertAll(clients)
        return selection ? done.map((row) => shape(selection, row)) : rowList(done.length, 'INSERT')
      },
    }
  }

  const base: Row = conflict?.kind === 'nothing' ? { skipDuplicates: true } : {}
  const args = (data: Row[]): Row => ({ data, ...base, ...(select ? { select } : {}) })
  const method = selection ? 'createManyAndReturn' : 'createMany'
  return {
    model,
    calls: [{ method, args: args(rows) }],
    async run(clients, placeholders) {
      const data = rows.map((row) => filled(row, placeholders))
      const result = await clients[model.name]![method]!(args(data))
      return answer(result, selection, 'INSERT')
    },
  }
}

/**
 * `db.update(t).set(values).where(cond)`: updateMany (updateManyAndReturn with `.returning(…)`); a set value
 * `sql\`${t.col} + n\`` / `- n` on its own column is an increment / decrement. Without `where` tandem decides
 * (ScyllaDB refuses a write that needs a scan). `from`/joins and other sql`` values are refused.
 */
export const translateUpdate: Translator = (info, call, ctx, values) => {
  const c = call.config
  const model = modelOfTable(info, c.table, ctx)
  if (c.from || (c.joins as unknown[] | undefined)?.length) throw unservable(ctx, 'update … from / a join')
  if ((c.withList as unknown[] | undefined)?.length) throw unservable(ctx, 'a CTE ($with)')
  const data = setOf(model, c.set as Row, ctx, false)
  const where = whereFromDrizzle(model, c.where as SQL | undefined, ctx, values) ?? {}
  const selection = returningOf(model, c, ctx)
  const args = (d: Row): Row => ({ where, data: d, ...(selection ? { select: selectOf(selection) } : {}) })
  const method = selection ? 'updateManyAndReturn' : 'updateMany'
  return {
    model,
    calls: [{ method, args: args(data) }],
    async run(clients, placeholders) {
      const result = await clients[model.name]![method]!(args(filled(data, placeholders)))
      return answer(result, selection, 'UPDATE')
    },
  }
}

/**
 * `db.delete(t).where(cond)`: deleteMany. With `.returning(…)` the rows are read first (findMany, same where)
 * and exactly those deleted by primary key, in one tandem transaction (on ScyllaDB that transaction is undo-based,
 * not isolated: a row changed between the read and the delete is returned as read).
 */
export const translateDelete: Translator = (info, call, ctx, values) => {
  const c = call.config
  const model = modelOfTable(info, c.table, ctx)
  if ((c.withList as unknown[] | undefined)?.length) throw unservable(ctx, 'a CTE ($with)')
  const where = whereFromDrizzle(model, c.where as SQL | undefined, ctx, values) ?? {}
  const selection = returningOf(model, c, ctx)
  if (!selection)
    return {
      model,
      calls: [{ method: 'deleteMany', args: { where } }],
      async run(clients) {
        const result = (await clients[model.name]!.deleteMany!({ where })) as { count: number }
        return rowList(result.count, 'DELETE')
      },
    }
  const pk = model.primaryKey
  const select = { ...selectOf(selection), ...Object.fromEntries(pk.map((f) => [f, true])) }
  return {
    model,
    // explain shows the read and the delete by the same condition (run deletes the rows read, by key)
    calls: [
      { method: 'findMany', args: { where, select } },
      { method: 'deleteMany', args: { where } },
    ],
    async run(_clients, _placeholders, atomically) {
      return atomically(async (clients) => {
        const rows = (await clients[model.name]!.findMany!({ where, select })) as Row[]
        if (rows.length) await clients[model.name]!.deleteMany!({ where: byKeys(pk, rows) })
        return rows.map((row) => shape(selection, row))
      })
    },
  }
}

/** the where that matches exactly `rows` by their primary key */
function byKeys(pk: readonly string[], rows: Row[]): WhereObject {
  if (pk.length === 1) return { [pk[0]!]: { in: rows.map((r) => r[pk[0]!]) } }
  return { OR: rows.map((r) => Object.fromEntries(pk.map((f) => [f, r[f]]))) }
}

/** a write's answer as drizzle gives it: the returned rows keyed as asked, or the row list with the count */
function answer(result: unknown, selection: Selection | undefined, command: string): unknown {
  return selection
    ? (result as Row[]).map((row) => shape(selection, row))
    : rowList((result as { count: number }).count, command)
}

/** what postgres.js gives drizzle for a write without returning: an empty row list with `count` and `command` */
function rowList(count: number, command: string): unknown[] {
  return Object.defineProperties([], { count: { value: count }, command: { value: command } })
}

function returningOf(model: Model, c: Row, ctx: string): Selection | undefined {
  const fields = c.returningFields as Row | undefined
  return fields ? selectionOf(model, fields, ctx) : undefined
}

function selectOf(selection: Selection): Record<string, true> {
  return Object.fromEntries(fieldsIn(selection).map((f) => [f, true]))
}

/** an inserted row's values: drizzle's Params unwrapped, undefined and sql`default` left to tandem's defaults */
function dataOf(model: Model, values: Row, ctx: string): Row {
  const out: Row = {}
  for (const [key, value] of Object.entries(values)) {
    if (!model.fields.has(key)) throw validationError(ctx, `${key} is not a column of ${model.table}`)
    if (is(value, SQL)) {
      if (textOf(value.queryChunks).trim().toLowerCase() === 'default') continue
      throw unservable(ctx, `the sql\`\` value of \`${key}\` (give a plain value)`)
    }
    const plain = is(value, Param) ? value.value : value
    if (plain !== undefined) out[key] = plain
  }
  return out
}

/**
 * An update's `set` as the model API's `data`: plain values, `sql\`${col} + n\`` / `- n` on the same column as
 * increment / decrement, and (in an upsert, `excluded` true) `sql\`excluded.col\`` as that row's value.
 */
function setOf(model: Model, set: Row, ctx: string, excluded: boolean): Row {
  const out: Row = {}
  for (const [key, value] of Object.entries(set)) {
    const field = model.fields.get(key)
    if (!field) throw validationError(ctx, `${key} is not a column of ${model.table}`)
    if (is(value, Param)) out[key] = value.value
    else if (is(value, SQL)) out[key] = sqlSetValue(model, key, value, ctx, excluded)
    else if (is(value, Column)) throw unservable(ctx, `setting \`${key}\` to a column (${value.name})`)
    else out[key] = value
  }
  return out
}

function sqlSetValue(model: Model, key: string, value: SQL, ctx: string, excluded: boolean): unknown {
  const parts = partsOf(value.queryChunks)
  const [first, second, third] = parts
  if (excluded && parts.length === 1 && typeof first === 'string') {
    const m = /^excluded\."?([A-Za-z_][\w$]*)"?$/.exec(first.trim())
    const source = m && fieldNamed(model, m[1]!)
    if (source) return new Excluded(source)
  }
  // sql`${t.col} + 1` → [col, ' + 1'];  sql`${t.col} + ${n}` → [col, ' + ', n]
  if (is(first, Column) && fieldOfColumn(model, first, ctx) === key && typeof second === 'string') {
    const op = /^\s*([+-])\s*(\d+(?:\.\d+)?)?\s*$/.exec(second)
    const n = op?.[2] !== undefined && parts.length === 2 ? Number(op[2]) : parts.length === 3 ? third : undefined
    if (op && (typeof n === 'number' || is(n, Placeholder)) && (op[2] === undefined) === (parts.length === 3))
      return { [op[1] === '+' ? 'increment' : 'decrement']: n }
  }
  throw unservable(
    ctx,
    `the sql\`\` value of \`${key}\` (served: plain values, sql\`\${col} + n\` / sql\`\${col} - n\` on the same column` +
      `${excluded ? ', sql`excluded.<column>`' : ''})`,
  )
}

/** an SQL's chunks as texts (adjacent ones joined, blank ones dropped), columns and values */
function partsOf(chunks: unknown[]): unknown[] {
  const out: unknown[] = []
  for (const chunk of chunks) {
    if (chunk === undefined) continue
    if (is(chunk, StringChunk) || is(chunk, SQL)) {
      if (is(chunk, SQL)) {
        out.push(...partsOf(chunk.queryChunks))
        continue
      }
      const text = chunk.value.join('')
      const last = out[out.length - 1]
      if (typeof last === 'string') out[out.length - 1] = last + text
      else out.push(text)
    } else out.push(is(chunk, Param) ? chunk.value : chunk)
  }
  return out.filter((p) => typeof p !== 'string' || p.trim() !== '')
}

function textOf(chunks: unknown[]): string {
  return partsOf(chunks)
    .map((p) => (typeof p === 'string' ? p : '\u0000'))
    .join('')
}

type Conflict = { kind: 'nothing' } | { kind: 'update'; target: { fields: readonly string[] }; set: Row }

/**
 * What drizzle's rendered onConflict asks for: `do nothing` (a target, when given, must be a unique key) or
 * `(target) do update set <UpdateSet>`; a `where` / `targetWhere` / `setWhere` is refused.
 */
function conflictOf(model: Model, onConflict: SQL | undefined, ctx: string): Conflict | undefined {
  if (!onConflict) return undefined
  let target: string | undefined
  let set: Row | undefined
  let text = ''
  for (const chunk of onConflict.queryChunks) {
    if (chunk === undefined) continue
    if (is(chunk, StringChunk)) text += chunk.value.join('')
    else if (is(chunk, SQL) && chunk.queryChunks[0] instanceof UpdateSet) set = chunk.queryChunks[0].set
    else if (is(chunk, SQL) && target === undefined && text === '(') target = textOf(chunk.queryChunks)
    else throw unservable(ctx, 'a where / targetWhere / setWhere on the conflict')
  }
  const fields = target === undefined ? undefined : targetFields(model, target, ctx)
  if (/^\(?\)?\s*do nothing$/.test(text.trim())) return { kind: 'nothing' }
  if (!fields || !set || !/\)\s*do update set\s*$/.test(text.trim() + ' '))
    throw unservable(ctx, `the conflict clause \`${text.trim()}\``)
  return { kind: 'update', target: { fields }, set: setOf(model, set, ctx, true) }
}

/** a conflict target (`"a","b"` as drizzle renders it) as the fields of one of the model's unique keys */
function targetFields(model: Model, target: string, ctx: string): string[] {
  const columns = target.split(',').map((n) => n.trim().replace(/^"|"$/g, '').replaceAll('""', '"'))
  const fields = columns.map((col) => {
    const field = fieldNamed(model, col)
    if (!field) throw validationError(ctx, `${col} is not a column of ${getTableName(model.drizzle)}`)
    return field
  })
  const key = model.uniqueKeys.find(
    (u) => u.fields.length === fields.length && u.fields.every((f) => fields.includes(f)),
  )
  if (!key)
    throw validationError(ctx, `the conflict target (${columns.join(', ')}) is not a unique key of ${model.table}`)
  return [...key.fields]
}

/**
 * `row` with drizzle placeholders replaced by their execute-time values (one level into increment & co.); kept
 * as they are without `placeholders` (the calls `explain` shows).
 */
function filled(row: Row, placeholders: Record<string, unknown> | undefined): Row {
  const fill = (v: unknown): unknown => (placeholders && is(v, Placeholder) ? placeholders[v.name] : v)
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype
        ? Object.fromEntries(Object.entries(v).map(([op, x]) => [op, fill(x)]))
        : fill(v),
    ]),
  )
}
