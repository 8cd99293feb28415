import type { Model, SchemaInfo } from '../schema/model.js'
import { validationError } from '../errors.js'

/**
 * The models to move, parents before the models whose foreign keys point at them (so a copy into
 * PostgreSQL meets its constraints). Self-references and cycles cannot be ordered: their rows that arrive
 * before their parent are retried after it (see migrate). `names` limits the list (unknown names are a
 * VALIDATION error).
 * @example parentsFirst(schema, ['message', 'profile']).map((m) => m.name) // ['profile', 'message']
 */
export function parentsFirst(schema: SchemaInfo, names?: readonly string[]): Model[] {
  if (names) {
    const unknown = names.filter((n) => !schema.models.has(n))
    if (unknown.length)
      throw validationError(
        'models',
        `unknown model ${unknown.map((n) => `\`${n}\``).join(', ')}; models are ${[...schema.models.keys()].join(', ')}`,
      )
  }
  if (names) {
    const refused = names.filter((n) => schema.models.get(n)!.unsupported.length > 0)
    if (refused.length)
      throw validationError(
        'models',
        `${refused.join(', ')}: a column type tandem does not serve (see column-types.ts)`,
      )
  }
  // a model tandem does not serve (a column type it cannot store) is not moved: it has no ScyllaDB tables
  const wanted = new Set(
    [...(names ?? schema.models.keys())].filter((n) => schema.models.get(n)!.unsupported.length === 0),
  )
  const out: Model[] = []
  const state = new Map<string, 'open' | 'done'>()
  const visit = (model: Model) => {
    if (state.has(model.name)) return // done, or open: a cycle, broken here
    state.set(model.name, 'open')
    for (const fk of model.foreignKeys) {
      const parent = schema.models.get(fk.targetModel)
      if (parent && parent !== model) visit(parent)
    }
    state.set(model.name, 'done')
    if (wanted.has(model.name)) out.push(model)
  }
  for (const model of schema.models.values()) visit(model)
  return out
}
