import { and, eq, sql } from 'drizzle-orm'
import type { AnyColumn, SQL } from 'drizzle-orm'
import { alias, PgDialect, type PgTable } from 'drizzle-orm/pg-core'
import type { Field, Model, RelationInfo, Row } from '../schema/model.js'
import { relatedModel } from '../schema/read-schema.js'
import type { Parsers } from './postgres-values.js'
import type { Filter, Include, IncludeNode, ReadQuery } from '../adapter/query.js'
import { binderOf, filterSql, orderSql, placeholder, type AliasCounter, type CompiledSql } from './sql-compiler.js'

/**
 * A findMany with an `include`, compiled into one statement (PostgreSQL's counterpart of the delegate's
 * loader, like Prisma's `relationLoadStrategy: 'join'` and drizzle's relational queries):
 *
 * - to-one relations whose target key is unique are LEFT JOINs, their columns next to the parent's in
 *   the select list (chains too: message → member → profile is two joins);
 * - list relations are correlated subqueries `coalesce(json_agg(json_build_array(…) order by …), '[]')`
 *   with their where/orderBy inside and, for take/skip, a derived table with LIMIT/OFFSET;
 * - other to-one relations (the side without a unique key) are `(select json_build_array(…) … limit 1)`;
 * - `_count`s are `(select count(*)::int …)` subqueries.
 *
 * When anything but joins is selected, the parent rows are read first in a derived table with the
 * query's where/order/limit (so the subqueries run for the page only), then joined and ordered again.
 * Rows come back as arrays (select-list order) and are assembled by the decoder: the same values, keys
 * and key order as the loader's (scalars, then relations, then `_count`).
 *
 * Inside JSON, values whose JSON form would lose what the driver gives at the top level (bigint,
 * numeric, floats, timestamps, dates) are sent as their text output (`::text`, the same text the wire
 * carries) and decoded by the driver's parser for their type, then by the column's drizzle decoder, as
 * top-level columns are; the others (text, uuid, enum, int, boolean, json) are exact as JSON values.
 */

/** The driver's parsers, by type oid (postgres.js `sql.options.parsers`). */
type Decode = (parsers: Parsers) => (raw: readonly unknown[]) => Row

const dialect = new PgDialect()
/** PostgreSQL passes at most 100 arguments to a function: longer json rows are built in chunks */
const MAX_ARGS = 100

/** The type oid whose parser turns a column's text output into the driver's value; undefined: exact as a JSON value. */
function textOid(field: Field): number | undefined {
  switch (field.kind) {
    case 'bigint':
      return 20
    case 'decimal':
      return 1700
    case 'float':
      return field.single ? 700 : 701
    case 'date':
      return 1082
    case 'timestamp':
      return field.drizzle.getSQLType().includes('with time zone') ? 1184 : 1114
    default:
      return undefined
  }
}

const columnsOf = (table: PgTable) => table as unknown as Record<string, AnyColumn>

/** A table under an alias, for FROM / JOIN: `"member" "j1"`, and its columns (`"j1"."id"`). */
function aliased(model: Model, name: string): { from: SQL; cols: Record<string, AnyColumn> } {
  return {
    from: sql`${sql.identifier(model.table)} ${sql.identifier(name)}`,
    cols: columnsOf(alias(model.drizzle, name)),
  }
}

/** `target[references[i]] = parent[fields[i]]` for every key column */
const linkSql = (rel: RelationInfo, parent: Record<string, AnyColumn>, target: Record<string, AnyColumn>): SQL =>
  and(...rel.fields.map((f, i) => eq(target[rel.references[i]!]!, parent[f]!)))!

/** Whether `fields` are (exactly) a unique key of the model: a join on them finds at most one row. */
const isUniqueKey = (model: Model, fields: readonly string[]) =>
  model.uniqueKeys.some((k) => k.fields.length === fields.length && k.fields.every((f) => fields.includes(f)))

const decodeValue = (field: Field, v: unknown): unknown =>
  v === null || v === undefined ? (field.isList ? [] : null) : field.drizzle.mapFromDriverValue(v)

class IncludeCompiler {
  /** EXISTS aliases of filters (`r…`), shared with filterSql */
  readonly filters: AliasCounter = { n: 0 }
  private tables = 0
  readonly select: SQL[] = []
  readonly joins: SQL[] = []
  /** whether the select list has subqueries (then the parent rows are read in a derived table first) */
  nested = false

  /** Adds the row of `model` (columns `cols`) to the select list, flat: its scalars, joined to-ones, subqueries. */
  flat(model: Model, cols: Record<string, AnyColumn>, inc: Include): Decode {
    const scalars = (inc.scalars ?? [...model.fields.keys()]).map((name) => {
      const field = model.fields.get(name)!
      return { name, field, at: this.select.push(sql`${cols[name]!}`) - 1 }
    })
    const relations = inc.relations.map((node): { name: string; decode: Decode } => {
      const rel = model.relations.get(node.relation)!
      const target = relatedModel(model, rel.target)
      if (rel.kind === 'one' && isUniqueKey(target, rel.references)) {
        const t = aliased(target, `j${++this.tables}`)
        this.joins.push(sql`left join ${t.from} on ${linkSql(rel, cols, t.cols)}`)
        // the related key is not null in a joined row, and null when no row joined: read it where the
        // row's scalars have it, else as a column of its own
        const key = rel.references[0]!
        const among = (node.scalars ?? [...target.fields.keys()]).indexOf(key)
        const present = among >= 0 ? this.select.length + among : this.select.push(sql`${t.cols[key]!}`) - 1
        const inner = this.flat(target, t.cols, node)
        return {
          name: node.relation,
          decode: (parsers) => {
            const row = inner(parsers)
            return (raw) => (raw[present] === null ? (null as unknown as Row) : row(raw))
          },
        }
      }
      this.nested = true
      const sub = this.relationJson(model, cols, rel, node)
      const at = this.select.push(sub.expr) - 1
      return {
        name: node.relation,
        decode: (parsers) =>
          (
            (d) => (raw: readonly unknown[]) =>
              d(raw[at]) as Row
          )(sub.decode(parsers)),
      }
    })
    const counts = inc.counts?.map((c) => {
      this.nested = true
      return { name: c.relation, at: this.select.push(this.countSql(model, cols, c.relation, c.where)) - 1 }
    })
    return (parsers) => {
      const rels = relations.map((r) => ({ name: r.name, decode: r.decode(parsers) }))
      return (raw) => {
        const row: Row = {}
        for (const s of scalars) row[s.name] = decodeValue(s.field, raw[s.at])
        for (const r of rels) row[r.name] = r.decode(raw)
        if (counts) {
          const c: Row = {}
          for (const n of counts) c[n.name] = raw[n.at]
          row._count = c
        }
        return row
      }
    }
  }

  /** `(select count(*)::int from target where link and where)` */
  private countSql(model: Model, cols: Record<string, AnyColumn>, relation: string, where: Filter | undefined): SQL {
    const rel = model.relations.get(relation)!
    const target = relatedModel(model, rel.target)
    const t = aliased(target, `t${++this.tables}`)
    const cond = and(linkSql(rel, cols, t.cols), where ? filterSql(this.filters, target, t.cols, where) : undefined)
    return sql`(select count(*)::int from ${t.from} where ${cond})`
  }

  /** A related row as a JSON array (scalars, relations, `_count`s in result order) and its decoder. */
  private rowJson(
    model: Model,
    cols: Record<string, AnyColumn>,
    inc: Include,
  ): { expr: SQL; decode: (parsers: Parsers) => (v: unknown) => Row } {
    const parts: SQL[] = []
    const scalars = (inc.scalars ?? [...model.fields.keys()]).map((name) => {
      const field = model.fields.get(name)!
      const oid = textOid(field)
      parts.push(oid === undefined ? sql`${cols[name]!}` : sql`${cols[name]!}::text`)
      return { name, field, oid }
    })
    const relations = inc.relations.map((node) => {
      const sub = this.relationJson(model, cols, model.relations.get(node.relation)!, node)
      parts.push(sub.expr)
      return { name: node.relation, decode: sub.decode }
    })
    const counts = inc.counts?.map((c) => {
      parts.push(this.countSql(model, cols, c.relation, c.where))
      return c.relation
    })
    const chunked = parts.length > MAX_ARGS
    const chunks: SQL[] = []
    for (let i = 0; i < parts.length; i += MAX_ARGS)
      chunks.push(sql`json_build_array(${sql.join(parts.slice(i, i + MAX_ARGS), sql`, `)})`)
    const expr = chunked ? sql`json_build_array(${sql.join(chunks, sql`, `)})` : (chunks[0] ?? sql`json_build_array()`)
    return {
      expr,
      decode: (parsers) => {
        const fields = scalars.map((s) => {
          const parse = s.oid === undefined ? undefined : parsers[s.oid]
          return { name: s.name, field: s.field, parse }
        })
        const rels = relations.map((r) => ({ name: r.name, decode: r.decode(parsers) }))
        return (v) => {
          const a = (chunked ? (v as unknown[][]).flat() : v) as unknown[]
          const row: Row = {}
          let i = 0
          for (const f of fields) {
            const x = a[i++]
            row[f.name] =
              x === null || x === undefined
                ? f.field.isList
                  ? []
                  : null
                : f.field.drizzle.mapFromDriverValue(f.parse ? f.parse(x as string) : x)
          }
          for (const r of rels) row[r.name] = r.decode(a[i++])
          if (counts) {
            const c: Row = {}
            for (const n of counts) c[n] = a[i++]
            row._count = c
          }
          return row
        }
      },
    }
  }

  /** A relation of the row `cols` as one JSON value: the related row or null (to-one), the array of rows (list). */
  relationJson(
    model: Model,
    cols: Record<string, AnyColumn>,
    rel: RelationInfo,
    node: IncludeNode,
  ): { expr: SQL; decode: (parsers: Parsers) => (v: unknown) => unknown } {
    const target = relatedModel(model, rel.target)
    const name = `t${++this.tables}`
    const t = aliased(target, name)
    const row = this.rowJson(target, t.cols, node)
    const link = linkSql(rel, cols, t.cols)
    if (rel.kind === 'one') {
      // the loader takes the first related row where the key is not unique
      const limit = isUniqueKey(target, rel.references) ? sql`` : sql` limit 1`
      return {
        expr: sql`(select ${row.expr} from ${t.from} where ${link}${limit})`,
        decode: (parsers) => {
          const d = row.decode(parsers)
          return (v) => (v === null || v === undefined ? null : d(v))
        },
      }
    }
    const q: ReadQuery = node.query ?? {
      where: undefined,
      orderBy: [],
      take: undefined,
      skip: undefined,
      unique: false,
    }
    const cond = and(link, q.where ? filterSql(this.filters, target, t.cols, q.where) : undefined)
    const order = q.orderBy.length
      ? sql` order by ${sql.join(orderSql(t.cols, q.orderBy, target, this.filters), sql`, `)}`
      : sql``
    const agg = sql`coalesce(json_agg(${row.expr}${order}), '[]'::json)`
    let expr: SQL
    if (q.take === undefined && q.skip === undefined) expr = sql`(select ${agg} from ${t.from} where ${cond})`
    else {
      const limit = q.take === undefined ? sql`` : sql` limit ${placeholder(q.take)}`
      const offset = q.skip === undefined ? sql`` : sql` offset ${placeholder(q.skip)}`
      // the window is taken in a derived table under the same alias, so the row and order refer to it alike
      expr = sql`(select ${agg} from (select * from ${t.from} where ${cond}${order}${limit}${offset}) ${sql.identifier(name)})`
    }
    return {
      expr,
      decode: (parsers) => {
        const d = row.decode(parsers)
        return (v) => (v as unknown[]).map(d)
      },
    }
  }
}

/**
 * Compiles a findMany template with an include (values are slots, see `templateOf`) into one statement.
 * @example compileInclude(message, query, { scalars: undefined, relations: [{ relation: 'member', … }], counts: undefined })
 *   // select "message"."id", …, "j1"."id", … from "message" left join "member" "j1" on "j1"."id" = "message"."member_id" where …
 */
export function compileInclude(model: Model, query: ReadQuery, include: Include): CompiledSql & { decoder: Decode } {
  const c = new IncludeCompiler()
  const cols = columnsOf(model.drizzle)
  const decoder = c.flat(model, cols, include)
  const where = query.where ? sql` where ${filterSql(c.filters, model, cols, query.where)}` : sql``
  const order = query.orderBy.length
    ? sql` order by ${sql.join(orderSql(cols, query.orderBy, model, c.filters), sql`, `)}`
    : sql``
  const limit = query.take === undefined ? sql`` : sql` limit ${placeholder(query.take)}`
  const offset = query.skip === undefined ? sql`` : sql` offset ${placeholder(query.skip)}`
  const table = sql.identifier(model.table)
  const list = sql.join(c.select, sql`, `)
  const joins = c.joins.length ? sql` ${sql.join(c.joins, sql` `)}` : sql``
  // with subqueries in the select list, the page is read first (a derived table named as the table, so
  // the columns read the same) and the subqueries run for its rows only; the order is applied again
  const statement = c.nested
    ? sql`select ${list} from (select * from ${table}${where}${order}${limit}${offset}) ${table}${joins}${order}`
    : sql`select ${list} from ${table}${joins}${where}${order}${limit}${offset}`
  const built = dialect.sqlToQuery(statement)
  const binders = built.params.map(binderOf)
  return { text: built.sql, bind: (values) => binders.map((b) => b(values)), decoder }
}
