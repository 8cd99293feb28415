// Helpers shared by the differential oracle tests (oracle.test.ts, chat-oracle.test.ts) and by the chat scenario
// (test/support/chat-scenario.ts): error codes as both clients report them, outcomes of a call, and the
// representation-only normalization of results (see oracle.test.ts's header). Nothing here imports Prisma.
import { inspect } from 'node:util'

export type Args = Record<string, unknown>
export type Outcome = { value: unknown } | { error: string }
export type AnyClient = Record<string, Record<string, (args?: unknown) => Promise<unknown>>>

/**
 * The code of an error from either client: tandem's `code`, Prisma's known request errors by their P-code,
 * PrismaClientValidationError as 'VALIDATION' (tandem's code for arguments that do not fit the schema).
 */
export function errorCode(e: unknown): string {
  const err = e as { code?: unknown; name?: string; constructor?: { name?: string } }
  if (typeof err?.code === 'string') return err.code
  const name = err?.name ?? err?.constructor?.name
  if (name === 'PrismaClientValidationError') return 'VALIDATION'
  return `UNCODED ${name}: ${(e as Error)?.message?.split('\n').slice(-1)[0]}`
}

/** Runs a call and returns `{ value }` or `{ error: code, message }`. */
export async function attempt(run: () => Promise<unknown>): Promise<Outcome & { message?: string }> {
  try {
    return { value: await run() }
  } catch (e) {
    return { error: errorCode(e), message: (e as Error)?.message?.trim().split('\n').slice(-3).join(' ') }
  }
}

function isDecimal(v: unknown): v is { toFixed(n: number): string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    'd' in v &&
    'e' in v &&
    's' in v &&
    typeof (v as { toFixed?: unknown }).toFixed === 'function'
  )
}
export function isPlain(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype
}

/** Prisma's representation → tandem's (see oracle.test.ts's header); keyed by field name, only for the sample columns. */
export function fromPrisma(v: unknown, key?: string): unknown {
  if (v === null || v === undefined) return v
  if (isDecimal(v)) return v.toFixed(2)
  if (typeof v === 'bigint' && key === 'big') return Number(v)
  if (v instanceof Date) return key === 'day' ? v.toISOString().slice(0, 10) : v
  if (Array.isArray(v)) return v.map((x) => fromPrisma(x))
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromPrisma(x, k)]))
  return v
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
/** Generated uuids → `<uuidN>` by first appearance; timestamps at or after `since` → '<now>'. */
export function placeholders(v: unknown, known: Set<string>, since: number, seen: Map<string, string>): unknown {
  if (typeof v === 'string' && UUID_RE.test(v) && !known.has(v.toLowerCase())) {
    if (!seen.has(v)) seen.set(v, `<uuid${seen.size + 1}>`)
    return seen.get(v)
  }
  if (v instanceof Date) return v.getTime() >= since ? '<now>' : v
  if (Array.isArray(v)) return v.map((x) => placeholders(x, known, since, seen))
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, placeholders(x, known, since, seen)]))
  return v
}

export const show = (v: unknown) => inspect(v, { depth: 8, breakLength: 160, compact: 4 })
export const strip = ({ message: _m, ...o }: Outcome & { message?: string }): Outcome => o
