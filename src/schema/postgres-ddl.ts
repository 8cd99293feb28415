import { getTableColumns, is, SQL } from 'drizzle-orm'
import type { AnyColumn } from 'drizzle-orm'
import { PgDialect } from 'drizzle-orm/pg-core'
import type { Field, Model, SchemaInfo } from './model.js'

const q = (name: string) => `"${name.replace(/"/g, '""')}"`
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`

type DdlColumn = { getSQLType(): string; enum?: { enumName: string }; baseColumn?: DdlColumn }

function sqlType(field: Field): string {
  const column = field.drizzle as unknown as DdlColumn
  if (field.kind === 'enum') {
    const el = field.isList ? (column.baseColumn ?? column) : column
    return `${q(el.enum?.enumName ?? el.getSQLType())}${field.isList ? '[]' : ''}`
  }
  const identity = field.defaultValue?.kind === 'autoincrement' ? field.defaultValue.identity : undefined
  if (identity) return `${column.getSQLType()} GENERATED ${identity === 'always' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`
  return column.getSQLType()
}

function defaultClause(field: Field, dialect: PgDialect): string {
  const raw = (field.drizzle as unknown as { default?: unknown; hasDefault: boolean }).default
  if (!field.drizzle.hasDefault || raw === undefined) return ''
  if (is(raw, SQL)) return ` DEFAULT ${dialect.sqlToQuery(raw).sql}`
  if (typeof raw === 'string') return ` DEFAULT ${literal(raw)}`
  if (typeof raw === 'number' || typeof raw === 'bigint') return ` DEFAULT ${raw}`
  if (typeof raw === 'boolean') return ` DEFAULT ${raw}`
  if (raw instanceof Date) return ` DEFAULT ${literal(raw.toISOString())}`
  return ` DEFAULT ${literal(JSON.stringify(raw))}`
}

/**
 * PostgreSQL DDL for the whole schema, idempotent (IF NOT EXISTS, or guarded DO blocks): enums (and the
 * values an existing type lacks), tables
 * with primary and unique keys, indexes, then foreign keys once every table exists.
 * @example for (const stmt of postgresDdl(info)) await sql.unsafe(stmt)
 */
export function postgresDdl(schema: SchemaInfo): string[] {
  const dialect = new PgDialect()
  const out: string[] = []
  const guarded = (stmt: string) =>
    `DO $$ BEGIN ${stmt}; EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL; END $$`
  for (const e of schema.enums)
    out.push(guarded(`CREATE TYPE ${q(e.name)} AS ENUM (${e.values.map(literal).join(', ')})`))
  // a type created by an older schema gets the values added since (push adds, never drops)
  for (const e of schema.enums)
    out.push(
      `DO $$ DECLARE v text; BEGIN FOREACH v IN ARRAY ARRAY[${e.values.map(literal).join(', ')}]::text[] LOOP ` +
        `EXECUTE format(${literal(`ALTER TYPE ${q(e.name)} ADD VALUE IF NOT EXISTS %L`)}, v); END LOOP; END $$`,
    )
  for (const model of schema.models.values()) out.push(createTable(model, dialect))
  for (const model of schema.models.values()) {
    for (const ix of model.indexes)
      out.push(
        `CREATE INDEX IF NOT EXISTS ${q(ix.name)} ON ${q(model.table)} (${ix.fields.map((f) => q(col(model, f))).join(', ')})`,
      )
  }
  for (const model of schema.models.values()) {
    for (const fk of model.foreignKeys) {
      const target = schema.models.get(fk.targetModel)!
      out.push(
        guarded(
          `ALTER TABLE ${q(model.table)} ADD CONSTRAINT ${q(fk.name)} FOREIGN KEY (${fk.fields.map((f) => q(col(model, f))).join(', ')}) ` +
            `REFERENCES ${q(target.table)} (${fk.targetFields.map((f) => q(col(target, f))).join(', ')}) ON DELETE ${fk.onDelete.toUpperCase()}`,
        ),
      )
    }
  }
  return out
}

function col(model: Model, field: string): string {
  return model.fields.get(field)?.column ?? model.unsupported.find((u) => u.field === field)?.column ?? field
}

function createTable(model: Model, dialect: PgDialect): string {
  const lines: string[] = []
  for (const field of model.fields.values()) {
    lines.push(
      `${q(field.column)} ${sqlType(field)}${field.nullable ? '' : ' NOT NULL'}${defaultClause(field, dialect)}`,
    )
  }
  // a column of a type tandem does not serve: the drizzle schema owns it, so PostgreSQL gets it as declared
  // (the model's calls are refused, see column-types.ts)
  const drizzleColumns = getTableColumns(model.drizzle) as Record<string, AnyColumn & { getSQLType(): string }>
  for (const u of model.unsupported) {
    const c = drizzleColumns[u.field]!
    lines.push(`${q(u.column)} ${u.sqlType}${c.notNull ? ' NOT NULL' : ''}`)
  }
  for (const key of model.uniqueKeys) {
    const cols = key.fields.map((f) => q(col(model, f))).join(', ')
    lines.push(`CONSTRAINT ${q(key.name)} ${key.primary ? 'PRIMARY KEY' : 'UNIQUE'} (${cols})`)
  }
  return `CREATE TABLE IF NOT EXISTS ${q(model.table)} (\n  ${lines.join(',\n  ')}\n)`
}
