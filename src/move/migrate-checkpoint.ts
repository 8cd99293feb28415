import type { Model, Row } from '../schema/model.js'
import type { RowStore } from './row-store.js'
import { fromJsonRow, toJsonRow } from './json-rows.js'

/**
 * Where a model's migration stands, kept in the target (meta key `migrate:<from>:<to>:<model>`) and written
 * only after a page is fully written: a run killed at any point continues from the last page it finished,
 * rewriting at most that page's successor (which `copy` makes harmless: nothing doubles, nothing older
 * replaces anything).
 */
export interface MigrateCheckpoint {
  /** the source scan's cursor after the last finished page; undefined before the first */
  readonly cursor: string | undefined
  /** rows of this model handled so far (written, or found already there) */
  readonly copied: number
  /** the whole model is copied (its retries too) */
  readonly done: boolean
  /** keys of rows a foreign key refused so far, retried after the model's other rows */
  readonly pending: readonly Row[]
  /** the target model was empty when the copy began: rows are written without reading first (WriteOptions.fresh) */
  readonly fresh: boolean
  readonly updatedAt: string
}

export const checkpointKey = (from: RowStore, to: RowStore, model: Model) =>
  `migrate:${from.kind}:${to.kind}:${model.name}`

export async function readCheckpoint(
  from: RowStore,
  to: RowStore,
  model: Model,
): Promise<MigrateCheckpoint | undefined> {
  const text = await to.getMeta(checkpointKey(from, to, model))
  if (!text) return undefined
  const raw = JSON.parse(text) as {
    cursor?: string
    copied: number
    done: boolean
    pending?: Record<string, unknown>[]
    fresh?: boolean
    updatedAt: string
  }
  return {
    cursor: raw.cursor ?? undefined,
    copied: raw.copied,
    done: raw.done,
    pending: (raw.pending ?? []).map((k) => fromJsonRow(model, k)),
    fresh: raw.fresh === true,
    updatedAt: raw.updatedAt,
  }
}

export async function writeCheckpoint(
  from: RowStore,
  to: RowStore,
  model: Model,
  state: Omit<MigrateCheckpoint, 'updatedAt'>,
): Promise<void> {
  await to.setMeta(
    checkpointKey(from, to, model),
    JSON.stringify({
      cursor: state.cursor ?? null,
      copied: state.copied,
      done: state.done,
      pending: state.pending.map((k) => toJsonRow(model, k)),
      fresh: state.fresh,
      updatedAt: new Date().toISOString(),
    }),
  )
}

export async function clearCheckpoint(from: RowStore, to: RowStore, model: Model): Promise<void> {
  await to.deleteMeta(checkpointKey(from, to, model))
}
