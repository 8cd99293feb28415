// Logging, events and tracing (createDb({ log, tracing }), db.$on): query events for every statement tandem
// sends on both backends (model calls, LWTs and lookups on ScyllaDB, raw statements), error and warn events,
// the stdout form, option validation, no telemetry at all when off, and OpenTelemetry spans through a minimal
// in-memory tracer provider registered with @opentelemetry/api.
import {
  trace,
  type Context,
  type Span,
  type SpanAttributes,
  type SpanAttributeValue,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { backendOf } from '../../src/create-db.js'
import { createDb, type LogEvent, type QueryEvent } from '../../src/index.js'
import type { PostgresBackend } from '../../src/postgres/postgres-backend.js'
import { BACKENDS, testUrl, TEST_NODE_LWT_SETTLE_MS, uid, type BackendKind } from '../support/backends.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema

function open(backend: BackendKind, extra: Record<string, unknown>) {
  return createDb({
    schema: models,
    backend,
    postgres: { url: testUrl() },
    scylla: { keyspace: 'tandem_test', lwtSettleMs: TEST_NODE_LWT_SETTLE_MS },
    layout: layout as never,
    ...extra,
  })
}

/** A span as the test provider records it. */
class TestSpan implements Span {
  attributes: SpanAttributes = {}
  exceptions: unknown[] = []
  status: SpanStatus | undefined
  ended = false
  private readonly ctx: SpanContext
  constructor(
    readonly name: string,
    options: SpanOptions,
    readonly parent: TestSpan | undefined,
  ) {
    Object.assign(this.attributes, options.attributes ?? {})
    this.ctx = {
      traceId: '0'.repeat(31) + '1',
      spanId: Math.random().toString(16).slice(2, 18).padEnd(16, '0'),
      traceFlags: 1,
    }
  }
  spanContext(): SpanContext {
    return this.ctx
  }
  setAttribute(key: string, value: SpanAttributeValue): this {
    this.attributes[key] = value
    return this
  }
  setAttributes(attributes: SpanAttributes): this {
    Object.assign(this.attributes, attributes)
    return this
  }
  addEvent(): this {
    return this
  }
  addLink(): this {
    return this
  }
  addLinks(): this {
    return this
  }
  setStatus(status: SpanStatus): this {
    this.status = status
    return this
  }
  updateName(): this {
    return this
  }
  end(): void {
    this.ended = true
  }
  isRecording(): boolean {
    return !this.ended
  }
  recordException(exception: unknown): void {
    this.exceptions.push(exception)
  }
}

/** The smallest TracerProvider: every span kept in `spans`, its parent taken from the context passed in. */
class TestProvider implements TracerProvider {
  readonly spans: TestSpan[] = []
  getTracer(): Tracer {
    const start = (name: string, options: SpanOptions = {}, ctx?: Context): TestSpan => {
      const parent = ctx ? trace.getSpan(ctx) : undefined
      const span = new TestSpan(name, options, parent instanceof TestSpan ? parent : undefined)
      this.spans.push(span)
      return span
    }
    return {
      startSpan: start,
      startActiveSpan: ((name: string, ...rest: unknown[]) => {
        const fn = rest[rest.length - 1] as (span: Span) => unknown
        return fn(start(name))
      }) as Tracer['startActiveSpan'],
    }
  }
}

describe('log and tracing options are validated', () => {
  it('unknown levels, emit values, properties and a non-boolean tracing are VALIDATION naming them', () => {
    const bad: [unknown, string][] = [
      [{ log: ['queries'] }, 'queries'],
      [{ log: 'query' }, 'array'],
      [{ log: [{ emit: 'file', level: 'query' }] }, 'emit'],
      [{ log: [{ emit: 'event', level: 'debug' }] }, 'debug'],
      [{ log: [{ emit: 'event', level: 'query', color: true }] }, 'color'],
      [{ tracing: 'yes' }, 'tracing'],
    ]
    for (const [extra, named] of bad)
      expect(() => open('postgres', extra as Record<string, unknown>)).toThrow(
        expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining(named) }),
      )
  })

  it('$on refuses a level that is not enabled with emit: event, and unknown events', async () => {
    const plain = open('postgres', {})
    const some = open('postgres', { log: ['query', { emit: 'event', level: 'warn' }] })
    try {
      expect(() => plain.$on('query', () => {})).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
      expect(() => some.$on('query', () => {})).toThrow(
        expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining("emit: 'event'") }),
      )
      expect(() => some.$on('beforeExit' as never, () => {})).toThrow(expect.objectContaining({ code: 'VALIDATION' }))
      expect(() => some.$on('warn', () => {})).not.toThrow()
    } finally {
      await Promise.all([plain.$disconnect(), some.$disconnect()])
    }
  })
})

describe.each(BACKENDS)('events on %s', (backend) => {
  const queries: QueryEvent[] = []
  const errors: LogEvent[] = []
  let db: ReturnType<typeof open>
  beforeAll(async () => {
    db = open(backend, {
      log: [
        { emit: 'event', level: 'query' },
        { emit: 'event', level: 'error' },
      ],
    })
    await db.$push()
    db.$on('query', (e) => queries.push(e))
    db.$on('error', (e) => errors.push(e))
  })
  afterAll(() => db.$disconnect())
  afterEach(() => {
    queries.length = 0
    errors.length = 0
  })

  it('a query event per statement of a model call, with its text, params, duration, target and backend', async () => {
    const userId = uid('ev')
    const created = await db.profile.create({ data: { userId, name: 'Ev' } })
    const writes = queries.filter((q) => q.target === 'profile.create')
    expect(writes.length).toBeGreaterThan(0)
    for (const q of [...writes]) {
      expect(q.backend).toBe(backend)
      expect(typeof q.query).toBe('string')
      expect(q.query).toMatch(/INSERT/i)
      expect(q.duration).toBeGreaterThanOrEqual(0)
      expect(q.timestamp).toBeInstanceOf(Date)
      expect(JSON.parse(q.params)).toHaveLength(q.paramCount)
    }
    // the values are in params, never in the text
    expect(writes.some((q) => JSON.parse(q.params).includes(userId))).toBe(true)
    expect(writes.every((q) => !q.query.includes(userId))).toBe(true)
    if (backend === 'scylla') {
      // the unique value is claimed by an LWT in its lookup table, then the base row is written
      expect(writes.some((q) => /IF NOT EXISTS/.test(q.query) && q.query.includes('profile__by_user_id'))).toBe(true)
    }
    queries.length = 0
    await db.profile.findUnique({ where: { userId } })
    const reads = queries.filter((q) => q.target === 'profile.findUnique')
    expect(reads.length).toBeGreaterThan(0)
    expect(reads.every((q) => /SELECT/i.test(q.query))).toBe(true)
    queries.length = 0
    await db.profile.delete({ where: { id: created.id } })
    expect(queries.filter((q) => q.target === 'profile.delete').length).toBeGreaterThan(0)
  })

  it('a nested write (run in a transaction on PostgreSQL, an undo log on ScyllaDB) reports every statement', async () => {
    await db.profile.create({
      data: { userId: uid('nest'), name: 'N', servers: { create: [{ name: 'S', inviteCode: uid('inv') }] } },
    })
    const mine = queries.filter((q) => q.target === 'profile.create')
    expect(mine.some((q) => /INSERT INTO "?(\w+"\.")?profile"? /i.test(q.query))).toBe(true)
    expect(mine.some((q) => /INSERT INTO "?(\w+"\.")?server"? /i.test(q.query))).toBe(true)
  })

  it('raw statements are query events too (target the method)', async () => {
    if (backend === 'postgres') await db.$queryRaw`SELECT ${1}::int AS one`
    else await db.$cql`SELECT release_version FROM system.local WHERE key = ${'local'}`
    const raw = queries.filter((q) => q.target === (backend === 'postgres' ? '$queryRaw' : '$cql'))
    expect(raw).toHaveLength(1)
    expect(raw[0]).toMatchObject({ backend, paramCount: 1 })
    expect(raw[0]!.query).toContain(backend === 'postgres' ? '$1' : '?')
  })

  it('a failed call is an error event naming the call; its statement is a query event with the error', async () => {
    const userId = uid('dup')
    await db.profile.create({ data: { userId, name: 'A' } })
    errors.length = 0
    await expect(db.profile.create({ data: { userId, name: 'B' } })).rejects.toMatchObject({ code: 'P2002' })
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ target: 'profile.create', message: expect.stringContaining('Unique constraint') })
    expect(errors[0]!.timestamp).toBeInstanceOf(Date)
    const failing = backend === 'postgres' ? db.$queryRaw`SELEC 1` : db.$cql`SELEC 1`
    await expect(failing).rejects.toMatchObject({ code: 'P2010' })
    expect(errors[1]).toMatchObject({ target: backend === 'postgres' ? '$queryRaw' : '$cql' })
    expect(queries.some((q) => q.query === 'SELEC 1' && typeof q.error === 'string')).toBe(true)
  })

  it("log: ['query'] prints each statement to stdout as Prisma does (tandem:query <text>)", async () => {
    const printed = open(backend, { log: ['query'] })
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    try {
      await printed.profile.findMany({ where: { userId: uid('none') } })
      const lines = spy.mock.calls.map((c) => String(c[0])).filter((line) => line.startsWith('tandem:query '))
      expect(lines.length).toBeGreaterThan(0)
      expect(lines[0]).toMatch(/^tandem:query SELECT.*\n$/is)
    } finally {
      spy.mockRestore()
      await printed.$disconnect()
    }
  })

  it('without log or tracing, nothing is wrapped: the executors have no telemetry', async () => {
    const quiet = open(backend, {})
    try {
      await quiet.profile.findMany({ where: { userId: uid('q') } })
      const b = backendOf(quiet)
      const telemetry =
        backend === 'postgres'
          ? (b as PostgresBackend).sql.telemetry
          : (b as unknown as { telemetry: unknown }).telemetry
      expect(telemetry).toBeUndefined()
      // the model clients are the delegates themselves (no proxy)
      expect(quiet.profile.constructor.name).toBe('ModelDelegate')
      expect(Object.getPrototypeOf(quiet.profile)).not.toBe(Object.prototype)
    } finally {
      await quiet.$disconnect()
    }
  })
})

describe('warn events', () => {
  it('the start-up fallback says it fell back through warn (scylla unreachable → postgres)', async () => {
    const warns: LogEvent[] = []
    const db = createDb({
      schema: models,
      backend: 'scylla',
      fallback: 'postgres',
      postgres: { url: testUrl() },
      scylla: { keyspace: 'tandem_test', contactPoints: ['127.0.0.1:1'], connectTimeoutMs: 500 },
      layout: layout as never,
      log: [{ emit: 'event', level: 'warn' }],
    })
    db.$on('warn', (e) => warns.push(e))
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true)
    try {
      await db.profile.findMany({ where: { userId: uid('fb') } })
      // the driver's own connection warnings come the same way; the fallback's message is among them
      const fell = warns.filter((w) => w.message.includes('running on the postgres fallback'))
      expect(fell).toHaveLength(1)
      expect(fell[0]).toMatchObject({ target: 'scylla' })
      expect(fell[0]!.timestamp).toBeInstanceOf(Date)
      // it went to the event, not also to stderr
      expect(stderr.mock.calls.some((c) => String(c[0]).includes('fallback'))).toBe(false)
    } finally {
      stderr.mockRestore()
      await db.$disconnect()
    }
  })
})

/** registered once for the file (a global provider can be set once per process) */
const provider = new TestProvider()

describe.each(BACKENDS)('tracing on %s', (backend) => {
  let db: ReturnType<typeof open>
  beforeAll(async () => {
    if (backend === BACKENDS[0]) expect(trace.setGlobalTracerProvider(provider)).toBe(true)
    db = open(backend, { tracing: true })
    await db.$push()
  })
  afterAll(() => db.$disconnect())

  it('one span per model call with child spans per statement; errors recorded on the span', async () => {
    const spans = provider.spans
    spans.length = 0
    const userId = uid('tr')
    await db.profile.create({ data: { userId, name: 'T' } })
    const call = spans.find((s) => s.name === 'tandem.profile.create')
    expect(call).toBeDefined()
    expect(call!.attributes).toMatchObject({
      'db.system': backend === 'postgres' ? 'postgresql' : 'cassandra',
      'db.operation': 'create',
      'db.collection.name': 'profile',
    })
    expect(call!.ended).toBe(true)
    const children = spans.filter((s) => s.parent === call)
    expect(children.length).toBeGreaterThan(0)
    for (const c of children) {
      expect(c.name).toBe('tandem.db_query')
      expect(String(c.attributes['db.query.text'])).toMatch(/INSERT/i)
      expect(c.ended).toBe(true)
    }
    spans.length = 0
    await expect(db.profile.create({ data: { userId, name: 'T2' } })).rejects.toMatchObject({ code: 'P2002' })
    const failed = spans.find((s) => s.name === 'tandem.profile.create')!
    expect(failed.status?.code).toBe(2) // SpanStatusCode.ERROR
    expect(failed.exceptions).toHaveLength(1)
    expect(failed.attributes['tandem.error.code']).toBe('P2002')
  })

  it('a traced call stays lazy: $transaction takes it, runs it once in the transaction, and spans it', async () => {
    const spans = provider.spans
    spans.length = 0
    const userId = uid('trx')
    const first = db.profile.create({ data: { userId, name: 'A' } })
    expect(spans).toHaveLength(0) // built, not run
    // the second call fails (same userId): the first one's write must be undone
    await expect(db.$transaction([first, db.profile.create({ data: { userId, name: 'B' } })])).rejects.toMatchObject({
      code: 'P2002',
    })
    expect(await db.profile.findUnique({ where: { userId } })).toBeNull()
    expect(spans.filter((s) => s.name === 'tandem.profile.create')).toHaveLength(2)
    const [made] = await db.$transaction([db.profile.create({ data: { userId, name: 'C' } })])
    expect(made).toMatchObject({ userId, name: 'C' })
  })
})
