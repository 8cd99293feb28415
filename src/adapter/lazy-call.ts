import type { Backend } from './backend.js'

/**
 * What every model call returns: a promise that runs nothing until it is awaited (`then`, `catch` or
 * `finally`), or until `$transaction([...])` takes it and runs it in its transaction; like Prisma's
 * PrismaPromise. It runs at most once: awaiting it again gives the same result.
 * @example const call = db.profile.create({ data }) // nothing ran yet
 * await db.$transaction([call, db.profile.delete({ where: { id } })])
 */
export interface TandemPromise<T> extends Promise<T> {
  readonly [Symbol.toStringTag]: 'TandemPromise'
}

/** Which model method a call is, for `$extends` query hooks and error messages. */
export interface CallInfo {
  readonly model: string
  readonly operation: string
  readonly args: unknown
}

/** The work of a call, given the backend it runs on (the client's, or a transaction's). */
export type CallBody<T> = (backend: Backend) => Promise<T>

// a symbol from the global registry, so two loaded copies of tandem recognize each other's calls
const LAZY = Symbol.for('tandem-orm.lazy-call')

/**
 * A model call not yet run. `then`/`catch`/`finally` run it on the backend it was made for; a transaction
 * runs it with `runIn(tx)` instead.
 */
export class LazyCall<T> implements TandemPromise<T> {
  readonly [Symbol.toStringTag] = 'TandemPromise' as const
  readonly [LAZY] = true
  private started: Promise<T> | undefined

  constructor(
    readonly info: CallInfo,
    private readonly backend: Backend,
    private readonly body: CallBody<T>,
  ) {}

  /** true once the call ran (or is running): a transaction can no longer take it */
  get hasStarted(): boolean {
    return this.started !== undefined
  }

  /** Runs the call on `backend` (a transaction's), once; a synchronous throw becomes the rejection. */
  runIn(backend: Backend): Promise<T> {
    this.started ??= (async () => this.body(backend))()
    return this.started
  }

  /**
   * The same call with `around` wrapped about its run (telemetry's span and error event), still lazy, so a
   * watched call can still be taken by a transaction.
   */
  around(around: (run: () => Promise<T>) => Promise<T>): LazyCall<T> {
    return new LazyCall(this.info, this.backend, (backend) => around(() => this.body(backend)))
  }

  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.runIn(this.backend).then(onfulfilled, onrejected)
  }

  catch<R = never>(onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    return this.runIn(this.backend).catch(onrejected)
  }

  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.runIn(this.backend).finally(onfinally)
  }
}

/** The value as a tandem call, or undefined if it is something else (an awaited result, a plain promise). */
export function asLazyCall(value: unknown): LazyCall<unknown> | undefined {
  if (value instanceof LazyCall) return value
  // another loaded copy of tandem: the same shape behind the same registered symbol
  if (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[LAZY] === true)
    return value as LazyCall<unknown>
  return undefined
}
