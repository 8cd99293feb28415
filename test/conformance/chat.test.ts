// The chat-application scenario of issue 3 on both backends: every step of test/support/chat-scenario.ts runs
// in order (one `it` per step, sharing the scenario's state), each with its own assertions on results and error
// codes. The same steps are compared against Prisma 7 in test/oracle/chat-oracle.test.ts.
//
// Then, on ScyllaDB: an `include` over many parent rows costs no more statements (explain) and no more round
// trips (waves of concurrent driver calls, counted on the real run) than over two.
import cassandra from 'cassandra-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { chatState, chatSteps, type ChatClient } from '../support/chat-scenario.js'

describe.each(BACKENDS)('chat application on %s', (backend) => {
  let db: TestDb
  const s = chatState(uid('chat'))
  beforeAll(async () => {
    db = await openDb(backend)
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  // Steps run in order and build on each other. A step whose calls throw unexpectedly leaves the shared state
  // incomplete, so the steps after it fail at once; a step whose assertions fail does not stop the others.
  let broken: string | undefined
  for (const step of chatSteps) {
    it(step.name, async () => {
      if (broken) throw new Error(`not run: an earlier step threw (${broken})`)
      let r: Record<string, unknown>
      try {
        r = await step.run(db as unknown as ChatClient, s)
      } catch (e) {
        broken = step.name
        throw e
      }
      step.check(r, s)
    })
  }
})

// ---------------------------------------------------------------------------------------------- round trips

type Statement = { text: string; table?: string; note?: string }
type Explainable = { explain(method: string, args: unknown): Promise<{ backend: string; statements: Statement[] }> }

/** Counts driver calls and waves (a wave starts when a call is issued while none is in flight). */
function countRoundTrips() {
  const proto = cassandra.Client.prototype as unknown as Record<
    'execute' | 'batch',
    (...a: unknown[]) => Promise<unknown>
  >
  const original = { execute: proto.execute, batch: proto.batch }
  const counts = { calls: 0, waves: 0 }
  let inFlight = 0
  for (const name of ['execute', 'batch'] as const) {
    proto[name] = function (this: unknown, ...a: unknown[]) {
      counts.calls++
      if (inFlight++ === 0) counts.waves++
      return original[name].apply(this, a).finally(() => {
        inFlight--
      })
    }
  }
  return { counts, restore: () => Object.assign(proto, original) }
}

describe('include over N parent rows on scylla: grouped reads, not one per parent', () => {
  let db: TestDb
  beforeAll(async () => {
    db = await openDb('scylla')
  })
  afterAll(async () => {
    await db?.$disconnect()
  })

  /** A server with `n` members (each with a profile and one message) and `n` channels. */
  async function serverWith(n: number) {
    const owner = await db.profile.create({ data: { userId: uid('rt'), name: 'owner' } })
    const server = await db.server.create({ data: { name: `S${n}`, inviteCode: uid('rt-inv'), profileId: owner.id } })
    const channels = []
    for (let i = 0; i < n; i++) channels.push(await db.channel.create({ data: { name: `c${i}`, serverId: server.id } }))
    const members = []
    for (let i = 0; i < n; i++) {
      const p = await db.profile.create({ data: { userId: uid('rt'), name: `p${i}` } })
      const m = await db.member.create({ data: { profileId: p.id, serverId: server.id } })
      await db.message.create({
        data: {
          content: `hi ${i}`,
          memberId: m.id,
          channelId: channels[i]!.id,
          createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
        },
      })
      members.push(m)
    }
    return { owner, server, channels, members }
  }

  let small: Awaited<ReturnType<typeof serverWith>>
  let large: Awaited<ReturnType<typeof serverWith>>
  beforeAll(async () => {
    small = await serverWith(2)
    large = await serverWith(20)
  }, 180_000)

  /**
   * Each call is one chain of reads (no relations loaded side by side), so its round trips are a fixed number
   * of waves: the parents' reads, then one wave per relation level.
   */
  const calls = (w: { server: { id: string }; channels: { id: string }[] }) =>
    ({
      // parents from the server's foreign-key lookup; a to-one include (profile point reads, issued together)
      memberProfile: ['member', 'findMany', { where: { serverId: w.server.id }, include: { profile: true } }],
      // a to-many include through the related table's foreign-key lookup (message.memberId)
      memberMessages: [
        'member',
        'findMany',
        { where: { serverId: w.server.id }, include: { messages: { orderBy: { createdAt: 'desc' } } } },
      ],
      // a to-many include keyed by the related table's partition key (message.channelId), nested to-one includes below it
      channelFeed: [
        'channel',
        'findMany',
        {
          where: { serverId: w.server.id },
          include: { messages: { include: { member: { include: { profile: true } } } } },
        },
      ],
      // a to-many include with take inside: one read per parent, issued together
      channelLatest: [
        'channel',
        'findMany',
        { where: { serverId: w.server.id }, include: { messages: { orderBy: { createdAt: 'desc' }, take: 1 } } },
      ],
      // _count of a relation
      channelCount: [
        'channel',
        'findMany',
        { where: { serverId: w.server.id }, include: { _count: { select: { messages: true } } } },
      ],
      // parents given by key (the channels' ids, an `in` on the primary key), each with its server
      byKey: ['channel', 'findMany', { where: { id: { in: w.channels.map((c) => c.id) } }, include: { server: true } }],
    }) as Record<string, [string, string, Record<string, unknown>]>

  /** A call loading several relations side by side (explain only: their waves may overlap on a real run). */
  const combined = (w: { server: { id: string } }): [string, string, Record<string, unknown>] => [
    'server',
    'findUnique',
    {
      where: { id: w.server.id },
      include: {
        channels: { include: { messages: true, _count: true } },
        members: { include: { profile: true, messages: true } },
        profile: true,
      },
    },
  ]

  it('explain shows the same statements for 2 parents and for 20', async () => {
    type Call = [string, string, Record<string, unknown>]
    const a: Record<string, Call> = { ...calls(small), combined: combined(small) }
    const b: Record<string, Call> = { ...calls(large), combined: combined(large) }
    for (const key of Object.keys(a)) {
      const [model, method, args] = a[key]!
      const [, , argsLarge] = b[key]!
      const delegate = (db as unknown as Record<string, Explainable>)[model]!
      const two = await delegate.explain(method, args)
      const twenty = await delegate.explain(method, argsLarge)
      expect(two.backend).toBe('scylla')
      expect(two.statements.length, key).toBeGreaterThan(1)
      expect(twenty.statements.length, `${key}: statements for 20 parents vs 2`).toBe(two.statements.length)
      expect(
        twenty.statements.map((st) => [st.text, st.table]),
        key,
      ).toEqual(two.statements.map((st) => [st.text, st.table]))
    }
  })

  it('the real run takes as many round trips (waves of concurrent reads) for 20 parents as for 2, with the right rows', async () => {
    const run = async (w: typeof small) => {
      const out: Record<string, { waves: number; calls: number; rows: any[] }> = {}
      for (const [key, [model, method, args]] of Object.entries(calls(w))) {
        const probe = countRoundTrips()
        let rows: any[]
        try {
          rows = await (db as unknown as Record<string, Record<string, (a: unknown) => Promise<any[]>>>)[model]![
            method
          ]!(args)
        } finally {
          probe.restore()
        }
        out[key] = { ...probe.counts, rows }
      }
      return out
    }
    const two = await run(small)
    const twenty = await run(large)

    // results: every parent got its own related rows
    for (const r of [two, twenty]) {
      for (const m of r.memberProfile!.rows) expect(m.profile.id).toBe(m.profileId)
      for (const m of r.memberMessages!.rows) expect(m.messages.map((x: any) => x.memberId)).toEqual([m.id])
      for (const ch of r.channelFeed!.rows) {
        expect(ch.messages.map((x: any) => x.channelId)).toEqual([ch.id])
        expect(ch.messages[0].member.profile.id).toBe(ch.messages[0].member.profileId)
      }
      for (const ch of r.channelLatest!.rows) expect(ch.messages.map((x: any) => x.channelId)).toEqual([ch.id])
      for (const ch of r.channelCount!.rows) expect(ch._count).toEqual({ messages: 1 })
    }
    for (const key of ['memberProfile', 'memberMessages', 'channelFeed', 'channelLatest', 'channelCount']) {
      expect(two[key]!.rows, key).toHaveLength(2)
      expect(twenty[key]!.rows, key).toHaveLength(20)
    }
    expect(twenty.byKey!.rows.map((c: any) => c.server.id)).toEqual(Array(20).fill(large.server.id))
    expect(two.byKey!.rows).toHaveLength(2)

    for (const key of Object.keys(two)) {
      expect(two[key]!.waves, `${key}: waves for 2 parents`).toBeGreaterThan(0)
      expect(
        twenty[key]!.waves,
        `${key}: round trips for 20 parents (${twenty[key]!.calls} calls) vs 2 (${two[key]!.calls} calls)`,
      ).toBe(two[key]!.waves)
    }
  })
})
