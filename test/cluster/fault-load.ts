// The fault suite's load harness: many async callers running a mix of call kinds for a fixed time, every call
// recorded (kind, start, end, outcome, error code), and the figures computed from those records against the
// timeline of the fault (kill, node back). Pure apart from the clock; the scenario lives in node-failure.test.ts.
import { mapLimit } from '../../src/cql/scylla-session.js'

export { mapLimit }

/** One call as the caller saw it. `code` is the error's string code; `message` is kept for uncoded errors. */
export interface CallRecord {
  kind: string
  start: number
  end: number
  ok: boolean
  code?: string
  message?: string
}

/** When the fault happened (ms since the epoch). `backAt`: the restarted node answers CQL again. */
export interface Timeline {
  loadStart: number
  killAt: number
  restartAt: number
  backAt: number
  loadEnd: number
}

export interface KindFigures {
  calls: number
  ok: number
  /** failed calls per error code ('(no code)' for errors without a string code) */
  errors: Record<string, number>
  /** uncoded errors per message */
  uncoded: Record<string, number>
  /** calls started while the node was down (kill → its CQL answers again) and how many succeeded */
  downCalls: number
  downOk: number
  downSuccessPct: number
  /** the longest time after the kill with no successful call of this kind (ms) */
  recoveryMs: number
  /** successful calls per second over the whole run */
  okPerSec: number
}

/** The code of a thrown value when it is a non-empty string, else undefined. */
export function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code
  return typeof code === 'string' && code !== '' ? code : undefined
}

/** Runs `fn`, records it under `kind`, and returns its result or the error it threw (never throws). */
export async function track<T>(
  records: CallRecord[],
  kind: string,
  fn: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown; code: string | undefined }> {
  const start = Date.now()
  try {
    const value = await fn()
    records.push({ kind, start, end: Date.now(), ok: true })
    return { ok: true, value }
  } catch (error) {
    const code = codeOf(error)
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    records.push({ kind, start, end: Date.now(), ok: false, ...(code ? { code } : { message }) })
    return { ok: false, error, code }
  }
}

/** Figures per call kind (see KindFigures). */
export function figuresOf(records: readonly CallRecord[], t: Timeline): Record<string, KindFigures> {
  const out: Record<string, KindFigures> = {}
  const kinds = [...new Set(records.map((r) => r.kind))].sort()
  for (const kind of kinds) {
    const mine = records.filter((r) => r.kind === kind)
    const errors: Record<string, number> = {}
    const uncoded: Record<string, number> = {}
    for (const r of mine) {
      if (r.ok) continue
      const code = r.code ?? '(no code)'
      errors[code] = (errors[code] ?? 0) + 1
      if (!r.code) uncoded[r.message ?? '?'] = (uncoded[r.message ?? '?'] ?? 0) + 1
    }
    const down = mine.filter((r) => r.start >= t.killAt && r.start < t.backAt)
    const downOk = down.filter((r) => r.ok).length
    const okEnds = mine
      .filter((r) => r.ok && r.end >= t.killAt && r.end <= t.loadEnd)
      .map((r) => r.end)
      .sort((a, b) => a - b)
    let prev = t.killAt
    let gap = 0
    for (const end of okEnds) {
      gap = Math.max(gap, end - prev)
      prev = end
    }
    gap = Math.max(gap, t.loadEnd - prev)
    const ok = mine.filter((r) => r.ok).length
    out[kind] = {
      calls: mine.length,
      ok,
      errors,
      uncoded,
      downCalls: down.length,
      downOk,
      downSuccessPct: down.length ? Math.round((1000 * downOk) / down.length) / 10 : 100,
      recoveryMs: gap,
      okPerSec: Math.round(ok / ((t.loadEnd - t.loadStart) / 1000)),
    }
  }
  return out
}

/** Successful calls per second of each kind, second 0 = loadStart: the shape of the outage, for the report. */
export function okPerSecond(records: readonly CallRecord[], t: Timeline): Record<string, number[]> {
  const seconds = Math.ceil((t.loadEnd - t.loadStart) / 1000)
  const out: Record<string, number[]> = {}
  for (const r of records) {
    if (!r.ok || r.end > t.loadEnd) continue
    const series = (out[r.kind] ??= new Array<number>(seconds).fill(0))
    const s = Math.floor((r.end - t.loadStart) / 1000)
    if (s >= 0 && s < seconds) series[s]!++
  }
  return out
}

/** The figures as a fixed-width text table, one line per call kind. */
export function figuresTable(figures: Record<string, KindFigures>): string {
  const rows = [['call kind', 'calls', 'ok', 'ok/s', 'errors by code', 'ok % node down', 'recovery s']]
  for (const [kind, f] of Object.entries(figures)) {
    const errors =
      Object.entries(f.errors)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || '-'
    rows.push([
      kind,
      String(f.calls),
      String(f.ok),
      String(f.okPerSec),
      errors,
      `${f.downSuccessPct.toFixed(1)} (${f.downOk}/${f.downCalls})`,
      (f.recoveryMs / 1000).toFixed(2),
    ])
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n')
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
