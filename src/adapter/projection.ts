import type { Model, RelationInfo } from '../schema/model.js'
import { validationError } from '../errors.js'
import { isPlainObject } from './normalize.js'

/**
 * What a call returns: scalar fields, related rows (include / nested select) and `_count`s.
 * Relation arguments stay Prisma-shaped: the related model's delegate normalizes them itself.
 */
export interface Projection {
  /** undefined: every scalar field */
  readonly scalars: readonly string[] | undefined
  readonly relations: readonly { readonly relation: RelationInfo; readonly args: Record<string, unknown> }[]
  readonly counts: readonly { readonly relation: RelationInfo; readonly where: unknown }[] | undefined
}

const MANY_ARGS = ['where', 'orderBy', 'take', 'skip', 'cursor', 'select', 'include', 'omit', 'distinct']
const ONE_ARGS = ['select', 'include', 'omit']

const ALL_SCALARS: Projection = Object.freeze({ scalars: undefined, relations: Object.freeze([]), counts: undefined })

export function normalizeProjection(
  model: Model,
  a: { select?: unknown; include?: unknown; omit?: unknown },
  ctx: string,
): Projection {
  // the common call: every scalar, nothing else (no closures below made for it)
  if (a.select === undefined && a.include === undefined && a.omit === undefined) return ALL_SCALARS
  if (a.select !== undefined && a.include !== undefined)
    throw validationError(ctx, 'use either `select` or `include`, not both')
  if (a.select !== undefined && a.omit !== undefined)
    throw validationError(ctx, 'use either `select` or `omit`, not both')
  const relations: { relation: RelationInfo; args: Record<string, unknown> }[] = []
  let counts: { relation: RelationInfo; where: unknown }[] | undefined
  const relationArg = (name: string, v: unknown, where: string) => {
    const relation = model.relations.get(name)!
    if (v === false || v === undefined) return
    if (v !== true && !isPlainObject(v))
      throw validationError(ctx, `\`${where}.${name}\` takes true or { select | include | … }`)
    const args = v === true ? {} : v
    const allowed = relation.kind === 'many' ? MANY_ARGS : ONE_ARGS
    for (const k of Object.keys(args))
      if (!allowed.includes(k))
        throw validationError(
          ctx,
          `unknown argument \`${k}\` in \`${where}.${name}\`; expected one of ${allowed.join(', ')}`,
        )
    relations.push({ relation, args })
  }
  const countArg = (v: unknown) => {
    if (v === false || v === undefined) return
    const toMany = [...model.relations.values()].filter((r) => r.kind === 'many')
    if (v === true) {
      counts = toMany.map((relation) => ({ relation, where: undefined }))
      return
    }
    if (!isPlainObject(v) || !isPlainObject(v.select))
      throw validationError(ctx, '`_count` takes true or { select: { <relation>: true | { where } } }')
    counts = []
    for (const [name, w] of Object.entries(v.select)) {
      const relation = model.relations.get(name)
      if (!relation || relation.kind !== 'many')
        throw validationError(
          ctx,
          `\`_count.select.${name}\` must name a list relation of ${model.name}; they are ${toMany.map((r) => r.name).join(', ') || '(none)'}`,
        )
      if (w === false || w === undefined) continue
      if (w !== true && !(isPlainObject(w) && Object.keys(w).every((k) => k === 'where')))
        throw validationError(ctx, `\`_count.select.${name}\` takes true or { where }`)
      counts.push({ relation, where: w === true ? undefined : w.where })
    }
  }
  const unknown = (k: string) =>
    validationError(
      ctx,
      `unknown field \`${k}\` on model ${model.name}; fields are ${[...model.fields.keys()].join(', ')}${model.relations.size ? `; relations are ${[...model.relations.keys()].join(', ')}` : ''}`,
    )

  if (a.select !== undefined) {
    if (!isPlainObject(a.select)) throw validationError(ctx, '`select` must be an object of field: true')
    const scalars: string[] = []
    for (const [k, v] of Object.entries(a.select)) {
      if (k === '_count') countArg(v)
      else if (model.relations.has(k)) relationArg(k, v, 'select')
      else if (model.fields.has(k)) {
        if (typeof v !== 'boolean' && v !== undefined)
          throw validationError(ctx, `\`select.${k}\` must be true or false`)
        if (v) scalars.push(k)
      } else throw unknown(k)
    }
    if (scalars.length === 0 && relations.length === 0 && !counts)
      throw validationError(ctx, '`select` must pick at least one field')
    return { scalars, relations, counts }
  }
  let scalars: string[] | undefined
  if (a.omit !== undefined) {
    if (!isPlainObject(a.omit)) throw validationError(ctx, '`omit` must be an object of field: true')
    for (const k of Object.keys(a.omit)) if (!model.fields.has(k)) throw unknown(k)
    const omit = a.omit
    scalars = [...model.fields.keys()].filter((k) => !omit[k])
  }
  if (a.include !== undefined) {
    if (!isPlainObject(a.include)) throw validationError(ctx, '`include` must be an object of relation: true | { … }')
    for (const [k, v] of Object.entries(a.include)) {
      if (k === '_count') countArg(v)
      else if (model.relations.has(k)) relationArg(k, v, 'include')
      else
        throw validationError(
          ctx,
          `\`include.${k}\` is not a relation of ${model.name}; relations are ${[...model.relations.keys()].join(', ') || '(none)'}`,
        )
    }
  }
  return { scalars, relations, counts }
}

export const isPlainProjection = (p: Projection) => p.relations.length === 0 && p.counts === undefined
