// Helpers shared by the conformance tests (test/conformance/*.test.ts): fixture chains that satisfy the
// PostgreSQL foreign keys (profile → server → member/channel → message), error assertions and sorting.
import { randomUUID } from 'node:crypto'
import { expect } from 'vitest'
import { uid, type BackendKind, type TestDb } from './backends.js'

export { randomUUID }

export const OTHER: Record<BackendKind, BackendKind> = { postgres: 'scylla', scylla: 'postgres' }

/** A profile, a server it owns, a member (the profile in the server) and a channel of the server. */
export async function makeChannel(db: TestDb, opts: { role?: 'ADMIN' | 'MODERATOR' | 'GUEST' } = {}) {
  const profile = await db.profile.create({ data: { userId: uid('u'), name: 'Owner' } })
  const server = await db.server.create({ data: { name: 'Srv', inviteCode: uid('inv'), profileId: profile.id } })
  const member = await db.member.create({
    data: { profileId: profile.id, serverId: server.id, role: opts.role ?? 'ADMIN' },
  })
  const channel = await db.channel.create({ data: { name: 'general', serverId: server.id } })
  return { profile, server, member, channel }
}

/** `count` messages in one channel with distinct, explicit createdAt values (base + i seconds). */
export async function makeMessages(
  db: TestDb,
  ch: { member: { id: string }; channel: { id: string } },
  count: number,
  base = Date.UTC(2024, 0, 1),
) {
  const rows = []
  for (let i = 0; i < count; i++) {
    rows.push(
      await db.message.create({
        data: {
          content: `m${i}`,
          memberId: ch.member.id,
          channelId: ch.channel.id,
          createdAt: new Date(base + i * 1000),
        },
      }),
    )
  }
  return rows
}

/** Rejects with an Error carrying the given string `code`; returns the error for further checks. */
export async function expectCode(
  promise: Promise<unknown>,
  code: string,
): Promise<Error & { code: string; meta?: unknown }> {
  let thrown: unknown
  try {
    await promise
  } catch (e) {
    thrown = e
  }
  expect(thrown, `expected a rejection with code ${code}`).toBeInstanceOf(Error)
  const err = thrown as Error & { code: string }
  expect(typeof err.code).toBe('string')
  expect(err.code, err.message).toBe(code)
  expect(err.message.length).toBeGreaterThan(0)
  return err
}

export const byId = <T extends { id: string }>(rows: readonly T[]): T[] =>
  [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
export const ids = (rows: readonly { id: string }[]): string[] => rows.map((r) => r.id)
export const sortedIds = (rows: readonly { id: string }[]): string[] => ids(rows).sort()
