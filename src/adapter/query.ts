import type { Row } from '../schema/model.js'

/**
 * The normalized query description: what the front end hands to a backend. Plain data, no values
 * of the driver's types; `shapeOf` turns it into a cache key with the values left out.
 */
export type CmpOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'notIn' | 'contains' | 'startsWith' | 'endsWith'

export type Filter =
  | { readonly kind: 'and'; readonly items: readonly Filter[] }
  | { readonly kind: 'or'; readonly items: readonly Filter[] }
  | { readonly kind: 'not'; readonly item: Filter }
  /** `eq`/`ne` with a null value mean IS NULL / IS NOT NULL */
  | { readonly kind: 'cmp'; readonly field: string; readonly op: CmpOp; readonly value: unknown; readonly insensitive?: boolean }
  /**
   * "At or after `values` in the ordering `fields`/`dirs`": what a cursor becomes once its row is read.
   * Kept as one node so ScyllaDB can serve it as a clustering slice and PostgreSQL as a row comparison.
   */
  | { readonly kind: 'after'; readonly fields: readonly string[]; readonly dirs: readonly SortDir[]; readonly values: readonly unknown[] }
  | { readonly kind: 'const'; readonly value: boolean }
  /**
   * A relation filter: `some` related row matches `filter`, `none` does, or `every` one does (none fails
   * it). To-one filters map onto these: `is: W` → some, `isNot: W` → none, `is: null` → none of any.
   * `filter` is on the related model; undefined means "any related row".
   */
  | { readonly kind: 'relation'; readonly relation: string; readonly mode: 'some' | 'every' | 'none'; readonly filter: Filter | undefined }

export type SortDir = 'asc' | 'desc'

export interface OrderTerm {
  readonly field: string
  readonly dir: SortDir
  /** where NULLs go; PostgreSQL's default is last for asc, first for desc */
  readonly nulls?: 'first' | 'last'
}

export interface ReadQuery {
  readonly where: Filter | undefined
  readonly orderBy: readonly OrderTerm[]
  readonly take: number | undefined
  readonly skip: number | undefined
  /** set when the caller asked by a unique key (findUnique, update, delete): at most one row */
  readonly unique: boolean
}

export type UpdateOpKind = 'set' | 'increment' | 'decrement' | 'multiply' | 'divide'
export interface UpdateOp {
  readonly op: UpdateOpKind
  readonly value: unknown
}
export type UpdateOps = Readonly<Record<string, UpdateOp>>

export interface WriteResult {
  readonly rows: Row[]
}

export const TRUE: Filter = { kind: 'const', value: true }
export const FALSE: Filter = { kind: 'const', value: false }

/** AND of the given filters, dropping the trivially true ones. */
export function andFilters(...filters: (Filter | undefined)[]): Filter | undefined {
  const items = filters.filter((f): f is Filter => f !== undefined && !(f.kind === 'const' && f.value))
  if (items.length === 0) return undefined
  if (items.length === 1) return items[0]
  return { kind: 'and', items }
}
