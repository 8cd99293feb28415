// Relation features of the contract (API.md: `include` with nesting and `_count`, relation filters, nested
// writes in `data`), over the conformance schema and its Drizzle `relations` exports (test/support/schema.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, openDb, uid, type TestDb } from '../support/backends.js'
import { byId, ids, sortedIds } from '../support/conformance-helpers.js'

describe.each(BACKENDS)('relations on %s', (backend) => {
  let db: TestDb
  let close: () => Promise<void>
  beforeAll(async () => {
    const opened = await openDb(backend)
    close = () => opened.$disconnect()
    db = opened
  })
  afterAll(async () => {
    await close?.()
  })

  /** profile → server → (member, two channels) → messages in the first channel. */
  async function world() {
    const profile = await db.profile.create({ data: { userId: uid('u'), name: 'Owner' } })
    const server = await db.server.create({ data: { name: 'Srv', inviteCode: uid('inv'), profileId: profile.id } })
    const member = await db.member.create({ data: { profileId: profile.id, serverId: server.id, role: 'ADMIN' } })
    const text = await db.channel.create({ data: { name: 'text', serverId: server.id, type: 'TEXT' } })
    const audio = await db.channel.create({ data: { name: 'audio', serverId: server.id, type: 'AUDIO' } })
    const messages = []
    for (let i = 0; i < 3; i++) {
      messages.push(
        await db.message.create({
          data: {
            content: `m${i}`,
            memberId: member.id,
            channelId: text.id,
            createdAt: new Date(Date.UTC(2024, 0, 1, 0, i)),
            deleted: i === 2,
          },
        }),
      )
    }
    return { profile, server, member, text, audio, messages }
  }

  it('include a one-to-many relation', async () => {
    const w = await world()
    const ch = await db.channel.findUnique({ where: { id: w.text.id }, include: { messages: true } })
    expect(ch).toMatchObject({ id: w.text.id, name: 'text' })
    expect(byId(ch!.messages)).toEqual(byId(w.messages))
    const empty = await db.channel.findUnique({ where: { id: w.audio.id }, include: { messages: true } })
    expect(empty!.messages).toEqual([])
  })

  it('include many-to-one relations', async () => {
    const w = await world()
    const m = await db.message.findUnique({
      where: { id: w.messages[0]!.id },
      include: { member: true, channel: true },
    })
    expect(m!.member).toEqual(w.member)
    expect(m!.channel).toEqual(w.text)
    expect(m!.content).toBe('m0')
  })

  it('nested include with orderBy and take inside', async () => {
    const w = await world()
    const s = await db.server.findUnique({
      where: { id: w.server.id },
      include: {
        channels: { orderBy: { name: 'desc' }, include: { messages: { orderBy: { createdAt: 'desc' }, take: 2 } } },
        profile: true,
      },
    })
    expect(s!.profile).toEqual(w.profile)
    expect(s!.channels.map((c) => c.name)).toEqual(['text', 'audio'])
    expect(ids(s!.channels[0]!.messages)).toEqual(ids([w.messages[2]!, w.messages[1]!]))
    expect(s!.channels[1]!.messages).toEqual([])
  })

  it('include _count of a relation', async () => {
    const w = await world()
    const chans = await db.channel.findMany({
      where: { serverId: w.server.id },
      orderBy: { name: 'asc' },
      include: { _count: { select: { messages: true } } },
    })
    expect(chans.map((c: { name: string; _count: { messages: number } }) => [c.name, c._count.messages])).toEqual([
      ['audio', 0],
      ['text', 3],
    ])
  })

  it('select a relation with its own select', async () => {
    const w = await world()
    const p = await db.profile.findUnique({
      where: { id: w.profile.id },
      select: { name: true, servers: { select: { name: true, inviteCode: true } } },
    })
    expect(p).toEqual({ name: 'Owner', servers: [{ name: 'Srv', inviteCode: w.server.inviteCode }] })
  })

  it('relation filters: some, none, every', async () => {
    const w = await world()
    const some = await db.channel.findMany({ where: { serverId: w.server.id, messages: { some: { deleted: true } } } })
    expect(ids(some)).toEqual([w.text.id])
    const none = await db.channel.findMany({ where: { serverId: w.server.id, messages: { none: {} } } })
    expect(ids(none)).toEqual([w.audio.id])
    const every = await db.channel.findMany({
      where: { serverId: w.server.id, messages: { every: { deleted: false } } },
    })
    expect(ids(every)).toEqual([w.audio.id]) // vacuously true for the channel without messages
  })

  it('relation filters on a to-one relation: is / isNot', async () => {
    const w = await world()
    const guest = await db.profile.create({ data: { userId: uid('u'), name: 'Guest' } })
    const gm = await db.member.create({ data: { profileId: guest.id, serverId: w.server.id, role: 'GUEST' } })
    const gmsg = await db.message.create({ data: { content: 'hi', memberId: gm.id, channelId: w.text.id } })
    const byAdmins = await db.message.findMany({ where: { channelId: w.text.id, member: { is: { role: 'ADMIN' } } } })
    expect(sortedIds(byAdmins)).toEqual(sortedIds(w.messages))
    const notAdmins = await db.message.findMany({
      where: { channelId: w.text.id, member: { isNot: { role: 'ADMIN' } } },
    })
    expect(ids(notAdmins)).toEqual([gmsg.id])
  })

  it('nested create in data, returned with include', async () => {
    const userId = uid('u')
    const invite = uid('inv')
    const p = await db.profile.create({
      data: { userId, name: 'Nested', servers: { create: [{ name: 'S1', inviteCode: invite }] } },
      include: { servers: true },
    })
    expect(p.userId).toBe(userId)
    expect(p.servers).toHaveLength(1)
    expect(p.servers[0]).toMatchObject({ name: 'S1', inviteCode: invite, profileId: p.id })
    expect((await db.server.findUnique({ where: { inviteCode: invite } }))!.profileId).toBe(p.id)
  })

  it('nested connect in data', async () => {
    const w = await world()
    const other = await db.profile.create({ data: { userId: uid('u'), name: 'Joiner' } })
    const m = await db.member.create({
      data: {
        role: 'MODERATOR',
        profile: { connect: { id: other.id } },
        server: { connect: { inviteCode: w.server.inviteCode } },
      },
    })
    expect(m).toMatchObject({ profileId: other.id, serverId: w.server.id, role: 'MODERATOR' })
  })
})
