import { asLazyCall } from '../adapter/lazy-call.js'
import { MODEL_METHODS } from '../adapter/model-methods.js'
import type { Telemetry } from './telemetry.js'

/** The model methods a call is made of (explain sends nothing; tandem's internal methods are not calls). */
const CALLS: ReadonlySet<string> = new Set(MODEL_METHODS)

/**
 * A model client whose calls run through `telemetry.call` (target `<model>.<method>`, span
 * `tandem.<model>.<method>`, an 'error' event on failure). Made only when the client has telemetry that
 * watches calls; otherwise createDb hands out the delegates themselves. The wrappers are made once per method.
 * @example watchedClient(delegate, 'profile', 'profile', telemetry, () => backend.kind)
 */
export function watchedClient<C extends object>(
  client: C,
  model: string,
  table: string,
  telemetry: Telemetry,
  system: () => 'postgres' | 'scylla',
): C {
  const wrapped = new Map<PropertyKey, unknown>()
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver)
      if (typeof value !== 'function' || typeof prop !== 'string' || !CALLS.has(prop)) return value
      let w = wrapped.get(prop)
      if (!w) {
        const fn = value as (...args: unknown[]) => Promise<unknown>
        const attrs = () => ({ system: system(), operation: prop, collection: table })
        w = (...args: unknown[]) => {
          const made = fn.apply(target, args)
          // a lazy call stays lazy (a transaction may take it); the span covers its run
          const call = asLazyCall(made)
          if (call) return call.around((run) => telemetry.call(`${model}.${prop}`, attrs(), run))
          return telemetry.call(`${model}.${prop}`, attrs(), () => made)
        }
        wrapped.set(prop, w)
      }
      return w
    },
  })
}
