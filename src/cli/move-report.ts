import { InvalidArgumentError, Option } from 'commander'
import type { RowStore } from '../move/row-store.js'
import type { MoveProgress } from '../move/move-progress.js'
import type { Difference, VerifyResult } from '../move/verify.js'
import type { SkippedRow } from '../move/row-store.js'
import { backendOf } from '../create-db.js'
import { TandemError } from '../errors.js'
import { createProgress, type Progress } from './progress.js'
import { BACKEND_NAMES, dbFor, reach, type BackendName, type CliDb } from './open-db.js'
import type { LoadedConfig } from './config-loader.js'

/** What migrate, verify and sync share on the command line: --from/--to, --models, numbers. */

export const fromOption = () =>
  new Option('--from <backend>', 'the database rows are read from').choices(BACKEND_NAMES).makeOptionMandatory()
export const toOption = () =>
  new Option('--to <backend>', 'the database rows are written to (compared with)')
    .choices(BACKEND_NAMES)
    .makeOptionMandatory()
export const modelsOption = () =>
  new Option('--models <list>', 'only these models, comma separated (default: every model)').argParser((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  )

/** A commander parser for a positive integer option. */
export function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value)
    if (!Number.isInteger(n) || n <= 0)
      throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`)
    return n
  }
}

export interface MovePair {
  readonly from: RowStore
  readonly to: RowStore
}

/**
 * Opens both backends of the config (each checked to answer before any work), runs `fn` with their
 * stores, and always disconnects both.
 */
export async function withStores<T>(
  loaded: LoadedConfig,
  from: BackendName,
  to: BackendName,
  fn: (pair: MovePair) => Promise<T>,
): Promise<T> {
  if (from === to) throw new TandemError('VALIDATION', `--from and --to must differ (both are ${from})`)
  const dbs: CliDb[] = []
  try {
    for (const backend of [from, to]) {
      const db = dbFor(loaded, backend)
      dbs.push(db)
      await reach(db)
    }
    return await fn({ from: backendOf(dbs[0]!).store, to: backendOf(dbs[1]!).store })
  } finally {
    for (const db of dbs) await db.$disconnect().catch(() => {})
  }
}

/**
 * The progress reporter fed by a run's events: one bar (or log line) per model and phase; a phase's bar
 * is finished when the next one begins.
 */
export function progressOf(): { listener: (e: MoveProgress) => void; stop: () => void } {
  const progress: Progress = createProgress()
  let current: string | undefined
  const listener = (e: MoveProgress) => {
    const label = e.phase === 'copy' || e.phase === 'sync' ? e.model : `${e.model} (${e.phase})`
    if (label !== current) {
      if (current) progress.finish(current)
      current = label
      progress.start(label, e.total)
    }
    progress.update(label, e.done)
  }
  return {
    listener,
    stop: () => {
      if (current) progress.finish(current)
      progress.stop()
    },
  }
}

/** Columns aligned with two spaces; columns of numbers (or '-' for none) right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)))]
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === '-'))
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)))
  return cells
    .map((r) =>
      r
        .map((c, i) => (numeric[i] ? String(c).padStart(widths[i]!) : String(c).padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

const formatNumber = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1))

export const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`

/** The first skipped rows with their keys and reasons, and how many more there are. */
export function skippedLines(model: string, skipped: readonly SkippedRow[], limit = 10): string[] {
  const out = skipped
    .slice(0, limit)
    .map((s) => `  ${model} ${JSON.stringify(s.key, jsonSafe)}: ${s.reason}: ${s.detail}`)
  if (skipped.length > limit) out.push(`  ${model}: ${skipped.length - limit} more skipped`)
  return out
}

const jsonSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)

function differenceLine(d: Difference, names: { a: string; b: string }): string {
  const key = JSON.stringify(d.key)
  const side = d.side === 'a' ? names.a : d.side === 'b' ? names.b : ''
  switch (d.kind) {
    case 'missing':
      return `  ${d.model} ${key}: missing in ${side}`
    case 'value':
      return `  ${d.model} ${key}: ${d.field}: ${JSON.stringify(d.a)} in ${names.a}, ${JSON.stringify(d.b)} in ${names.b}`
    case 'count':
      return `  ${d.model}: ${d.a} rows in ${names.a}, ${d.b} in ${names.b}`
    case 'lookup':
      return `  ${d.model} ${key}: lookup (${side}): ${d.detail}`
  }
}

/** verify's per-model table and its first differences. */
export function verifyReport(v: VerifyResult): string {
  const names = { a: v.a, b: v.b }
  const lines = [
    table(
      ['model', 'checked', `rows ${v.a}`, `rows ${v.b}`, 'differences'],
      v.models.map((m) => [m.model, m.checked, m.countA ?? '-', m.countB ?? '-', m.differences]),
    ),
  ]
  if (v.ok) lines.push(`verify (${v.mode}): no differences`)
  else {
    lines.push(`verify (${v.mode}): ${v.totalDifferences} difference(s); the first:`)
    for (const d of v.differences) lines.push(differenceLine(d, names))
  }
  return lines.join('\n')
}
