// The slice of @opentelemetry/api tandem uses, typed structurally so that neither tandem's code nor its
// published declarations need the package: it is an optional peer, loaded only when `tracing: true`.

export type SpanAttributes = Record<string, string | number | boolean>

export interface OtelSpan {
  setAttribute(key: string, value: string | number | boolean): unknown
  recordException(exception: Error | string): void
  setStatus(status: { code: number; message?: string }): unknown
  end(): void
}

export interface OtelTracer {
  startSpan(name: string, options?: { kind?: number; attributes?: SpanAttributes }, context?: unknown): OtelSpan
}

export interface OtelApi {
  trace: {
    getTracer(name: string, version?: string): OtelTracer
    setSpan(context: unknown, span: OtelSpan): unknown
  }
  context: {
    active(): unknown
    with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
      context: unknown,
      fn: F,
      thisArg?: unknown,
      ...args: A
    ): ReturnType<F>
  }
}

/** SpanKind.CLIENT and SpanStatusCode.ERROR of @opentelemetry/api (stable numbers of the specification). */
export const SPAN_KIND_CLIENT = 2
export const SPAN_KIND_INTERNAL = 0
export const STATUS_ERROR = 2

/**
 * Loads @opentelemetry/api if the application has it; undefined when it is missing or fails to load
 * (tracing is then silently off, as with Prisma when no tracer is registered).
 */
export async function loadOtel(): Promise<OtelApi | undefined> {
  try {
    // a variable specifier, so bundlers and tsc do not require the optional peer
    const name = '@opentelemetry/api'
    const api = (await import(name)) as Partial<OtelApi> & { default?: Partial<OtelApi> }
    const m = api.trace ? api : api.default
    return m?.trace && m.context ? (m as OtelApi) : undefined
  } catch {
    return undefined
  }
}
