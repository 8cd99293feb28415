import { readFileSync } from 'node:fs'
import type { Command } from 'commander'
import type { RecordedShape } from '../../adapter/shape-recorder.js'
import { backendOf } from '../../create-db.js'
import { TandemError } from '../../errors.js'
import { EXIT } from '../cli-errors.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { dbFor } from '../open-db.js'
import { checkShapes, operationText } from '../shape-check.js'

/** The distinct shapes of a recordShapes file (JSON lines; repeated keys from several processes kept once). */
export function readShapes(file: string): RecordedShape[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new TandemError('VALIDATION', `--shapes ${file}: ${e instanceof Error ? e.message : String(e)}`)
  }
  const shapes = new Map<string, RecordedShape>()
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    let parsed: unknown
    try {
      parsed = JSON.parse(line)
    } catch {
      throw new TandemError('VALIDATION', `${file}:${i + 1}: not a JSON line`)
    }
    const s = parsed as Partial<RecordedShape> | null
    if (
      !s ||
      typeof s.model !== 'string' ||
      typeof s.key !== 'string' ||
      typeof s.method !== 'string' ||
      !s.operation ||
      typeof s.operation.op !== 'string'
    )
      throw new TandemError(
        'VALIDATION',
        `${file}:${i + 1}: not a recorded call shape (expected { model, method, key, operation }, as recordShapes writes)`,
      )
    if (!shapes.has(s.key)) shapes.set(s.key, s as RecordedShape)
  })
  return [...shapes.values()]
}

/** `tandem check --shapes FILE`: which recorded call shapes the ScyllaDB layout would refuse. */
export const registerCheck: RegisterCommand = (program: Command) => {
  program
    .command('check')
    .description(
      "re-plan recorded call shapes against the config's ScyllaDB layout (no connection) and report each one ScyllaDB would refuse, with the index or layout that would serve it",
    )
    .requiredOption(
      '-s, --shapes <file>',
      'call shapes recorded by createDb({ recordShapes: FILE }) or TANDEM_RECORD_SHAPES=FILE (JSON lines)',
    )
    .addHelpText(
      'after',
      '\nRecord on either backend (e.g. TANDEM_RECORD_SHAPES=shapes.jsonl npm test), then check before switching.\n' +
        'Exit codes: 0 every shape is served, 1 some are refused, 2 error.',
    )
    .action(async (opts: { shapes: string }, command: Command) => {
      const loaded = await contextOf(command).config()
      const shapes = readShapes(opts.shapes)
      // a ScyllaDB client that never connects: explain plans with no I/O (the session opens on first use)
      const db = dbFor(loaded, 'scylla')
      const scylla = backendOf(db)
      const result = checkShapes(db.$schema, (model, operation) => scylla.explain(model, operation), shapes)
      const out = (line: string) => process.stdout.write(`${line}\n`)
      for (const r of result.refused) {
        out(`refused  ${r.shape.model}.${r.shape.method}  ${operationText(r.shape.operation)}`)
        if (r.read !== operationText(r.shape.operation) || r.model !== r.shape.model)
          out(`  the read ScyllaDB refuses: ${r.model} ${r.read}`)
        out(`  ${r.code}: ${r.message}`)
        out(`  fix: ${r.fix}`)
      }
      for (const s of result.stale) out(`stale    ${s.model}.${s.method}: the schema has no model ${s.model} any more`)
      out(
        `checked ${result.checked} call shapes: ${result.served} served, ${result.refused.length} refused` +
          (result.stale.length ? `, ${result.stale.length} stale` : ''),
      )
      if (result.refused.length > 0) process.exitCode = EXIT.found
    })
}
