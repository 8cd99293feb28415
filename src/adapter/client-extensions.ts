import { validationError } from '../errors.js'
import type { Model, Row, SchemaInfo } from '../schema/model.js'
import type { Backend } from './backend.js'
import { asLazyCall, LazyCall } from './lazy-call.js'
import { isPlainObject } from './normalize.js'
import { MODEL_METHODS } from './model-methods.js'

/** A query hook's parameter, as Prisma's: `query(args)` runs the next hook, then the call itself. */
export interface QueryHookParams {
  model: string
  operation: string
  args: Record<string, unknown>
  query: (args: unknown) => Promise<unknown>
}
export type QueryHook = (params: QueryHookParams) => unknown

/** A computed result field: `needs` the fields it reads, `compute(row)` its value. */
export interface ResultField {
  needs?: Record<string, boolean>
  compute: (row: Record<string, unknown>) => unknown
}

/** What `$extends` takes, checked at run time (extension-types.ts gives its static type). */
export interface ClientExtension {
  name?: string
  query?: Record<string, QueryHook | Record<string, QueryHook>>
  result?: Record<string, Record<string, ResultField>>
  model?: Record<string, Record<string, (...args: never[]) => unknown>>
  client?: Record<string, (...args: never[]) => unknown>
}

/** model methods whose results are rows (result fields are computed on them) */
const ROW_METHODS: ReadonlySet<string> = new Set([
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'create',
  'createManyAndReturn',
  'update',
  'updateManyAndReturn',
  'upsert',
  'delete',
])

/** Checks an extension's shape (names of models and operations) so a typo fails at `$extends`, not silently. */
export function checkExtension(schema: SchemaInfo, extension: unknown): ClientExtension {
  const where = '$extends'
  if (!isPlainObject(extension))
    throw validationError(where, 'pass an extension object { name?, query?, result?, model?, client? }')
  for (const key of Object.keys(extension))
    if (!['name', 'query', 'result', 'model', 'client'].includes(key))
      throw validationError(where, `unknown component \`${key}\`; components are name, query, result, model, client`)
  const modelName = (part: string, name: string) => {
    if (name !== '$allModels' && !schema.models.has(name))
      throw validationError(where, `${part} names unknown model \`${name}\``)
  }
  const isOp = (name: string) => name === '$allOperations' || (MODEL_METHODS as readonly string[]).includes(name)
  const fn = (v: unknown, what: string) => {
    if (typeof v !== 'function') throw validationError(where, `${what} must be a function`)
  }
  if (extension.query !== undefined) {
    if (!isPlainObject(extension.query)) throw validationError(where, '`query` must be an object')
    for (const [key, value] of Object.entries(extension.query)) {
      if (isOp(key)) {
        fn(value, `query.${key}`)
        continue
      }
      modelName('query', key)
      if (!isPlainObject(value)) throw validationError(where, `query.${key} must be an object of operation hooks`)
      for (const [op, hook] of Object.entries(value)) {
        if (!isOp(op)) throw validationError(where, `query.${key}.${op} is not a model operation`)
        fn(hook, `query.${key}.${op}`)
      }
    }
  }
  if (extension.result !== undefined) {
    if (!isPlainObject(extension.result)) throw validationError(where, '`result` must be an object')
    for (const [key, fields] of Object.entries(extension.result)) {
      modelName('result', key)
      if (!isPlainObject(fields)) throw validationError(where, `result.${key} must be an object of fields`)
      for (const [field, def] of Object.entries(fields)) {
        if (!isPlainObject(def) || typeof def.compute !== 'function')
          throw validationError(where, `result.${key}.${field} must be { needs?, compute(row) }`)
        if (def.needs !== undefined && !isPlainObject(def.needs))
          throw validationError(where, `result.${key}.${field}.needs must be an object { field: true }`)
        for (const model of key === '$allModels' ? [...schema.models.values()] : [schema.models.get(key)!])
          for (const need of Object.keys(def.needs ?? {}))
            if (!model.fields.has(need))
              throw validationError(where, `result.${key}.${field} needs unknown field \`${need}\` of ${model.name}`)
      }
    }
  }
  if (extension.model !== undefined) {
    if (!isPlainObject(extension.model)) throw validationError(where, '`model` must be an object')
    for (const [key, methods] of Object.entries(extension.model)) {
      modelName('model', key)
      if (!isPlainObject(methods)) throw validationError(where, `model.${key} must be an object of methods`)
      for (const [name, m] of Object.entries(methods)) fn(m, `model.${key}.${name}`)
    }
  }
  if (extension.client !== undefined) {
    if (!isPlainObject(extension.client)) throw validationError(where, '`client` must be an object')
    for (const [name, m] of Object.entries(extension.client)) {
      if (!name.startsWith('$')) throw validationError(where, `client method \`${name}\` must start with $`)
      fn(m, `client.${name}`)
    }
  }
  return extension as ClientExtension
}

/** The hooks for one call, outermost first: as Prisma orders them (earlier extensions outside later ones). */
function hooksFor(extensions: readonly ClientExtension[], model: string, operation: string): QueryHook[] {
  const out: QueryHook[] = []
  for (const { query } of extensions) {
    if (!query) continue
    const own = query[model] as Record<string, QueryHook> | undefined
    const all = query.$allModels as Record<string, QueryHook> | undefined
    for (const hook of [
      own?.[operation],
      own?.$allOperations,
      all?.[operation],
      all?.$allOperations,
      query[operation] as QueryHook | undefined,
      query.$allOperations as QueryHook | undefined,
    ])
      if (hook) out.push(hook)
  }
  return out
}

/** The computed fields of a model, later extensions overriding earlier ones of the same name. */
function resultFieldsFor(extensions: readonly ClientExtension[], model: string): Map<string, ResultField> {
  const out = new Map<string, ResultField>()
  for (const { result } of extensions) {
    if (!result) continue
    for (const fields of [result.$allModels, result[model]])
      for (const [name, def] of Object.entries(fields ?? {})) out.set(name, def)
  }
  return out
}

/** A copy of plain objects and arrays (Prisma hands hooks a copy of the arguments); other values are kept. */
function copyArgs<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyArgs) as T
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyArgs(v)])) as T
  return value
}

/**
 * The call's arguments with computed fields taken out of `select`/`omit` (the backend knows only columns) and
 * the fields they need put in; `finish` computes the fields on the rows and removes what was only needed.
 */
function prepareComputed(
  schema: SchemaInfo,
  model: Model,
  fields: Map<string, ResultField>,
  extensions: readonly ClientExtension[],
  args: unknown,
): { args: unknown; finish: (result: unknown) => unknown } {
  const a = isPlainObject(args) ? args : undefined
  let wanted = [...fields.keys()]
  const added: string[] = []
  let out = args
  if (a && isPlainObject(a.select)) {
    const select = { ...a.select }
    wanted = wanted.filter((f) => select[f])
    for (const f of fields.keys()) delete select[f]
    for (const f of wanted)
      for (const need of Object.keys(fields.get(f)!.needs ?? {}))
        if (!select[need]) {
          select[need] = true
          added.push(need)
        }
    out = { ...a, select }
  } else if (a && isPlainObject(a.omit)) {
    const omit = { ...a.omit }
    wanted = wanted.filter((f) => !omit[f])
    for (const f of fields.keys()) delete omit[f]
    for (const f of wanted)
      for (const need of Object.keys(fields.get(f)!.needs ?? {}))
        if (omit[need]) {
          delete omit[need]
          added.push(need)
        }
    out = { ...a, omit }
  }
  const finish = (result: unknown): unknown => {
    const one = (row: unknown) => {
      if (!isPlainObject(row)) return row
      computeNested(schema, model, row, extensions)
      for (const f of wanted) row[f] = fields.get(f)!.compute(row)
      for (const f of added) delete row[f]
      return row
    }
    return Array.isArray(result) ? result.map(one) : one(result)
  }
  return { args: out, finish }
}

/** Computes result fields on related rows too (those whose needs are all present). */
function computeNested(schema: SchemaInfo, model: Model, row: Row, extensions: readonly ClientExtension[]): void {
  for (const relation of model.relations.values()) {
    const value = row[relation.name]
    if (value === undefined || value === null) continue
    const target = schema.models.get(relation.target)
    if (!target) continue
    const fields = resultFieldsFor(extensions, target.name)
    for (const child of Array.isArray(value) ? value : [value]) {
      if (!isPlainObject(child)) continue
      computeNested(schema, target, child, extensions)
      for (const [name, def] of fields)
        if (Object.keys(def.needs ?? {}).every((n) => n in child)) child[name] = def.compute(child)
    }
  }
}

/** A model client as the extensions make it: each method's calls go through the hooks, rows get result fields. */
export type ModelCalls = Record<string, (args?: unknown) => unknown>

/**
 * The model client of `model` over `base` (its plain delegate on `backend`) with the extensions applied: each
 * call is still lazy (runs when awaited or in a `$transaction`, there with the transaction's backend through
 * every hook), and the model methods of the extensions are added with `this` the extended client.
 */
export function extendedModel(
  schema: SchemaInfo,
  model: Model,
  base: ModelCalls,
  backend: Backend,
  extensions: readonly ClientExtension[],
): ModelCalls {
  const fields = resultFieldsFor(extensions, model.name)
  const client: ModelCalls = {
    explain: (...a: unknown[]) => (base.explain as (...x: unknown[]) => unknown).apply(base, a),
  }
  for (const operation of MODEL_METHODS) {
    const hooks = hooksFor(extensions, model.name, operation)
    if (hooks.length === 0 && (fields.size === 0 || !ROW_METHODS.has(operation))) {
      client[operation] = (args) => base[operation]!(args)
      continue
    }
    // the call itself, innermost: computed fields out of the arguments, the base call on the backend it runs on
    const innermost = (args: unknown, on: Backend): Promise<unknown> => {
      if (fields.size === 0 || !ROW_METHODS.has(operation)) return runOn(base[operation]!(args), on)
      const prepared = prepareComputed(schema, model, fields, extensions, args)
      return runOn(base[operation]!(prepared.args), on).then(prepared.finish)
    }
    const step = (i: number, args: unknown, on: Backend): Promise<unknown> => {
      if (i === hooks.length) return innermost(args, on)
      return Promise.resolve(
        hooks[i]!({
          model: model.name,
          operation,
          args: copyArgs((isPlainObject(args) ? args : {}) as Record<string, unknown>),
          // a lazy call too, so a hook can hand it on without awaiting; it runs where this call runs
          query: (next) => new LazyCall({ model: model.name, operation, args: next }, on, (b) => step(i + 1, next, b)),
        }),
      )
    }
    client[operation] = (args?: unknown) =>
      new LazyCall({ model: model.name, operation, args }, backend, (on) => step(0, args, on))
  }
  for (const { model: methods } of extensions)
    for (const group of [methods?.$allModels, methods?.[model.name]])
      for (const [name, method] of Object.entries(group ?? {}))
        client[name] = (...a: unknown[]) => (method as (...x: unknown[]) => unknown).apply(client, a)
  return client
}

/** A base call run on `on` (the transaction's backend, or the client's). */
function runOn(call: unknown, on: Backend): Promise<unknown> {
  const lazy = asLazyCall(call)
  return lazy ? lazy.runIn(on) : Promise.resolve(call)
}

/** Adds the extensions' client methods (`$name`) to `client`, `this` being the client. */
export function addClientMethods(client: Record<string, unknown>, extensions: readonly ClientExtension[]): void {
  for (const { client: methods } of extensions)
    for (const [name, method] of Object.entries(methods ?? {}))
      client[name] = (...a: unknown[]) => (method as (...x: unknown[]) => unknown).apply(client, a)
}
