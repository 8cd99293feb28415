// Differential oracle for the chat-application scenario (test/support/chat-scenario.ts): the same steps, with the
// same seeds, run through tandem (PostgreSQL backend) and through Prisma 7, and are compared step by step.
//
// The scenario runs whole on tandem, then (after the rows are cleaned) whole on Prisma, with the same run
// prefix and the same ids fixed in advance. For every step, the call results (including `{ error: code }` of
// the calls expected to fail) and the rows left afterwards must be equal. As in oracle.test.ts, only
// representation is normalized (fromPrisma), and generated uuids and fresh timestamps become placeholders
// (`<uuid1>`, `<now>`) on both sides, numbered by first appearance within each run. The scenario's own
// assertions (the ones chat.test.ts makes on both backends) must also hold for Prisma's results.
//
// Run: npx vitest run test/oracle   (generates the Prisma client first if missing or stale)
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, testUrl, uid, type TestDb } from '../support/backends.js'
import { chatState, chatSteps, knownIds, type ChatClient } from '../support/chat-scenario.js'
import { attempt, fromPrisma, placeholders, show, strip, type AnyClient, type Outcome } from './oracle-support.js'
import type { OraclePrisma } from './prisma-oracle.js'

let db: TestDb
let prisma: OraclePrisma
const differences: string[] = []

interface StepRun {
  result: Outcome & { message?: string }
  rows: unknown
  /** the scenario's own assertions on this client's result: undefined when they hold */
  checkFailure?: string
}

/** Every row of the run, read through Prisma in an order that does not depend on generated ids. */
async function snapshot(T: string): Promise<Record<string, unknown>> {
  const p = prisma as unknown as AnyClient
  const mine = { profile: { userId: { startsWith: T } } }
  const inServer = { server: mine }
  return fromPrisma({
    profile: await p.profile!.findMany!({ where: { userId: { startsWith: T } }, orderBy: { userId: 'asc' } }),
    server: await p.server!.findMany!({ where: mine, orderBy: { inviteCode: 'asc' } }),
    member: await p.member!.findMany!({
      where: inServer,
      orderBy: [{ server: { inviteCode: 'asc' } }, { profileId: 'asc' }],
    }),
    channel: await p.channel!.findMany!({
      where: inServer,
      orderBy: [{ server: { inviteCode: 'asc' } }, { name: 'asc' }],
    }),
    message: await p.message!.findMany!({
      where: { channel: inServer },
      orderBy: [{ createdAt: 'asc' }, { content: 'asc' }],
    }),
    conversation: await p.conversation!.findMany!({
      where: { memberOne: inServer },
      orderBy: [
        { memberOne: { server: { inviteCode: 'asc' } } },
        { memberOne: { profileId: 'asc' } },
        { memberTwo: { profileId: 'asc' } },
      ],
    }),
    directMessage: await p.directMessage!.findMany!({
      where: { member: inServer },
      orderBy: [{ createdAt: 'asc' }, { content: 'asc' }],
    }),
  }) as Record<string, unknown>
}

async function cleanup(T: string): Promise<void> {
  // cascades to servers, members, channels, messages, conversations and direct messages
  await (prisma as unknown as AnyClient).profile!.deleteMany!({ where: { userId: { startsWith: T } } })
}

/** The whole scenario on one client: per step, its normalized outcome and the rows after it. */
async function runScenario(client: ChatClient, isPrisma: boolean, T: string, ids: string[]): Promise<StepRun[]> {
  await cleanup(T)
  const state = chatState(T, ids)
  const known = new Set(knownIds(state).map((id) => id.toLowerCase()))
  const since = Date.now() - 1000
  const seen = new Map<string, string>()
  const out: StepRun[] = []
  try {
    for (const step of chatSteps) {
      const raw = await attempt(() => step.run(client, state))
      const value = 'value' in raw ? (isPrisma ? fromPrisma(raw.value) : raw.value) : undefined
      let checkFailure: string | undefined
      try {
        if (!('value' in raw)) throw new Error(`the step threw ${raw.error}: ${raw.message}`)
        step.check(value, state)
      } catch (e) {
        checkFailure = (e as Error).message
      }
      const result = 'value' in raw ? { value: placeholders(value, known, since, seen) } : raw
      out.push({ result, rows: placeholders(await snapshot(T), known, since, seen), checkFailure })
    }
  } finally {
    await cleanup(T)
  }
  return out
}

describe('differential oracle: the chat scenario, tandem vs Prisma 7 on PostgreSQL', () => {
  let tandemRun: StepRun[]
  let prismaRun: StepRun[]
  beforeAll(async () => {
    execFileSync(process.execPath, [fileURLToPath(new URL('./generate.mjs', import.meta.url)), '--if-stale'], {
      stdio: 'inherit',
    })
    db = await openDb('postgres')
    const { openPrisma } = await import('./prisma-oracle.js')
    prisma = openPrisma(testUrl())
    const T = `${uid('chat-oracle')}:`
    const ids = Array.from({ length: 7 }, () => randomUUID())
    tandemRun = await runScenario(db as unknown as ChatClient, false, T, ids)
    prismaRun = await runScenario(prisma as unknown as ChatClient, true, T, ids)
  }, 180_000)
  afterAll(async () => {
    if (differences.length)
      console.log(
        `\n${differences.length} difference(s) between tandem and Prisma in the chat scenario:\n\n${differences.join('\n\n')}\n`,
      )
    await prisma?.$disconnect()
    await db?.$disconnect()
  })

  chatSteps.forEach((step, i) => {
    it(`step ${i + 1}: ${step.name}`, () => {
      const tandem = tandemRun[i]!
      const oracle = prismaRun[i]!
      for (const [what, t, o] of [
        ['result', strip(tandem.result), strip(oracle.result)],
        ['rows after', tandem.rows, oracle.rows],
      ] as const) {
        try {
          expect(t).toEqual(o)
        } catch (err) {
          differences.push(
            `✗ step ${i + 1}: ${step.name}\n  ${what} prisma: ${show(o)}\n  ${what} tandem: ${show(t)}${'error' in tandem.result && tandem.result.message ? `\n  tandem message: ${tandem.result.message}` : ''}${'error' in oracle.result && oracle.result.message ? `\n  prisma message: ${oracle.result.message}` : ''}`,
          )
          throw err
        }
      }
      // the scenario's own assertions (which chat.test.ts runs on both backends) hold for Prisma
      expect(oracle.checkFailure, "the scenario's assertions on Prisma's result").toBeUndefined()
    })
  })
})
