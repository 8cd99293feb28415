import { TandemError, validationError } from '../errors.js'
import type { Backend, IsolationLevel } from './backend.js'
import { asLazyCall, type LazyCall } from './lazy-call.js'

/** `$transaction`'s options, as Prisma's (defaults: maxWait 2000 ms, timeout 5000 ms, the database's isolation). */
export interface TransactionOptions {
  /** how long to wait for the transaction to start (a PostgreSQL connection); ScyllaDB starts at once */
  maxWait?: number
  /** how long the transaction may run before it is rolled back and its client refuses further calls */
  timeout?: number
  /** PostgreSQL only; refused on ScyllaDB (VALIDATION): it has no multi-row isolation */
  isolationLevel?: IsolationLevel
}

const LEVELS: readonly IsolationLevel[] = ['ReadUncommitted', 'ReadCommitted', 'RepeatableRead', 'Serializable']
const DEFAULTS = { maxWait: 2000, timeout: 5000 }

/** Prisma's P2028 (the transaction API's error): same code, same message text. */
function transactionApiError(message: string, meta?: Record<string, unknown>): TandemError {
  return new TandemError('P2028', `Transaction API error: ${message}`, meta ? { meta } : {})
}

function checkOptions(options: unknown): Required<Omit<TransactionOptions, 'isolationLevel'>> & TransactionOptions {
  if (options === undefined) return { ...DEFAULTS }
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    throw validationError('$transaction', 'options must be an object { maxWait?, timeout?, isolationLevel? }')
  const o = options as Record<string, unknown>
  for (const key of Object.keys(o))
    if (!['maxWait', 'timeout', 'isolationLevel'].includes(key))
      throw validationError('$transaction', `unknown option \`${key}\`; options are maxWait, timeout, isolationLevel`)
  for (const key of ['maxWait', 'timeout'] as const)
    if (o[key] !== undefined && !(typeof o[key] === 'number' && Number.isFinite(o[key]) && o[key] > 0))
      throw validationError('$transaction', `\`${key}\` must be a number of milliseconds greater than 0`)
  if (o.isolationLevel !== undefined && !LEVELS.includes(o.isolationLevel as IsolationLevel))
    throw validationError('$transaction', `\`isolationLevel\` must be one of ${LEVELS.join(', ')}`)
  return {
    maxWait: (o.maxWait as number | undefined) ?? DEFAULTS.maxWait,
    timeout: (o.timeout as number | undefined) ?? DEFAULTS.timeout,
    isolationLevel: o.isolationLevel as IsolationLevel | undefined,
  }
}

/** Where a transaction is: calls on its client are refused once it is no longer 'open'. */
interface TxState {
  status: 'open' | 'expired' | 'committed' | 'rolled back'
  startedAt: number
  timeout: number
  /** backend calls under way, which an expiry lets finish before rolling back (so the rollback covers them) */
  readonly inflight: Set<Promise<unknown>>
}

function closedError(state: TxState, operation: string): TandemError {
  if (state.status === 'expired') {
    const timeTaken = Date.now() - state.startedAt
    return transactionApiError(
      `A ${operation} cannot be executed on an expired transaction. The timeout for ` +
        `this transaction was ${state.timeout} ms, however ${timeTaken} ms passed since the start of the ` +
        'transaction. Consider increasing the interactive transaction timeout or doing less work in the transaction.',
      { operation, timeout: state.timeout, timeTaken },
    )
  }
  return transactionApiError(
    `Transaction already closed: A ${operation} cannot be executed on a ${state.status === 'committed' ? 'committed transaction' : 'transaction that was rolled back'}.`,
  )
}

/**
 * The transaction's backend as its calls see it: refused once the transaction closed (P2028), nested
 * transactions (a nested write's) run in this one, and every other method the backend offers passes
 * through with the same check (a Proxy, so methods added to Backend later are covered too).
 */
function guarded(tx: Backend, state: TxState): Backend {
  const track = <T>(work: () => Promise<T>): Promise<T> => {
    if (state.status !== 'open') return Promise.reject(closedError(state, 'query'))
    const p = work()
    state.inflight.add(p)
    const done = () => state.inflight.delete(p)
    p.then(done, done)
    return p
  }
  const self: Backend = new Proxy(tx, {
    get(target, prop, receiver) {
      if (prop === 'transaction') return <T>(fn: (inner: Backend) => Promise<T>) => fn(self)
      if (prop === 'run') return (...a: Parameters<Backend['run']>) => track(() => target.run(...a))
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function' || prop === 'explain' || prop === 'ddl') return value
      // the Backend's other methods (and raw statements other modules add) are async: refused the same way
      return (...a: unknown[]) => {
        if (state.status !== 'open') return Promise.reject(closedError(state, 'query'))
        const out: unknown = (value as (...args: unknown[]) => unknown).apply(target, a)
        return out instanceof Promise ? track(() => out) : out
      }
    },
  })
  return self
}

const EXPIRED = Symbol('expired')

/**
 * Runs `body` in one backend transaction with Prisma's limits: it must start within `maxWait` (else P2028
 * "Unable to start a transaction in the given time.") and is rolled back after `timeout` (calls then fail
 * with P2028; `$transaction` rejects with P2028 once `body` settles, as Prisma's commit of an expired
 * transaction does).
 */
async function within<T>(
  backend: Backend,
  options: ReturnType<typeof checkOptions>,
  body: (tx: Backend) => Promise<T>,
): Promise<T> {
  const state: TxState = { status: 'open', startedAt: 0, timeout: options.timeout, inflight: new Set() }
  let abandoned = false
  let work: Promise<T> | undefined
  let waitTimer: ReturnType<typeof setTimeout> | undefined
  const waited = new Promise<never>((_, reject) => {
    waitTimer = setTimeout(() => {
      abandoned = true
      reject(transactionApiError('Unable to start a transaction in the given time.'))
    }, options.maxWait)
  })
  const run = backend.transaction(
    async (tx) => {
      clearTimeout(waitTimer)
      // maxWait passed before the connection came: roll back at once, the caller already has its P2028
      if (abandoned) throw transactionApiError('Unable to start a transaction in the given time.')
      state.startedAt = Date.now()
      let timer: ReturnType<typeof setTimeout> | undefined
      const expired = new Promise<typeof EXPIRED>((resolve) => {
        timer = setTimeout(() => {
          state.status = 'expired'
          void Promise.allSettled([...state.inflight]).then(() => resolve(EXPIRED))
        }, options.timeout)
      })
      try {
        work = body(guarded(tx, state))
        work.catch(() => {}) // observed below, or after the expiry
        const first = await Promise.race([work, expired])
        if (first === EXPIRED) throw EXPIRED
        return first as T
      } catch (e) {
        // calls still under way (a Promise.all whose other call failed) finish before the rollback, so it
        // covers them (ScyllaDB's undo log records a write only once it is done); no new ones start
        if (state.status === 'open') state.status = 'rolled back'
        await Promise.allSettled([...state.inflight])
        throw e
      } finally {
        clearTimeout(timer)
      }
    },
    options.isolationLevel ? { isolationLevel: options.isolationLevel } : {},
  )
  run.catch(() => {}) // a late start after maxWait rejects here, unobserved on purpose
  try {
    const result = await Promise.race([run, waited])
    state.status = 'committed'
    return result
  } catch (e) {
    if (state.status === 'open') state.status = 'rolled back'
    clearTimeout(waitTimer)
    if (e !== EXPIRED) throw e
    // as Prisma: the body's own error if it failed (a call after the expiry: P2028), else the commit's P2028
    if (work) await work
    throw closedError(state, 'commit')
  }
}

/**
 * `$transaction([calls], options)`: the calls run in order in one transaction, all or nothing; their results in
 * that order. Each must be a tandem call not yet run (VALIDATION otherwise, before anything runs).
 */
export function batchTransaction(backend: Backend, calls: unknown, options: unknown): Promise<unknown[]> {
  const checked = checkOptions(options)
  const lazy: LazyCall<unknown>[] = []
  ;(calls as unknown[]).forEach((c, i) => {
    const call = asLazyCall(c)
    if (!call)
      throw validationError(
        '$transaction',
        `element ${i} of the array is not a tandem call: all elements need to be model calls that were not ` +
          'awaited (db.model.method(args), without await)',
      )
    if (call.hasStarted)
      throw validationError(
        '$transaction',
        `element ${i} (${call.info.model}.${call.info.operation}) already ran: it was awaited or then'd before the ` +
          'transaction took it; pass calls that were not awaited',
      )
    lazy.push(call)
  })
  return within(backend, checked, async (tx) => {
    const results: unknown[] = []
    for (const call of lazy) results.push(await call.runIn(tx))
    return results
  })
}

/**
 * `$transaction(async (tx) => …, options)`: `fn` gets a client whose calls run in the transaction
 * (`clientOver(tx)`); its result is the transaction's.
 */
export function interactiveTransaction<C, T>(
  backend: Backend,
  fn: (tx: C) => Promise<T>,
  options: unknown,
  clientOver: (tx: Backend) => C,
): Promise<T> {
  const checked = checkOptions(options)
  return within(backend, checked, (tx) => fn(clientOver(tx)))
}

/** `$transaction` on a transaction's client: Prisma has no nested transactions either. */
export function nestedTransactionRefused(): Promise<never> {
  return Promise.reject(
    validationError(
      '$transaction',
      'transactions cannot be nested: inside $transaction(async (tx) => …) call tx.<model> directly',
    ),
  )
}

/** `$transaction(arg, options)`: the array form or the interactive form, by the argument. */
export function transactionOf<C>(
  backend: Backend,
  clientOver: (tx: Backend) => C,
): (arg: unknown, options?: unknown) => Promise<unknown> {
  return (arg, options) => {
    try {
      if (Array.isArray(arg)) return batchTransaction(backend, arg, options)
      if (typeof arg === 'function')
        return interactiveTransaction(backend, arg as (tx: C) => Promise<unknown>, options, clientOver)
      throw validationError('$transaction', 'pass an array of model calls or an async function (tx) => …')
    } catch (e) {
      return Promise.reject(e)
    }
  }
}
