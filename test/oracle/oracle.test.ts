// Differential oracle: the same Prisma-style call through tandem (PostgreSQL backend) and through Prisma 7
// (client generated from ./schema.prisma, @prisma/adapter-pg) against the same database, compared call by
// call: results deep-equal, failing calls with the same error code.
//
// Reads run both clients over one shared fixture (seeded through Prisma, scoped by a per-run prefix).
// Writes are replayed: seed → tandem call → snapshot → clean → same seed → Prisma call → snapshot → clean,
// then results and snapshots are compared. Generated uuids and fresh timestamps are replaced by
// placeholders (`<uuid1>`, `<now>`) on both sides; seeded ids and dates are fixed, so they compare as is.
//
// Representation only is normalized, on Prisma's side, to tandem's (Drizzle's) documented forms:
//   Decimal (sample.price, numeric(12,2))   → string with the column's scale, e.g. '10.00'
//   BigInt of sample.big (Drizzle mode 'number') → number  (sample.huge is mode 'bigint': compared as bigint)
//   DateTime of sample.day (@db.Date; Drizzle date mode 'string') → 'YYYY-MM-DD'
// Errors compare by code: Prisma's known request errors by their P-code, PrismaClientValidationError as
// 'VALIDATION' (tandem's code for arguments that do not fit the schema).
//
// Run: npx vitest run test/oracle   or   npm run oracle   (generates the client first if missing or stale)
// It runs in `npm test` (and so in CI). Deliberate differences are listed in KNOWN_DIFFERENCES with the reason.
import { execFileSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { inspect } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, testUrl, uid, type TestDb } from '../support/backends.js'
import type { OraclePrisma } from './prisma-oracle.js'
import {
  attempt,
  fromPrisma,
  placeholders,
  show,
  strip,
  type AnyClient,
  type Args,
  type Outcome,
} from './oracle-support.js'

type Model = 'profile' | 'server' | 'member' | 'channel' | 'message' | 'sample' | 'setting' | 'event'
/** tandem model (Drizzle export name) → Prisma client delegate (Prisma model name, first letter lowercased). */
const PRISMA_DELEGATE: Record<Model, string> = {
  profile: 'profile',
  server: 'server',
  member: 'member',
  channel: 'channel',
  message: 'message',
  sample: 'sample',
  setting: 'setting',
  event: 'event',
}

let db: TestDb
let prisma: OraclePrisma
let fx: Fixture
const differences: string[] = []

const RELATIONS = 'relations (include, relation filters, nested writes) are not implemented yet'
const TIES =
  "rows tied in orderBy: Prisma keeps the database's order of the tie, tandem breaks it by the primary key (order of ties is unspecified)"
const LIKE =
  'tandem matches % and _ literally; Prisma passes them to LIKE/ILIKE as wildcards (prisma/prisma#19506, #10810)'
/**
 * Calls where tandem knowingly differs from Prisma 7. They still run, and must still differ: when either
 * side changes, the entry has to be looked at again (and removed once they agree).
 */
const KNOWN_DIFFERENCES: Record<string, string> = {
  'profile.findMany: contains/endsWith with _ and % in the operand': LIKE,
  "profile.findMany: contains with a backslash-escaped _ (Prisma docs' way to match it literally)": LIKE,
  'profile.findMany: equals, mode insensitive, with _ in the operand': LIKE,
  'sample.findMany: varchar contains %': LIKE,
  'setting.findMany: cursor, orderBy with ties at the cursor (desc)': TIES,
}

/** Asserts equality (or, for a known difference, that it persists); records a readable difference first. */
function same(
  name: string,
  call: string,
  tandem: Outcome & { message?: string },
  oracle: Outcome & { message?: string },
  what = 'result',
) {
  const known = KNOWN_DIFFERENCES[name]
  if (known) {
    expect(strip(tandem), `known difference no longer differs, remove it from KNOWN_DIFFERENCES: ${name}`).not.toEqual(
      strip(oracle),
    )
    return
  }
  try {
    expect(strip(tandem)).toEqual(strip(oracle))
  } catch (err) {
    differences.push(
      `✗ ${name}\n  call:   ${call}\n  ${what} prisma: ${show(oracle)}\n  ${what} tandem: ${show(tandem)}`,
    )
    throw err
  }
}

const tandemOf = (model: Model) => (db as unknown as AnyClient)[model]!
const prismaOf = (model: Model) => (prisma as unknown as AnyClient)[PRISMA_DELEGATE[model]]!
const callText = (model: Model, method: string, args: unknown) =>
  `${model}.${method}(${inspect(args, { depth: 8, breakLength: Infinity })})`

// ---------------------------------------------------------------------------------------------- fixture

const d = (iso: string) => new Date(iso)
const OLD = d('2020-01-01T00:00:00.000Z')

interface Fixture {
  R: string
  p: string[]
  s: string[]
  m: string[]
  c: string[]
  msg: string[]
  smp: string[]
  ev: string[]
}

async function seedFixture(pr: OraclePrisma): Promise<Fixture> {
  const R = `${uid('oracle')}:` // the ':' keeps `startsWith: R` from matching another run's longer prefix
  const ids = (n: number) => Array.from({ length: n }, () => randomUUID())
  const f: Fixture = { R, p: ids(6), s: ids(2), m: ids(5), c: ids(3), msg: ids(4), smp: ids(6), ev: ids(6) }
  const P = pr as unknown as AnyClient
  const profiles: [string, string | null, string | null, string][] = [
    ['Ada', 'ada@x.io', 'http://img/ada', '2024-01-01T00:00:00.000Z'],
    ['alan', null, null, '2024-01-02T00:00:00.000Z'],
    ['Grace', 'GRACE@X.io', null, '2024-01-02T00:00:00.000Z'],
    ['ada lovelace', null, 'http://img/al', '2024-01-03T00:00:00.000Z'],
    ['Émile', 'emile@x.io', null, '2024-01-04T00:00:00.000Z'],
    ['Zed_100%', 'zed@x.io', null, '2024-01-04T00:00:00.000Z'],
  ]
  await P.profile!.createMany!({
    data: profiles.map(([name, email, imageUrl, at], i) => ({
      id: f.p[i],
      userId: `${R}-p${i}`,
      name,
      email,
      imageUrl,
      createdAt: d(at),
      updatedAt: d(at),
    })),
  })
  await P.server!.createMany!({
    data: [
      {
        id: f.s[0],
        name: 'Alpha',
        inviteCode: `${R}-inv0`,
        profileId: f.p[0],
        createdAt: d('2024-02-01T00:00:00.000Z'),
      },
      {
        id: f.s[1],
        name: 'Beta',
        inviteCode: `${R}-inv1`,
        profileId: f.p[2],
        createdAt: d('2024-02-02T00:00:00.000Z'),
      },
    ],
  })
  const members: [number, number, string][] = [
    [0, 0, 'ADMIN'],
    [1, 0, 'GUEST'],
    [2, 0, 'MODERATOR'],
    [2, 1, 'ADMIN'],
    [3, 1, 'GUEST'],
  ]
  await P.member!.createMany!({
    data: members.map(([pi, si, role], i) => ({
      id: f.m[i],
      profileId: f.p[pi],
      serverId: f.s[si],
      role,
      createdAt: d(`2024-02-0${i + 1}T00:00:00.000Z`),
    })),
  })
  await P.channel!.createMany!({
    data: [
      { id: f.c[0], name: 'general', type: 'TEXT', serverId: f.s[0], createdAt: OLD },
      { id: f.c[1], name: 'voice', type: 'AUDIO', serverId: f.s[0], createdAt: OLD },
      { id: f.c[2], name: 'general', type: 'TEXT', serverId: f.s[1], createdAt: OLD },
    ],
  })
  await P.message!.createMany!({
    data: [
      {
        id: f.msg[0],
        content: 'hello',
        fileUrl: null,
        memberId: f.m[0],
        channelId: f.c[0],
        deleted: false,
        createdAt: d('2024-03-01T00:00:00.000Z'),
        updatedAt: OLD,
      },
      {
        id: f.msg[1],
        content: 'hi there',
        fileUrl: 'http://f/1',
        memberId: f.m[1],
        channelId: f.c[0],
        deleted: false,
        createdAt: d('2024-03-02T00:00:00.000Z'),
        updatedAt: OLD,
      },
      {
        id: f.msg[2],
        content: 'bye',
        fileUrl: null,
        memberId: f.m[2],
        channelId: f.c[1],
        deleted: true,
        createdAt: d('2024-03-02T00:00:00.000Z'),
        updatedAt: OLD,
      },
      {
        id: f.msg[3],
        content: 'Hello again',
        fileUrl: null,
        memberId: f.m[3],
        channelId: f.c[2],
        deleted: false,
        createdAt: d('2024-03-03T00:00:00.000Z'),
        updatedAt: OLD,
      },
    ],
  })
  await P.sample!.createMany!({
    data: [
      {
        id: f.smp[0],
        group: R,
        label: 'a',
        count: 5,
        big: 10,
        huge: 9007199254740993n,
        flag: true,
        ratio: 0.5,
        score: 1.25,
        price: '10.00',
        at: d('2024-03-01T10:00:00.123Z'),
        day: d('2024-03-01'),
        doc: { a: 1 },
        docb: { k: 'v', n: [1, 2] },
        role: 'ADMIN',
        code: `${R}-c0`,
      },
      {
        id: f.smp[1],
        group: R,
        label: 'b',
        count: 5,
        big: 20,
        huge: -5n,
        flag: false,
        ratio: 1.5,
        score: -2.5,
        price: '99.99',
        at: d('2024-03-02T00:00:00.000Z'),
        day: d('2024-03-02'),
        doc: [1, 2],
        docb: { k: 'w' },
        role: 'GUEST',
        code: `${R}-c1`,
      },
      { id: f.smp[2], group: R, label: null, count: 0 },
      {
        id: f.smp[3],
        group: R,
        label: 'a%b_c',
        count: 7,
        big: 30,
        huge: 0n,
        flag: true,
        ratio: 2.25,
        score: 1e10,
        price: '0.01',
        at: d('2024-03-03T00:00:00.000Z'),
        day: d('2024-03-03'),
        doc: 'str',
        docb: 42,
        role: 'MODERATOR',
        code: `${R}-c3`,
      },
      {
        id: f.smp[4],
        group: R,
        label: 'A',
        count: 1,
        big: -1,
        flag: null,
        score: 0,
        price: '-3.50',
        role: null,
        slug: 'custom',
      },
      {
        id: f.smp[5],
        group: R,
        label: 'ab',
        count: 7,
        big: 9007199254740991,
        huge: -(2n ** 63n),
        flag: false,
        ratio: -0.25,
        price: '9999999999.99',
        day: d('1999-12-31'),
        docb: [],
        role: 'ADMIN',
        code: `${R}-c5`,
      },
    ],
  })
  await P.setting!.createMany!({
    data: [1, 2, 3, 4, 5, 6].map((i) => ({ scope: R, key: `k${i}`, value: `v${i}`, version: i % 2 })),
  })
  const kinds = ['a', 'b', 'a', 'c', 'b', 'a']
  await P.event!.createMany!({
    data: kinds.map((kind, i) => ({
      id: f.ev[i],
      stream: R,
      seq: i + 1,
      kind,
      payload: { i },
      at: d(`2024-04-0${i + 1}T00:00:00.000Z`),
    })),
  })
  return f
}

// ---------------------------------------------------------------------------------------------- read cases

interface ReadCase {
  name: string
  model: Model
  method: string
  args: (f: Fixture) => Args
}
const byUser = { userId: 'asc' }
const P = (f: Fixture) => ({ userId: { startsWith: f.R } })

const readCases: ReadCase[] = [
  // unique lookups
  {
    name: 'findUnique by unique field',
    model: 'profile',
    method: 'findUnique',
    args: (f) => ({ where: { userId: `${f.R}-p0` } }),
  },
  {
    name: 'findUnique by id with select',
    model: 'profile',
    method: 'findUnique',
    args: (f) => ({ where: { id: f.p[1] }, select: { name: true, email: true } }),
  },
  {
    name: 'findUnique missing → null',
    model: 'profile',
    method: 'findUnique',
    args: (f) => ({ where: { userId: `${f.R}-nobody` } }),
  },
  {
    name: 'findUniqueOrThrow missing → P2025',
    model: 'profile',
    method: 'findUniqueOrThrow',
    args: (f) => ({ where: { userId: `${f.R}-nobody` } }),
  },
  {
    name: 'findFirstOrThrow no match → P2025',
    model: 'profile',
    method: 'findFirstOrThrow',
    args: (f) => ({ where: { ...P(f), name: 'nobody' } }),
  },
  {
    name: 'findUnique extended unique where, extra filter fails → null',
    model: 'profile',
    method: 'findUnique',
    args: (f) => ({ where: { userId: `${f.R}-p0`, name: 'Nope' } }),
  },
  {
    name: 'findUnique composite primary key',
    model: 'setting',
    method: 'findUnique',
    args: (f) => ({ where: { scope_key: { scope: f.R, key: 'k2' } } }),
  },
  {
    name: 'findUnique compound unique',
    model: 'member',
    method: 'findUnique',
    args: (f) => ({ where: { profileId_serverId: { profileId: f.p[2], serverId: f.s[1] } } }),
  },
  {
    name: 'findUnique compound unique with a nullable field',
    model: 'sample',
    method: 'findUnique',
    args: (f) => ({ where: { group_label: { group: f.R, label: 'b' } } }),
  },
  {
    name: 'findUnique nullable unique field',
    model: 'sample',
    method: 'findUnique',
    args: (f) => ({ where: { code: `${f.R}-c3` } }),
  },
  {
    name: 'findUnique every column type',
    model: 'sample',
    method: 'findUnique',
    args: (f) => ({ where: { id: f.smp[0] } }),
  },
  {
    name: 'findUnique select across types',
    model: 'sample',
    method: 'findUnique',
    args: (f) => ({
      where: { id: f.smp[5] },
      select: { big: true, huge: true, price: true, day: true, docb: true, ratio: true },
    }),
  },
  // scalar filters on strings (nullable and required)
  {
    name: 'equals',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), name: { equals: 'Ada' } }, orderBy: byUser }),
  },
  {
    name: 'shorthand equals',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), name: 'alan' }, orderBy: byUser }),
  },
  {
    name: 'not on a required field',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), name: { not: 'Ada' } }, orderBy: byUser }),
  },
  {
    name: 'not on a nullable field (NULL rows)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), email: { not: 'ada@x.io' } },
      orderBy: byUser,
      select: { userId: true, email: true },
    }),
  },
  {
    name: 'not: null',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), email: { not: null } }, orderBy: byUser, select: { userId: true } }),
  },
  {
    name: 'equals null (shorthand)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), email: null }, orderBy: byUser, select: { userId: true } }),
  },
  {
    name: 'equals: null',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), email: { equals: null } }, orderBy: byUser, select: { userId: true } }),
  },
  {
    name: 'NOT {} on a nullable field (NULL rows)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), NOT: { email: 'ada@x.io' } }, orderBy: byUser, select: { userId: true } }),
  },
  {
    name: 'NOT [list]',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), NOT: [{ email: null }, { name: { startsWith: 'Z' } }] },
      orderBy: byUser,
      select: { userId: true },
    }),
  },
  {
    name: 'not: { nested filter }',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), name: { not: { startsWith: 'a' } } },
      orderBy: byUser,
      select: { userId: true },
    }),
  },
  {
    name: 'not: { nested filter } on a nullable field',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), email: { not: { contains: 'x.io' } } },
      orderBy: byUser,
      select: { userId: true },
    }),
  },
  {
    name: 'in',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), name: { in: ['Ada', 'Grace', 'nobody'] } },
      orderBy: byUser,
      select: { userId: true },
    }),
  },
  {
    name: 'notIn on a nullable field (NULL rows)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), email: { notIn: ['ada@x.io'] } }, orderBy: byUser, select: { userId: true } }),
  },
  {
    name: 'in: [] matches nothing',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), name: { in: [] } }, orderBy: byUser }),
  },
  {
    name: 'notIn: [] matches everything',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), name: { notIn: [] } }, orderBy: byUser, select: { userId: true } }),
  },
  {
    name: 'contains (case-sensitive)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), name: { contains: 'a' } }, orderBy: byUser, select: { name: true } }),
  },
  {
    name: 'contains, mode insensitive',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), name: { contains: 'ADA', mode: 'insensitive' } },
      orderBy: byUser,
      select: { name: true },
    }),
  },
  {
    name: 'startsWith, mode insensitive',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), name: { startsWith: 'a', mode: 'insensitive' } },
      orderBy: byUser,
      select: { name: true },
    }),
  },
  {
    name: 'startsWith insensitive, non-ASCII',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), name: { startsWith: 'émi', mode: 'insensitive' } },
      orderBy: byUser,
      select: { name: true },
    }),
  },
  {
    name: 'endsWith',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), name: { endsWith: 'ce' } }, orderBy: byUser, select: { name: true } }),
  },
  {
    name: 'equals, mode insensitive',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), email: { equals: 'grace@x.io', mode: 'insensitive' } },
      orderBy: byUser,
      select: { email: true },
    }),
  },
  {
    name: 'in, mode insensitive',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), email: { in: ['GRACE@x.io', 'ADA@X.IO'], mode: 'insensitive' } },
      orderBy: byUser,
      select: { email: true },
    }),
  },
  // Prisma puts the operand into LIKE/ILIKE unescaped (prisma/orm#19506, #10810): % and _ are wildcards, and its
  // docs tell users to escape them with a backslash. These cases record that.
  {
    name: 'contains/endsWith with _ and % in the operand',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), OR: [{ name: { contains: '_1' } }, { name: { endsWith: '%' } }, { name: { contains: 'a_' } }] },
      orderBy: byUser,
      select: { name: true },
    }),
  },
  {
    name: "contains with a backslash-escaped _ (Prisma docs' way to match it literally)",
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), name: { contains: '\\_' } }, orderBy: byUser, select: { name: true } }),
  },
  {
    name: 'equals, mode insensitive, with _ in the operand',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), email: { equals: 'grace@x_io', mode: 'insensitive' } },
      orderBy: byUser,
      select: { email: true },
    }),
  },
  {
    name: 'OR',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), OR: [{ name: 'Ada' }, { email: null }] },
      orderBy: byUser,
      select: { userId: true },
    }),
  },
  {
    name: 'AND with nested NOT',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), AND: [{ email: { not: null } }, { NOT: { name: { contains: 'a', mode: 'insensitive' } } }] },
      orderBy: byUser,
      select: { name: true },
    }),
  },
  {
    name: 'OR: [] matches nothing',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), OR: [] }, orderBy: byUser }),
  },
  {
    name: 'AND: [] and NOT: [] match everything',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), AND: [], NOT: [] }, orderBy: byUser, select: { userId: true } }),
  },
  {
    name: 'undefined filter values are ignored',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), name: undefined, email: { equals: undefined } },
      orderBy: byUser,
      select: { userId: true },
    }),
  },
  {
    name: 'gte/lt on timestamps',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), createdAt: { gte: d('2024-01-02T00:00:00.000Z'), lt: d('2024-01-04T00:00:00.000Z') } },
      orderBy: byUser,
      select: { userId: true, createdAt: true },
    }),
  },
  // other column types
  {
    name: 'int gt/lte',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, count: { gt: 1, lte: 7 } },
      orderBy: { id: 'asc' },
      select: { id: true, count: true },
    }),
  },
  {
    name: 'int lt/gte',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, count: { lt: 7, gte: 1 } },
      orderBy: { id: 'asc' },
      select: { id: true, count: true },
    }),
  },
  {
    name: 'decimal gte/lt (string and number operands)',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, price: { gte: '10', lt: 100 } },
      orderBy: { id: 'asc' },
      select: { id: true, price: true },
    }),
  },
  {
    name: 'bigint (mode number) in',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, big: { in: [10, 30, 9007199254740991] } },
      orderBy: { id: 'asc' },
      select: { id: true, big: true },
    }),
  },
  {
    name: 'bigint (mode bigint) gt beyond 2^53',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, huge: { gt: 9007199254740992n } },
      orderBy: { id: 'asc' },
      select: { id: true, huge: true },
    }),
  },
  {
    name: 'bigint (mode bigint) lte minimum',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, huge: { lte: -5n } },
      orderBy: { id: 'asc' },
      select: { id: true, huge: true },
    }),
  },
  {
    name: 'boolean equals',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({ where: { group: f.R, flag: true }, orderBy: { id: 'asc' }, select: { id: true } }),
  },
  {
    name: 'boolean not true (NULL rows)',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, flag: { not: true } },
      orderBy: { id: 'asc' },
      select: { id: true, flag: true },
    }),
  },
  {
    name: 'real/double comparisons',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, OR: [{ ratio: { gte: 1.5 } }, { score: { lt: 0 } }] },
      orderBy: { id: 'asc' },
      select: { id: true, ratio: true, score: true },
    }),
  },
  {
    name: 'timestamp equals with milliseconds',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({ where: { group: f.R, at: d('2024-03-01T10:00:00.123Z') }, select: { id: true, at: true } }),
  },
  {
    name: 'timestamp gt',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, at: { gt: d('2024-03-01T10:00:00.123Z') } },
      orderBy: { id: 'asc' },
      select: { id: true },
    }),
  },
  {
    name: 'date lte (Date operand)',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, day: { lte: d('2024-03-02') } },
      orderBy: { id: 'asc' },
      select: { id: true, day: true },
    }),
  },
  {
    name: 'enum in',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, role: { in: ['ADMIN', 'MODERATOR'] } },
      orderBy: { id: 'asc' },
      select: { id: true, role: true },
    }),
  },
  {
    name: 'enum not (NULL rows)',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, role: { not: 'ADMIN' } },
      orderBy: { id: 'asc' },
      select: { id: true, role: true },
    }),
  },
  {
    name: 'varchar contains %',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({ where: { group: f.R, label: { contains: '%' } }, select: { label: true } }),
  },
  {
    name: 'varchar startsWith, mode insensitive',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R, label: { startsWith: 'a', mode: 'insensitive' } },
      orderBy: { label: 'asc' },
      select: { label: true },
    }),
  },
  {
    name: 'json (not jsonb) equals',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({ where: { group: f.R, doc: { equals: [1, 2] } }, select: { id: true } }),
  },
  {
    name: 'jsonb equals',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({ where: { group: f.R, docb: { equals: { k: 'v', n: [1, 2] } } }, select: { id: true } }),
  },
  {
    name: 'unknown field in where → VALIDATION',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), nope: 1 } }),
  },
  {
    name: 'bad enum value in where → VALIDATION',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({ where: { group: f.R, role: 'OWNER' } }),
  },
  // select / omit / orderBy
  {
    name: 'omit',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: P(f), orderBy: byUser, omit: { email: true, imageUrl: true, updatedAt: true } }),
  },
  {
    name: 'orderBy two fields with ties',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: P(f),
      orderBy: [{ createdAt: 'desc' }, { name: 'asc' }],
      select: { name: true, createdAt: true },
    }),
  },
  {
    name: 'orderBy nullable asc (default nulls)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: P(f),
      orderBy: [{ email: 'asc' }, { userId: 'asc' }],
      select: { userId: true, email: true },
    }),
  },
  {
    name: 'orderBy nullable desc (default nulls)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: P(f),
      orderBy: [{ email: 'desc' }, { userId: 'asc' }],
      select: { userId: true, email: true },
    }),
  },
  {
    name: 'orderBy nulls first',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: P(f),
      orderBy: [{ email: { sort: 'asc', nulls: 'first' } }, { userId: 'asc' }],
      select: { userId: true, email: true },
    }),
  },
  {
    name: 'orderBy desc nulls last',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: P(f),
      orderBy: [{ email: { sort: 'desc', nulls: 'last' } }, { userId: 'asc' }],
      select: { userId: true, email: true },
    }),
  },
  {
    name: 'orderBy decimal desc nulls last',
    model: 'sample',
    method: 'findMany',
    args: (f) => ({
      where: { group: f.R },
      orderBy: { price: { sort: 'desc', nulls: 'last' } },
      select: { id: true, price: true },
    }),
  },
  {
    name: 'orderBy text is code-point (C collation)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: P(f), orderBy: { name: 'asc' }, select: { name: true } }),
  },
  // take / skip
  {
    name: 'take + skip',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: P(f), orderBy: byUser, take: 2, skip: 1, select: { userId: true } }),
  },
  {
    name: 'negative take',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: P(f), orderBy: byUser, take: -2, select: { userId: true } }),
  },
  {
    name: 'negative take + skip',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: P(f), orderBy: byUser, take: -2, skip: 1, select: { userId: true } }),
  },
  {
    name: 'skip past the end',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: P(f), orderBy: byUser, skip: 10 }),
  },
  { name: 'take: 0', model: 'profile', method: 'findMany', args: (f) => ({ where: P(f), orderBy: byUser, take: 0 }) },
  {
    name: 'findFirst with orderBy desc',
    model: 'profile',
    method: 'findFirst',
    args: (f) => ({ where: P(f), orderBy: { name: 'desc' } }),
  },
  {
    name: 'findFirst with skip',
    model: 'profile',
    method: 'findFirst',
    args: (f) => ({ where: P(f), orderBy: byUser, skip: 2, select: { userId: true } }),
  },
  {
    name: 'findFirst with negative take (last row)',
    model: 'profile',
    method: 'findFirst',
    args: (f) => ({ where: P(f), orderBy: byUser, take: -1, select: { userId: true } }),
  },
  // cursor pagination
  {
    name: 'cursor (orderBy the cursor key)',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({
      where: { scope: f.R },
      orderBy: { key: 'asc' },
      cursor: { scope_key: { scope: f.R, key: 'k2' } },
      take: 2,
    }),
  },
  {
    name: 'cursor + skip 1',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({
      where: { scope: f.R },
      orderBy: { key: 'asc' },
      cursor: { scope_key: { scope: f.R, key: 'k2' } },
      skip: 1,
      take: 2,
    }),
  },
  {
    name: 'cursor + negative take',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({
      where: { scope: f.R },
      orderBy: { key: 'asc' },
      cursor: { scope_key: { scope: f.R, key: 'k3' } },
      take: -2,
    }),
  },
  {
    name: 'cursor, orderBy non-unique + unique (total order)',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({
      where: { scope: f.R },
      orderBy: [{ version: 'asc' }, { key: 'desc' }],
      cursor: { scope_key: { scope: f.R, key: 'k4' } },
      take: 4,
    }),
  },
  // Prisma 7 sends no tie-breaker: `WHERE version >= (cursor's version) ORDER BY version` without LIMIT, then in
  // memory drops the rows before the cursor row *in the order the database returned them* and takes `take`.
  // Rows tied with the cursor are kept or dropped by that (unspecified) order, not by any key.
  {
    name: 'cursor, orderBy with ties at the cursor (asc)',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({
      where: { scope: f.R },
      orderBy: { version: 'asc' },
      cursor: { scope_key: { scope: f.R, key: 'k4' } },
      take: 5,
    }),
  },
  {
    name: 'cursor, orderBy with ties at the cursor (desc)',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({
      where: { scope: f.R },
      orderBy: { version: 'desc' },
      cursor: { scope_key: { scope: f.R, key: 'k3' } },
      take: 5,
    }),
  },
  {
    name: 'cursor without orderBy (implicit primary-key order)',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({ where: { scope: f.R }, cursor: { scope_key: { scope: f.R, key: 'k3' } }, take: 2 }),
  },
  {
    name: 'negative take without orderBy (implicit primary-key order)',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({ where: { scope: f.R }, take: -2 }),
  },
  {
    name: 'cursor that matches no row',
    model: 'setting',
    method: 'findMany',
    args: (f) => ({
      where: { scope: f.R },
      orderBy: { key: 'asc' },
      cursor: { scope_key: { scope: f.R, key: 'zz' } },
      take: 2,
    }),
  },
  // Prisma 7 filters `seq >= cursor's seq` in SQL, then looks for the cursor row in the result: absent → [].
  {
    name: 'cursor row excluded by where',
    model: 'event',
    method: 'findMany',
    args: (f) => ({
      where: { stream: f.R, kind: 'a' },
      orderBy: { seq: 'asc' },
      cursor: { id: f.ev[1] },
      take: 3,
      select: { seq: true },
    }),
  },
  {
    name: 'findFirst with cursor',
    model: 'event',
    method: 'findFirst',
    args: (f) => ({
      where: { stream: f.R },
      orderBy: { seq: 'desc' },
      cursor: { id: f.ev[3] },
      skip: 1,
      select: { seq: true },
    }),
  },
  // count
  { name: 'count with where', model: 'profile', method: 'count', args: (f) => ({ where: { ...P(f), email: null } }) },
  { name: 'count with take', model: 'profile', method: 'count', args: (f) => ({ where: P(f), take: 2 }) },
  { name: 'count with skip', model: 'profile', method: 'count', args: (f) => ({ where: P(f), skip: 4 }) },
  {
    name: 'count with select (_all and a nullable field)',
    model: 'profile',
    method: 'count',
    args: (f) => ({ where: P(f), select: { _all: true, email: true } }),
  },
  {
    name: 'count events by kind',
    model: 'event',
    method: 'count',
    args: (f) => ({ where: { stream: f.R, kind: { in: ['a', 'c'] } } }),
  },
  // relations (API.md: relation filters, include with nesting and _count)
  {
    name: 'relation filter: some',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), members: { some: { role: 'ADMIN' } } },
      orderBy: byUser,
      select: { userId: true },
    }),
  },
  {
    name: 'relation filter: every (vacuous for none)',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({
      where: { ...P(f), members: { every: { role: 'ADMIN' } } },
      orderBy: byUser,
      select: { userId: true },
    }),
  },
  {
    name: 'relation filter: none',
    model: 'profile',
    method: 'findMany',
    args: (f) => ({ where: { ...P(f), servers: { none: {} } }, orderBy: byUser, select: { userId: true } }),
  },
  {
    name: 'relation filter: to-one',
    model: 'member',
    method: 'findMany',
    args: (f) => ({
      where: { profile: { ...P(f), name: 'Grace' } },
      orderBy: { createdAt: 'asc' },
      select: { id: true, role: true },
    }),
  },
  {
    name: 'include to-many with orderBy',
    model: 'profile',
    method: 'findUnique',
    args: (f) => ({ where: { id: f.p[2] }, include: { members: { orderBy: { createdAt: 'asc' } }, servers: true } }),
  },
  {
    name: 'include _count',
    model: 'server',
    method: 'findMany',
    args: (f) => ({
      where: { inviteCode: { startsWith: f.R } },
      orderBy: { inviteCode: 'asc' },
      include: { _count: { select: { members: true, channels: true } } },
    }),
  },
  {
    name: 'nested select through relations',
    model: 'message',
    method: 'findMany',
    args: (f) => ({
      where: { channel: { server: { inviteCode: { startsWith: f.R } } } },
      orderBy: { createdAt: 'asc' },
      select: { content: true, member: { select: { role: true, profile: { select: { name: true } } } } },
    }),
  },
]

// ---------------------------------------------------------------------------------------------- write cases

interface Tag {
  T: string
  ids: string[]
}
interface WriteCase {
  name: string
  model: Model
  method: string
  seed?: (p: AnyClient, t: Tag) => Promise<unknown>
  args: (t: Tag) => Args
  /** Models whose scoped rows are compared after the call (default: the call's model). */
  snapshot?: Model[]
}

const seedProfiles = (n: number) => (p: AnyClient, t: Tag) =>
  p.profile!.createMany!({
    data: Array.from({ length: n }, (_, i) => ({
      id: t.ids[i],
      userId: `${t.T}-p${i}`,
      name: `n${i}`,
      email: i % 2 ? null : `e${i}@x.io`,
      createdAt: OLD,
      updatedAt: OLD,
    })),
  })
const seedServerAndMember = async (p: AnyClient, t: Tag) => {
  await seedProfiles(2)(p, t)
  await p.server!.create!({
    data: { id: t.ids[5], name: 'srv', inviteCode: `${t.T}-inv`, profileId: t.ids[0], createdAt: OLD },
  })
  await p.member!.create!({
    data: { id: t.ids[6], profileId: t.ids[1], serverId: t.ids[5], role: 'GUEST', createdAt: OLD },
  })
}
const seedSettings = (p: AnyClient, t: Tag) =>
  p.setting!.createMany!({
    data: [1, 2, 3].map((i) => ({ scope: t.T, key: `k${i}`, value: `v${i}`, version: i * 10 + 1 })),
  })
const seedSamples = (p: AnyClient, t: Tag) =>
  p.sample!.createMany!({
    data: [
      {
        id: t.ids[0],
        group: t.T,
        label: 'a',
        code: `${t.T}-a`,
        count: 7,
        big: 100,
        huge: 2n ** 62n,
        price: '10.25',
        score: 1.5,
        ratio: 0.5,
      },
      {
        id: t.ids[1],
        group: t.T,
        label: 'b',
        code: `${t.T}-b`,
        count: -7,
        big: -3,
        huge: -1n,
        price: '-0.75',
        score: -3,
        ratio: 4,
      },
    ],
  })

const writeCases: WriteCase[] = [
  // create
  {
    name: 'create with defaults (id, timestamps, nullable fields)',
    model: 'profile',
    method: 'create',
    args: (t) => ({ data: { userId: `${t.T}-new`, name: 'New' } }),
  },
  {
    name: 'create with select',
    model: 'profile',
    method: 'create',
    args: (t) => ({
      data: { userId: `${t.T}-new`, name: 'New', email: 'n@x.io' },
      select: { userId: true, email: true, imageUrl: true },
    }),
  },
  {
    name: 'create with explicit id and dates',
    model: 'profile',
    method: 'create',
    args: (t) => ({
      data: {
        id: t.ids[7],
        userId: `${t.T}-new`,
        name: 'New',
        createdAt: d('2023-05-06T07:08:09.010Z'),
        updatedAt: d('2023-05-06T07:08:09.010Z'),
      },
    }),
  },
  {
    name: 'create with column defaults (int default, $defaultFn, enum default)',
    model: 'sample',
    method: 'create',
    args: (t) => ({ data: { group: t.T, label: 'x' } }),
  },
  {
    name: 'create with every column type',
    model: 'sample',
    method: 'create',
    args: (t) => ({
      data: {
        id: t.ids[7],
        group: t.T,
        label: 'all',
        count: -2147483648,
        big: -9007199254740991,
        huge: 2n ** 63n - 1n,
        flag: false,
        ratio: 0.25,
        score: 1 / 3,
        price: '1234567890.12',
        at: d('2024-12-31T23:59:59.999Z'),
        day: d('2024-02-29'),
        doc: { nested: { a: [1, 'x', null, true] } },
        docb: ['z', { y: 2 }],
        role: 'MODERATOR',
        code: `${t.T}-all`,
        slug: 'explicit',
      },
    }),
  },
  {
    name: 'create with an enum default',
    model: 'member',
    method: 'create',
    seed: async (p, t) => {
      await seedProfiles(2)(p, t)
      await p.server!.create!({
        data: { id: t.ids[5], name: 's', inviteCode: `${t.T}-inv`, profileId: t.ids[0], createdAt: OLD },
      })
    },
    args: (t) => ({ data: { profileId: t.ids[1], serverId: t.ids[5] } }),
    snapshot: ['member'],
  },
  {
    name: 'create with an int outside 32 bits (Prisma 7: P2020 from the database)',
    model: 'sample',
    method: 'create',
    args: (t) => ({ data: { group: t.T, count: 2147483648 } }),
  },
  {
    name: 'create without a required field → VALIDATION',
    model: 'profile',
    method: 'create',
    args: (t) => ({ data: { userId: `${t.T}-new` } }),
  },
  {
    name: 'create duplicate unique → P2002',
    model: 'profile',
    method: 'create',
    seed: seedProfiles(1),
    args: (t) => ({ data: { userId: `${t.T}-p0`, name: 'dup' } }),
  },
  {
    name: 'create duplicate compound unique → P2002',
    model: 'member',
    method: 'create',
    seed: seedServerAndMember,
    args: (t) => ({ data: { profileId: t.ids[1], serverId: t.ids[5], role: 'ADMIN' } }),
    snapshot: ['member'],
  },
  {
    name: 'create duplicate composite primary key → P2002',
    model: 'setting',
    method: 'create',
    seed: seedSettings,
    args: (t) => ({ data: { scope: t.T, key: 'k2', value: 'dup' } }),
  },
  {
    name: 'create with a dangling foreign key → P2003',
    model: 'server',
    method: 'create',
    seed: seedProfiles(1),
    args: (t) => ({ data: { name: 'x', inviteCode: `${t.T}-inv`, profileId: t.ids[4] } }),
    snapshot: ['server'],
  },
  {
    name: 'nested create (to-many), no include',
    model: 'profile',
    method: 'create',
    args: (t) => ({
      data: {
        userId: `${t.T}-new`,
        name: 'Owner',
        servers: { create: [{ name: 'S1', inviteCode: `${t.T}-i1`, createdAt: OLD }] },
      },
    }),
    snapshot: ['profile', 'server'],
  },
  {
    name: 'nested create (to-one connect)',
    model: 'server',
    method: 'create',
    seed: seedProfiles(1),
    args: (t) => ({
      data: { name: 'S', inviteCode: `${t.T}-i1`, createdAt: OLD, profile: { connect: { id: t.ids[0] } } },
    }),
    snapshot: ['server'],
  },
  {
    name: 'nested create with include',
    model: 'profile',
    method: 'create',
    args: (t) => ({
      data: {
        userId: `${t.T}-new`,
        name: 'Owner',
        servers: { create: [{ name: 'S1', inviteCode: `${t.T}-i1`, createdAt: OLD }] },
      },
      include: { servers: true },
    }),
    snapshot: ['profile', 'server'],
  },
  // createMany
  {
    name: 'createMany',
    model: 'setting',
    method: 'createMany',
    args: (t) => ({
      data: [
        { scope: t.T, key: 'a', value: '1' },
        { scope: t.T, key: 'b', value: '2', version: 5 },
      ],
    }),
  },
  {
    name: 'createMany skipDuplicates (against rows and within the batch)',
    model: 'setting',
    method: 'createMany',
    seed: seedSettings,
    args: (t) => ({
      data: [
        { scope: t.T, key: 'k1', value: 'dup' },
        { scope: t.T, key: 'new', value: 'n1' },
        { scope: t.T, key: 'new', value: 'n2' },
      ],
      skipDuplicates: true,
    }),
  },
  {
    name: 'createMany duplicate without skipDuplicates → P2002, nothing written',
    model: 'profile',
    method: 'createMany',
    seed: seedProfiles(1),
    args: (t) => ({
      data: [
        { userId: `${t.T}-x`, name: 'x' },
        { userId: `${t.T}-p0`, name: 'dup' },
      ],
    }),
  },
  // update
  {
    name: 'update increment',
    model: 'setting',
    method: 'update',
    seed: seedSettings,
    args: (t) => ({ where: { scope_key: { scope: t.T, key: 'k1' } }, data: { version: { increment: 5 } } }),
  },
  {
    name: 'update decrement + set',
    model: 'setting',
    method: 'update',
    seed: seedSettings,
    args: (t) => ({
      where: { scope_key: { scope: t.T, key: 'k2' } },
      data: { version: { decrement: 30 }, value: { set: 'changed' } },
    }),
  },
  {
    name: 'update multiply (int, bigint, double)',
    model: 'sample',
    method: 'update',
    seed: seedSamples,
    args: (t) => ({
      where: { id: t.ids[0] },
      data: { count: { multiply: 3 }, huge: { multiply: -1n }, big: { multiply: 4 }, score: { multiply: -2 } },
    }),
  },
  {
    name: 'update multiply overflowing bigint → P2020',
    model: 'sample',
    method: 'update',
    seed: seedSamples,
    args: (t) => ({ where: { id: t.ids[0] }, data: { huge: { multiply: 2n } } }),
  },
  {
    name: 'update divide (int truncates, double exact)',
    model: 'sample',
    method: 'update',
    seed: seedSamples,
    args: (t) => ({
      where: { id: t.ids[1] },
      data: { count: { divide: 2 }, score: { divide: 4 }, big: { divide: 2 } },
    }),
  },
  {
    name: 'update decimal increment',
    model: 'sample',
    method: 'update',
    seed: seedSamples,
    args: (t) => ({ where: { id: t.ids[0] }, data: { price: { increment: '0.75' } } }),
  },
  {
    name: 'update bigint increment (mode number) and decrement (mode bigint)',
    model: 'sample',
    method: 'update',
    seed: seedSamples,
    args: (t) => ({ where: { code: `${t.T}-b` }, data: { big: { increment: 3 }, huge: { decrement: 1n } } }),
  },
  {
    name: 'update set null (bumps @updatedAt)',
    model: 'profile',
    method: 'update',
    seed: seedProfiles(2),
    args: (t) => ({ where: { userId: `${t.T}-p0` }, data: { email: null, name: { set: 'Renamed' } } }),
  },
  {
    name: 'update with select',
    model: 'profile',
    method: 'update',
    seed: seedProfiles(1),
    args: (t) => ({ where: { id: t.ids[0] }, data: { imageUrl: 'http://i' }, select: { imageUrl: true, name: true } }),
  },
  {
    name: 'update missing → P2025',
    model: 'profile',
    method: 'update',
    seed: seedProfiles(1),
    args: (t) => ({ where: { userId: `${t.T}-nobody` }, data: { name: 'x' } }),
  },
  {
    name: 'update extended where that fails → P2025',
    model: 'profile',
    method: 'update',
    seed: seedProfiles(1),
    args: (t) => ({ where: { userId: `${t.T}-p0`, name: 'not-n0' }, data: { name: 'x' } }),
  },
  {
    name: 'update into a duplicate → P2002',
    model: 'profile',
    method: 'update',
    seed: seedProfiles(2),
    args: (t) => ({ where: { userId: `${t.T}-p1` }, data: { userId: `${t.T}-p0` } }),
  },
  {
    name: 'update composite primary key fields',
    model: 'setting',
    method: 'update',
    seed: seedSettings,
    args: (t) => ({ where: { scope_key: { scope: t.T, key: 'k3' } }, data: { key: 'k9' } }),
  },
  // updateMany
  {
    name: 'updateMany',
    model: 'profile',
    method: 'updateMany',
    seed: seedProfiles(4),
    args: (t) => ({ where: { userId: { startsWith: t.T }, email: null }, data: { name: 'bulk' } }),
  },
  {
    name: 'updateMany with increment',
    model: 'setting',
    method: 'updateMany',
    seed: seedSettings,
    args: (t) => ({ where: { scope: t.T, version: { gt: 11 } }, data: { version: { increment: 1 } } }),
  },
  {
    name: 'updateMany matching nothing',
    model: 'setting',
    method: 'updateMany',
    seed: seedSettings,
    args: (t) => ({ where: { scope: t.T, key: 'none' }, data: { value: 'x' } }),
  },
  {
    name: 'updateMany into a duplicate → P2002',
    model: 'setting',
    method: 'updateMany',
    seed: seedSettings,
    args: (t) => ({ where: { scope: t.T }, data: { key: 'same' } }),
  },
  // upsert
  {
    name: 'upsert, create path',
    model: 'profile',
    method: 'upsert',
    seed: seedProfiles(1),
    args: (t) => ({
      where: { userId: `${t.T}-new` },
      create: { userId: `${t.T}-new`, name: 'created' },
      update: { name: 'updated' },
    }),
  },
  {
    name: 'upsert, update path',
    model: 'profile',
    method: 'upsert',
    seed: seedProfiles(1),
    args: (t) => ({
      where: { userId: `${t.T}-p0` },
      create: { userId: `${t.T}-p0`, name: 'created' },
      update: { name: 'updated' },
    }),
  },
  {
    name: 'upsert, update path with increment on a composite key',
    model: 'setting',
    method: 'upsert',
    seed: seedSettings,
    args: (t) => ({
      where: { scope_key: { scope: t.T, key: 'k1' } },
      create: { scope: t.T, key: 'k1', value: 'c' },
      update: { version: { increment: 100 } },
    }),
  },
  {
    name: 'upsert, create path on a composite key',
    model: 'setting',
    method: 'upsert',
    seed: seedSettings,
    args: (t) => ({
      where: { scope_key: { scope: t.T, key: 'k7' } },
      create: { scope: t.T, key: 'k7', value: 'c' },
      update: { version: { increment: 100 } },
    }),
  },
  // delete
  {
    name: 'delete returns the row',
    model: 'profile',
    method: 'delete',
    seed: seedProfiles(2),
    args: (t) => ({ where: { userId: `${t.T}-p1` } }),
  },
  {
    name: 'delete with select',
    model: 'setting',
    method: 'delete',
    seed: seedSettings,
    args: (t) => ({ where: { scope_key: { scope: t.T, key: 'k2' } }, select: { value: true } }),
  },
  {
    name: 'delete missing → P2025',
    model: 'profile',
    method: 'delete',
    seed: seedProfiles(1),
    args: (t) => ({ where: { id: t.ids[3] } }),
  },
  {
    name: 'delete cascades through foreign keys',
    model: 'profile',
    method: 'delete',
    seed: seedServerAndMember,
    args: (t) => ({ where: { id: t.ids[0] } }),
    snapshot: ['profile', 'server', 'member'],
  },
  {
    name: 'deleteMany',
    model: 'setting',
    method: 'deleteMany',
    seed: seedSettings,
    args: (t) => ({ where: { scope: t.T, version: { lt: 30 } } }),
  },
  {
    name: 'deleteMany matching nothing',
    model: 'profile',
    method: 'deleteMany',
    seed: seedProfiles(2),
    args: (t) => ({ where: { userId: { startsWith: t.T }, name: 'none' } }),
  },
]

async function cleanup(T: string): Promise<void> {
  const p = prisma as unknown as AnyClient
  await p.profile!.deleteMany!({ where: { userId: { startsWith: T } } }) // cascades to server, member, channel, message
  await p.sample!.deleteMany!({ where: { group: { startsWith: T } } })
  await p.setting!.deleteMany!({ where: { scope: { startsWith: T } } })
  await p.event!.deleteMany!({ where: { stream: { startsWith: T } } })
}

async function snapshot(T: string, models: Model[]): Promise<Record<string, unknown>> {
  const p = prisma as unknown as AnyClient
  const queries: Record<Model, Args> = {
    profile: { where: { userId: { startsWith: T } }, orderBy: { userId: 'asc' } },
    server: { where: { profile: { userId: { startsWith: T } } }, orderBy: { inviteCode: 'asc' } },
    member: { where: { profile: { userId: { startsWith: T } } }, orderBy: [{ profileId: 'asc' }, { serverId: 'asc' }] },
    channel: { where: { server: { profile: { userId: { startsWith: T } } } }, orderBy: { name: 'asc' } },
    message: { where: { member: { profile: { userId: { startsWith: T } } } }, orderBy: { content: 'asc' } },
    sample: { where: { group: { startsWith: T } }, orderBy: [{ group: 'asc' }, { code: 'asc' }, { label: 'asc' }] },
    setting: { where: { scope: { startsWith: T } }, orderBy: [{ scope: 'asc' }, { key: 'asc' }] },
    event: { where: { stream: { startsWith: T } }, orderBy: [{ stream: 'asc' }, { seq: 'asc' }] },
  }
  const out: Record<string, unknown> = {}
  for (const m of models) out[m] = fromPrisma(await p[PRISMA_DELEGATE[m]]!.findMany!(queries[m]))
  return out
}

// ---------------------------------------------------------------------------------------------- schema fidelity

interface PslField {
  model: string
  table: string
  name: string
  column: string
  type: string
  optional: boolean
  native?: string
}

/** A small reader for this file's own schema.prisma: scalar/enum fields, enum names, keys, indexes, FKs. */
function readPsl(text: string) {
  const enums = new Map<string, string>()
  const fields: PslField[] = []
  const constraints: string[] = []
  for (const block of text.matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const [, kind, name, body] = block as unknown as [string, string, string, string]
    const table = /@@map\("([^"]+)"\)/.exec(body)?.[1] ?? name
    if (kind === 'enum') {
      enums.set(name, table)
      continue
    }
    const modelFields: PslField[] = []
    for (const line of body.split('\n').map((l) => l.trim())) {
      // a column Prisma has no type for: `name Unsupported("cidr")?`
      const unsupported = /^(\w+)\s+Unsupported\("([^"]+)"\)(\?)?/.exec(line)
      if (unsupported) {
        const [, fname, udt, opt] = unsupported as unknown as [string, string, string, string | undefined]
        fields.push({
          model: name,
          table,
          name: fname,
          column: fname,
          type: `Unsupported:${udt}`,
          optional: !!opt,
          native: undefined,
        })
        continue
      }
      const m = /^(\w+)\s+(\w+)(\[\])?(\?)?\s*(.*)$/.exec(line)
      if (!m || line.startsWith('//')) continue
      const [, fname, type, list, opt, attrs] = m as unknown as [
        string,
        string,
        string,
        string | undefined,
        string | undefined,
        string,
      ]
      // a scalar list (String[], Int[]): an array column, nullable in the database as Prisma creates it
      const scalarList = list && SCALAR_TYPES.has(type)
      if ((list && !scalarList) || /@relation\(/.test(attrs)) {
        const rel =
          /@relation\((?:"\w+", )?fields: \[([^\]]+)\], references: \[([^\]]+)\], onDelete: (\w+).*map: "([^"]+)"\)/.exec(
            attrs,
          )
        if (rel)
          constraints.push(
            `${table} FOREIGN KEY ${rel[4]} (${rel[1]!.split(', ').join(',')}) → ${type} (${rel[2]}) ON DELETE ${rel[3]!.toUpperCase()}`,
          )
        continue
      }
      const f: PslField = {
        model: name,
        table,
        name: fname,
        column: /@map\("([^"]+)"\)/.exec(attrs)?.[1] ?? fname,
        type: scalarList ? `${type}[]` : type,
        optional: !!opt || !!scalarList,
        native: /@db\.(\w+(\([^)]*\))?)/.exec(attrs)?.[1],
      }
      modelFields.push(f)
      const id = /@id\(map: "([^"]+)"\)/.exec(attrs)
      if (id) constraints.push(`${table} PRIMARY KEY ${id[1]} (${fname})`)
      const uq = /@unique\(map: "([^"]+)"\)/.exec(attrs)
      if (uq) constraints.push(`${table} UNIQUE ${uq[1]} (${fname})`)
    }
    fields.push(...modelFields)
    for (const [, kind2, cols, map] of body.matchAll(/@@(id|unique|index)\(\[([^\]]+)\], map: "([^"]+)"\)/g)) {
      const label = kind2 === 'id' ? 'PRIMARY KEY' : kind2 === 'unique' ? 'UNIQUE' : 'INDEX'
      constraints.push(`${table} ${label} ${map} (${cols!.split(', ').join(',')})`)
    }
  }
  return { enums, fields, constraints }
}

const SCALAR_TYPES = new Set(['String', 'Int', 'BigInt', 'Boolean', 'Float', 'Decimal', 'DateTime', 'Json', 'Bytes'])

function expectedUdt(f: PslField, enums: Map<string, string>): string {
  if (f.type.startsWith('Unsupported:')) return f.type.slice(12)
  // an array's udt is its element's with a leading underscore (text[] → _text)
  if (f.type.endsWith('[]')) return `_${expectedUdt({ ...f, type: f.type.slice(0, -2) }, enums)}`
  if (enums.has(f.type)) return enums.get(f.type)!
  const n = f.native?.replace(/\(.*$/, '')
  const table: Record<string, string> = {
    'String:': 'text',
    'String:Uuid': 'uuid',
    'String:VarChar': 'varchar(200)',
    'Int:': 'int4',
    'BigInt:': 'int8',
    'Boolean:': 'bool',
    'Float:': 'float8',
    'Float:Real': 'float4',
    'Decimal:Decimal': 'numeric(12,2)',
    'DateTime:Timestamp': 'timestamp(6)',
    'DateTime:Date': 'date',
    'Json:': 'jsonb',
    'Json:Json': 'json',
    'Json:JsonB': 'jsonb',
    'Bytes:': 'bytea',
    'DateTime:Time': 'time',
    'String:Inet': 'inet',
  }
  const udt = table[`${f.type}:${n ?? ''}`]
  if (!udt) throw new Error(`schema.prisma: no expectation for ${f.model}.${f.name} ${f.type} @db.${f.native}`)
  if (udt === 'varchar(200)' && f.native !== 'VarChar(200)') return `varchar${f.native!.slice(7)}`
  if (udt === 'numeric(12,2)' && f.native !== 'Decimal(12, 2)') return `numeric${f.native!.slice(7).replace(' ', '')}`
  if (udt === 'timestamp(6)') return `timestamp(${/\((\d+)\)/.exec(f.native!)?.[1] ?? 3})`
  return udt
}

// ---------------------------------------------------------------------------------------------- the suite

describe('differential oracle: tandem vs Prisma 7 on PostgreSQL', () => {
  beforeAll(async () => {
    // Generates ./generated (offline) when missing or stale; see generate.mjs.
    execFileSync(process.execPath, [fileURLToPath(new URL('./generate.mjs', import.meta.url)), '--if-stale'], {
      stdio: 'inherit',
    })
    db = await openDb('postgres')
    const { openPrisma } = await import('./prisma-oracle.js')
    prisma = openPrisma(testUrl())
    fx = await seedFixture(prisma)
  })
  afterAll(async () => {
    if (differences.length)
      console.log(`\n${differences.length} difference(s) between tandem and Prisma:\n\n${differences.join('\n\n')}\n`)
    await prisma?.$disconnect()
    await db?.$disconnect()
  })

  it('schema.prisma mirrors the tables tandem pushes (columns, types, nullability, keys, indexes, foreign keys)', async () => {
    const psl = readPsl(readFileSync(new URL('./schema.prisma', import.meta.url), 'utf8'))
    const tables = [...new Set(psl.fields.map((f) => f.table))]
    const p = prisma as unknown as { $queryRawUnsafe(sql: string, ...v: unknown[]): Promise<Record<string, unknown>[]> }
    const cols = await p.$queryRawUnsafe(
      `SELECT c.table_name::text, c.column_name::text, c.is_nullable::text, c.udt_name::text, c.character_maximum_length AS len, c.numeric_precision AS prec, c.numeric_scale AS scale, c.datetime_precision AS dtp
       FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name = ANY($1::text[]) ORDER BY 1, 2`,
      tables,
    )
    const actual = cols
      .map((c) => {
        let udt = String(c.udt_name)
        if (udt === 'varchar') udt += `(${c.len})`
        if (udt === 'numeric') udt += `(${c.prec},${c.scale})`
        if (udt === 'timestamp') udt += `(${c.dtp})`
        return `${c.table_name}.${c.column_name} ${udt}${c.is_nullable === 'YES' ? '?' : ''}`
      })
      .sort()
    const expected = psl.fields
      .map((f) => `${f.table}.${f.column} ${expectedUdt(f, psl.enums)}${f.optional ? '?' : ''}`)
      .sort()
    expect(actual).toEqual(expected)

    const enumRows = await p.$queryRawUnsafe(
      `SELECT DISTINCT t.typname::text AS name FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY 1`,
    )
    expect(enumRows.map((r) => r.name)).toEqual(expect.arrayContaining([...psl.enums.values()]))

    const colName = new Map(psl.fields.map((f) => [`${f.table}.${f.name}`, f.column]))
    const tableOf = new Map<string, string>()
    for (const block of readFileSync(new URL('./schema.prisma', import.meta.url), 'utf8').matchAll(
      /^model\s+(\w+)\s*\{[\s\S]*?@@map\("([^"]+)"\)/gm,
    ))
      tableOf.set(block[1]!, block[2]!)
    const expectedConstraints = psl.constraints
      .map((c) => {
        const fk = /^(\w+) FOREIGN KEY (\S+) \(([^)]+)\) → (\w+) \(([^)]+)\) ON DELETE (\w+)$/.exec(c)
        if (fk) {
          const [, table, name, from, model, to, action] = fk as unknown as string[]
          const target = tableOf.get(model!)!
          return `${table} FOREIGN KEY ${name} (${from!
            .split(',')
            .map((x) => colName.get(`${table}.${x}`))
            .join(',')}) → ${target} (${to!
            .split(',')
            .map((x) => colName.get(`${target}.${x}`))
            .join(',')}) ON DELETE ${action}`
        }
        const m = /^(\w+) (PRIMARY KEY|UNIQUE|INDEX) (\S+) \(([^)]+)\)$/.exec(c)!
        return `${m[1]} ${m[2]} ${m[3]} (${m[4]!
          .split(',')
          .map((x) => colName.get(`${m[1]}.${x}`))
          .join(',')})`
      })
      .sort()
    const cons = await p.$queryRawUnsafe(
      `SELECT rel.relname::text AS table, con.conname::text AS name, con.contype::text AS type, con.confdeltype::text AS del, frel.relname::text AS target,
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(att, ord) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.att) AS cols,
         (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(att, ord) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.att) AS fcols
       FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid LEFT JOIN pg_class frel ON frel.oid = con.confrelid
       WHERE rel.relname = ANY($1::text[]) AND con.contype IN ('p', 'u', 'f')`,
      tables,
    )
    const idx = await p.$queryRawUnsafe(
      `SELECT t.relname::text AS table, i.relname::text AS name, (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(ix.indkey) WITH ORDINALITY k(att, ord) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.att) AS cols
       FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid
       WHERE t.relname = ANY($1::text[]) AND NOT ix.indisunique`,
      tables,
    )
    const deleteRule: Record<string, string> = {
      c: 'CASCADE',
      a: 'NOACTION',
      r: 'RESTRICT',
      n: 'SETNULL',
      d: 'SETDEFAULT',
    }
    const actualConstraints = [
      ...cons.map((c) =>
        c.type === 'f'
          ? `${c.table} FOREIGN KEY ${c.name} (${c.cols}) → ${c.target} (${c.fcols}) ON DELETE ${deleteRule[String(c.del)]}`
          : `${c.table} ${c.type === 'p' ? 'PRIMARY KEY' : 'UNIQUE'} ${c.name} (${c.cols})`,
      ),
      ...idx.map((i) => `${i.table} INDEX ${i.name} (${i.cols})`),
    ].sort()
    expect(actualConstraints).toEqual(expectedConstraints)
  })

  describe('reads (one shared fixture)', () => {
    for (const c of readCases) {
      it(`${c.model}.${c.method}: ${c.name}`, async () => {
        const args = c.args(fx)
        const tandem = await attempt(() => tandemOf(c.model)[c.method]!(structuredClone(args)))
        const oracle = await attempt(() => prismaOf(c.model)[c.method]!(structuredClone(args)))
        if ('value' in oracle) oracle.value = fromPrisma(oracle.value)
        same(`${c.model}.${c.method}: ${c.name}`, callText(c.model, c.method, args), tandem, oracle)
      })
    }
  })

  describe('writes (replayed on identical seeds)', () => {
    for (const c of writeCases) {
      it(`${c.model}.${c.method}: ${c.name}`, async () => {
        const tag: Tag = { T: `${uid('w')}:`, ids: Array.from({ length: 8 }, () => randomUUID()) }
        const known = new Set(tag.ids)
        const args = c.args(tag)
        const models = c.snapshot ?? [c.model]
        const run = async (client: () => Record<string, (a?: unknown) => Promise<unknown>>, isPrisma: boolean) => {
          await cleanup(tag.T)
          if (c.seed) await c.seed(prisma as unknown as AnyClient, tag)
          const since = Date.now() - 1000
          const out = await attempt(() => client()[c.method]!(structuredClone(args)))
          if (isPrisma && 'value' in out) out.value = fromPrisma(out.value)
          const snap = await snapshot(tag.T, models)
          await cleanup(tag.T)
          const seen = new Map<string, string>()
          const result = 'value' in out ? { ...out, value: placeholders(out.value, known, since, seen) } : out
          return { result, snap: placeholders(snap, known, since, seen) }
        }
        const tandem = await run(() => tandemOf(c.model), false)
        const oracle = await run(() => prismaOf(c.model), true)
        const name = `${c.model}.${c.method}: ${c.name}`
        const call = callText(c.model, c.method, args)
        same(name, call, tandem.result, oracle.result)
        same(name, call, { value: tandem.snap }, { value: oracle.snap }, 'rows after')
      })
    }
  })
})
