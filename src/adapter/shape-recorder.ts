import { appendFileSync } from 'node:fs'
import type { Model, Row } from '../schema/model.js'
import { validationError } from '../errors.js'
import type { Backend, Operation } from './backend.js'
import { shapeOf, templateOf } from './query.js'

/**
 * One recorded call shape, one JSON line of a `recordShapes` file: the operation the backend received,
 * every value replaced by a slot `{ "$slot": n }` (NULL tests, field names, operators, list lengths,
 * orderings and whether take/skip were given are kept: they are the shape). `tandem check` plans
 * `operation` on the ScyllaDB layout exactly as a call would be planned, with no I/O.
 * @example {"v":1,"model":"post","method":"findMany","key":"post|findMany|m(authorId:eq:$)|…","operation":{…}}
 */
export interface RecordedShape {
  readonly v: 1
  readonly model: string
  /** what the call was, as the backend sees it: findUnique, findMany, count, create(Many), update(Many), delete(Many) */
  readonly method: string
  /** the shape key (plans are cached by it): the same key is one shape */
  readonly key: string
  readonly operation: Operation
}

/** The method a backend operation stands for (findFirst is a findMany of one row, upsert a read then a write). */
export function methodOf(operation: Operation): string {
  switch (operation.op) {
    case 'findMany':
      return operation.query.unique ? 'findUnique' : 'findMany'
    case 'count':
      return 'count'
    case 'aggregate':
      return operation.spec.by.length ? 'groupBy' : 'aggregate'
    case 'insert':
      return operation.rows.length > 1 ? 'createMany' : 'create'
    case 'update':
      return operation.query.unique ? 'update' : 'updateMany'
    case 'delete':
      return operation.query.unique ? 'delete' : 'deleteMany'
  }
}

/**
 * A createMany's rows reduced to one per distinct set of fields: the row count is not a shape (every
 * batch size would be a new line), the fields written are.
 */
function distinctRows(rows: readonly Row[]): Row[] {
  const seen = new Map<string, Row>()
  for (const r of rows) {
    const fields = Object.keys(r).join(',')
    if (!seen.has(fields)) seen.set(fields, r)
  }
  return [...seen.values()]
}

/**
 * Appends each distinct call shape to a file once per process (a Set lookup by shape key per call; the
 * template is built only for a new shape). Lines from several processes may repeat: readers dedupe by key.
 */
export class ShapeRecorder {
  private readonly seen = new Set<string>()

  constructor(readonly file: string) {
    try {
      appendFileSync(file, '')
    } catch (e) {
      throw validationError('createDb', `recordShapes: cannot write ${file}: ${e instanceof Error ? e.message : e}`)
    }
  }

  record(model: Model, operation: Operation): void {
    const op: Operation =
      operation.op === 'insert' && operation.rows.length > 1
        ? { ...operation, rows: distinctRows(operation.rows) }
        : operation
    const key = shapeOf(model.name, op).key
    if (this.seen.has(key)) return
    this.seen.add(key)
    const line: RecordedShape = { v: 1, model: model.name, method: methodOf(operation), key, operation: templateOf(op) }
    try {
      appendFileSync(this.file, `${JSON.stringify(line)}\n`)
    } catch {
      // recording is a diagnostic: a full disk must not fail the application's call (it was checked writable)
      this.seen.delete(key)
    }
  }
}

/**
 * The backend with every operation recorded before it runs, transactions included (nested writes).
 * Only used when recording is on: the default path keeps the backend itself, at no cost.
 */
export function recordingBackend(backend: Backend, recorder: ShapeRecorder): Backend {
  return {
    kind: backend.kind,
    includes: backend.includes,
    run(model, operation) {
      recorder.record(model, operation)
      return backend.run(model, operation)
    },
    explain: (model, operation) => backend.explain(model, operation),
    ddl: () => backend.ddl(),
    push: (options) => backend.push(options),
    ping: () => backend.ping(),
    close: () => backend.close(),
    transaction: (fn, options) => backend.transaction((tx) => fn(recordingBackend(tx, recorder)), options),
    raw: (query) => backend.raw(query),
  }
}
