import { createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb } from '../../src/index.js'
import { BACKENDS, openDb, uid, type BackendKind, type TestDb } from '../support/backends.js'
import { expectCode, randomUUID } from '../support/conformance-helpers.js'
import * as schema from '../support/schema.js'

const { layout, ...models } = schema

/** A client whose database is at 127.0.0.1:<port> (port 1: closed). */
function unreachable(backend: BackendKind, port = 1): TestDb {
  return createDb({
    schema: models,
    backend,
    postgres: { url: `postgres://tandem:tandem@127.0.0.1:${port}/tandem_test` },
    scylla: { contactPoints: [`127.0.0.1:${port}`], keyspace: 'tandem_test' },
    layout: layout as never,
  })
}

/** A TCP server that accepts connections and never answers: a database that hangs. */
async function blackhole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((s) => {
    sockets.add(s)
    s.on('error', () => {})
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Runs a call, returning how long it took to settle and the error it rejected with. */
async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = performance.now()
  let error: unknown
  try {
    await fn()
  } catch (e) {
    error = e
  }
  return { ms: performance.now() - started, error }
}

describe.each(BACKENDS)('availability on %s', (backend) => {
  let live: TestDb
  let dead: TestDb
  beforeAll(async () => {
    live = await openDb(backend)
    dead = unreachable(backend)
  })
  afterAll(async () => {
    await live?.$disconnect()
    await dead?.$disconnect().catch(() => {})
  })

  it('$health on the live server: { ok: true, backend, latencyMs }', async () => {
    const h = await live.$health()
    expect(h).toMatchObject({ ok: true, backend })
    expect(typeof h.latencyMs).toBe('number')
    expect(h.latencyMs).toBeGreaterThanOrEqual(0)
    expect(h.latencyMs).toBeLessThan(15_000)
    expect(live.$backend).toBe(backend)
  })

  it('a read against a closed port rejects with BACKEND_UNAVAILABLE in bounded time', async () => {
    const { ms, error } = await timed(() => dead.profile.findUnique({ where: { id: randomUUID() } }))
    expect(error).toBeInstanceOf(Error)
    expect((error as { code?: unknown }).code).toBe('BACKEND_UNAVAILABLE')
    expect((error as Error).message.length).toBeGreaterThan(0)
    expect(ms).toBeLessThan(15_000)
  }, 30_000)

  it('writes and $push against a closed port reject with BACKEND_UNAVAILABLE', async () => {
    await expectCode(dead.profile.create({ data: { userId: uid('u'), name: 'x' } }), 'BACKEND_UNAVAILABLE')
    await expectCode(
      dead.profile.updateMany({ where: { userId: uid('u') }, data: { name: 'y' } }),
      'BACKEND_UNAVAILABLE',
    )
    const { ms, error } = await timed(() => dead.$push())
    expect((error as { code?: unknown }).code).toBe('BACKEND_UNAVAILABLE')
    expect(ms).toBeLessThan(15_000)
  }, 60_000)

  it('$health against a closed port resolves { ok: false } (it does not throw)', async () => {
    const started = performance.now()
    const h = await dead.$health()
    expect(h.ok).toBe(false)
    expect(h.backend).toBe(backend)
    expect(typeof h.latencyMs).toBe('number')
    expect(performance.now() - started).toBeLessThan(15_000)
  }, 30_000)

  it('argument errors are raised before any I/O, even with no database', async () => {
    await expectCode(dead.profile.findMany({ where: { nope: 1 } as never }), 'VALIDATION')
    await expectCode(dead.profile.create({ data: { name: 'no user id' } as never }), 'VALIDATION')
    // a filter no key serves is refused by the planner (scylla) before connecting; postgres tries to connect
    const unkeyed = dead.profile.findMany({ where: { name: 'x' } })
    await expectCode(unkeyed, backend === 'scylla' ? 'UNSERVABLE_QUERY' : 'BACKEND_UNAVAILABLE')
  }, 30_000)

  it('explain needs no database: it runs nothing', async () => {
    const r = await dead.message.explain('findMany', {
      where: { channelId: randomUUID() },
      orderBy: { createdAt: 'desc' },
      take: 20,
    })
    expect(r.backend).toBe(backend)
    expect(r.statements.length).toBeGreaterThan(0)
    const w = await dead.profile.explain('create', { data: { userId: uid('u'), name: 'x' } })
    expect(w.statements.length).toBeGreaterThan(0)
  })

  it('the live client keeps working next to an unreachable one', async () => {
    const userId = uid('u')
    const p = await live.profile.create({ data: { userId, name: 'alive' } })
    await expectCode(dead.profile.findUnique({ where: { userId } }), 'BACKEND_UNAVAILABLE')
    expect(await live.profile.findUnique({ where: { userId } })).toEqual(p)
  }, 30_000)

  it('a database that accepts connections but never answers: BACKEND_UNAVAILABLE in bounded time, $health ok: false', async () => {
    const hole = await blackhole()
    const hung = unreachable(backend, hole.port)
    try {
      const { ms, error } = await timed(() => hung.profile.findUnique({ where: { id: randomUUID() } }))
      expect(error).toBeInstanceOf(Error)
      expect((error as { code?: unknown }).code).toBe('BACKEND_UNAVAILABLE')
      expect(ms).toBeLessThan(15_000)
      const started = performance.now()
      const h = await hung.$health()
      expect(h.ok).toBe(false)
      expect(performance.now() - started).toBeLessThan(15_000)
    } finally {
      await Promise.race([hung.$disconnect().catch(() => {}), new Promise((r) => setTimeout(r, 5000))])
      await hole.close()
    }
  }, 60_000)
})
