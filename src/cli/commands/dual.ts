import type { Command } from 'commander'
import { backendOf } from '../../create-db.js'
import { TandemError } from '../../errors.js'
import { updateTimeField, type RowStore } from '../../move/row-store.js'
import { sync } from '../../move/sync.js'
import {
  listInstances,
  readControl,
  writeControl,
  type ControlRecord,
  type InstanceRecord,
} from '../../dual/dual-control.js'
import { otherSide, type Side } from '../../dual/dual-options.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'
import { EXIT } from '../cli-errors.js'
import type { LoadedConfig } from '../config-loader.js'
import { dbFor, reach, type CliDb } from '../open-db.js'
import { table } from '../move-report.js'

/**
 * `tandem failover` / `tandem failback` / `tandem status`: dual mode's operator commands. They work through
 * the control record every running dual-mode instance polls on each health check (src/dual/dual-control.ts),
 * written to both databases; `status` reads what the instances last published there.
 */

interface Opened {
  readonly side: Side
  readonly db: CliDb
  readonly store: RowStore | undefined
  readonly error: string | undefined
  readonly latencyMs: number
}

/** Opens both databases of the config; each is pinged, an unreachable one is reported, not thrown. */
async function withBoth<T>(loaded: LoadedConfig, fn: (sides: Record<Side, Opened>) => Promise<T>): Promise<T> {
  const open = async (side: Side): Promise<Opened> => {
    const db = dbFor(loaded, side)
    const started = performance.now()
    try {
      await reach(db)
      return { side, db, store: backendOf(db).store, error: undefined, latencyMs: performance.now() - started }
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e)
      return { side, db, store: undefined, error, latencyMs: performance.now() - started }
    }
  }
  const [postgres, scylla] = await Promise.all([open('postgres'), open('scylla')])
  try {
    if (!postgres.store && !scylla.store)
      throw new TandemError(
        'BACKEND_UNAVAILABLE',
        `neither database answers (postgres: ${postgres.error}; scylla: ${scylla.error})`,
      )
    return await fn({ postgres, scylla })
  } finally {
    await Promise.all([postgres.db.$disconnect().catch(() => {}), scylla.db.$disconnect().catch(() => {})])
  }
}

function primaryOf(loaded: LoadedConfig): Side {
  const dual = loaded.config.dual
  if (dual?.primary) return dual.primary
  if (dual?.secondary) return otherSide(dual.secondary)
  return 'postgres'
}

const stores = (sides: Record<Side, Opened>): RowStore[] =>
  [sides.postgres.store, sides.scylla.store].filter((s): s is RowStore => s !== undefined)

function mustReach(sides: Record<Side, Opened>, side: Side, what: string): RowStore {
  const s = sides[side]
  if (!s.store) throw new TandemError('BACKEND_UNAVAILABLE', `${what}: ${side} does not answer (${s.error})`)
  return s.store
}

/** Polls the instances' reports until every fresh one runs on `active` (or the time is up). */
async function waitFor(all: readonly RowStore[], active: Side, seconds: number): Promise<InstanceRecord[]> {
  const deadline = Date.now() + seconds * 1000
  for (;;) {
    const behind = (await listInstances(all)).filter((i) => i.active !== active && fresh(i))
    if (behind.length === 0 || Date.now() > deadline) return behind
    await new Promise((r) => setTimeout(r, 500))
  }
}

/** A report newer than two minutes (instances publish on every health check). */
const fresh = (i: InstanceRecord) => Date.now() - Date.parse(i.at) < 120_000

function describeControl(c: ControlRecord | undefined, primary: Side): string {
  if (!c) return `active ${primary} (no control record yet: no switch ever happened)`
  const since = c.failedOverAt && c.active !== primary ? `, failed over at ${c.failedOverAt}` : ''
  return `active ${c.active} (${c.mode}, control record v${c.version} by ${c.by} at ${c.at}${since})`
}

export const registerDual: RegisterCommand = (program: Command) => {
  switchCommand(
    program,
    'failover',
    'dual mode: make the secondary the active database on every running instance (through the control record they poll); no automatic failback after it',
  ).action(async (opts: { wait?: number }, command: Command) => {
    const loaded = await contextOf(command).config()
    const primary = primaryOf(loaded)
    const secondary = otherSide(primary)
    await withBoth(loaded, async (sides) => {
      mustReach(sides, secondary, 'failover')
      const all = stores(sides)
      const current = await readControl(all)
      const at = new Date().toISOString()
      const record: ControlRecord = {
        version: (current?.version ?? 0) + 1,
        active: secondary,
        mode: 'manual',
        at,
        failedOverAt: current?.active === secondary ? (current.failedOverAt ?? at) : at,
        by: 'cli',
      }
      const written = await writeControl(all, record)
      process.stdout.write(
        `failover: ${describeControl(record, primary)}; written to ${written} database(s); instances follow on their next health check\n`,
      )
      if (opts.wait) await reportFollowers(all, secondary, primary, opts.wait)
    })
  })

  switchCommand(
    program,
    'failback',
    'dual mode: copy what changed on the secondary since the failover back to the primary (update-time models), then make the primary active on every running instance (each copies back the keys it wrote first)',
  ).action(async (opts: { wait?: number }, command: Command) => {
    const loaded = await contextOf(command).config()
    const primary = primaryOf(loaded)
    const secondary = otherSide(primary)
    await withBoth(loaded, async (sides) => {
      const target = mustReach(sides, primary, 'failback')
      const source = mustReach(sides, secondary, 'failback')
      const all = stores(sides)
      const current = await readControl(all)
      if (!current || current.active === primary) {
        process.stdout.write(`failback: nothing to do, ${describeControl(current, primary)}\n`)
        return
      }
      // from the failover on (not earlier: see DualBackend.failbackLocal)
      const since = new Date(current.failedOverAt ?? current.at)
      const models = [...source.schema.models.values()].filter((m) => updateTimeField(m)).map((m) => m.name)
      if (models.length) {
        const r = await sync(source, target, { since, models })
        const written = r.models.reduce((n, m) => n + m.written, 0)
        process.stdout.write(
          `failback: ${written} row(s) changed on ${secondary} since ${since.toISOString()} copied to ${primary}\n`,
        )
      }
      const record: ControlRecord = {
        version: current.version + 1,
        active: primary,
        mode: 'manual',
        at: new Date().toISOString(),
        by: 'cli',
      }
      const written = await writeControl(all, record)
      process.stdout.write(`failback: ${describeControl(record, primary)}; written to ${written} database(s)\n`)
      if (opts.wait) await reportFollowers(all, primary, secondary, opts.wait)
    })
  })

  program
    .command('status')
    .description(
      "dual mode: each database's health and latency, the control record, and every running instance's queue, mirrored and failed counts and mismatches",
    )
    .option('--json', 'print one JSON object instead of tables')
    .addHelpText(
      'after',
      '\nExit codes: 0 all healthy, 1 a database does not answer or an instance reports mismatches or a pending full sync, 2 error.',
    )
    .action(async (opts: { json?: boolean }, command: Command) => {
      const loaded = await contextOf(command).config()
      const primary = primaryOf(loaded)
      await withBoth(loaded, async (sides) => {
        const all = stores(sides)
        const [control, instances] = await Promise.all([readControl(all), listInstances(all)])
        const backends = Object.fromEntries(
          (['postgres', 'scylla'] as const).map((s) => [
            s,
            {
              healthy: sides[s].store !== undefined,
              latencyMs: Math.round(sides[s].latencyMs * 10) / 10,
              error: sides[s].error,
            },
          ]),
        )
        const attention =
          !sides.postgres.store ||
          !sides.scylla.store ||
          instances.some(
            (i) =>
              fresh(i) && (i.mismatches > 0 || i.fullSyncPending.postgres.length + i.fullSyncPending.scylla.length > 0),
          )
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify({ primary, active: control?.active ?? primary, control, backends, instances }, null, 2)}\n`,
          )
        } else {
          process.stdout.write(`primary ${primary}; ${describeControl(control, primary)}\n\n`)
          process.stdout.write(
            `${table(
              ['database', 'answers', 'latency ms', 'error'],
              (['postgres', 'scylla'] as const).map((s) => [
                s,
                sides[s].store ? 'yes' : 'NO',
                Math.round(sides[s].latencyMs * 10) / 10,
                sides[s].error ?? '',
              ]),
            )}\n\n`,
          )
          if (instances.length === 0) process.stdout.write('no running instance has reported\n')
          else
            process.stdout.write(
              `${table(
                [
                  'instance',
                  'age s',
                  'active',
                  'postgres',
                  'scylla',
                  'queued',
                  'mirrored',
                  'failed',
                  'mismatches',
                  'full sync',
                ],
                instances.map((i) => [
                  fresh(i) ? i.id : `${i.id} (stale)`,
                  Math.round((Date.now() - Date.parse(i.at)) / 100) / 10,
                  i.active,
                  `${i.backends.postgres.healthy ? 'up' : 'DOWN'} ${i.backends.postgres.latencyMs}ms`,
                  `${i.backends.scylla.healthy ? 'up' : 'DOWN'} ${i.backends.scylla.latencyMs}ms`,
                  i.queued,
                  i.mirrored,
                  i.mirrorFailures,
                  i.mismatches,
                  [...i.fullSyncPending.postgres, ...i.fullSyncPending.scylla].join(',') || '-',
                ]),
              )}\n`,
            )
        }
        if (attention) process.exitCode = EXIT.found
      })
    })
}

/** `--wait`: waits until every running instance reports `to` active; exit 1 naming those still on `from`. */
async function reportFollowers(all: readonly RowStore[], to: Side, from: Side, seconds: number): Promise<void> {
  const behind = await waitFor(all, to, seconds)
  if (behind.length) {
    process.stdout.write(`still on ${from}: ${behind.map((i) => i.id).join(', ')}\n`)
    process.exitCode = EXIT.found
  } else process.stdout.write('every running instance switched\n')
}

/** `tandem failover` / `failback`: the command with its --wait option and exit codes. */
function switchCommand(program: Command, name: string, description: string): Command {
  return program
    .command(name)
    .description(description)
    .option('--wait <seconds>', 'wait until every running instance reports the switch', (v) => Number(v))
    .addHelpText('after', '\nExit codes: 0 switched, 1 instances still behind after --wait, 2 error.')
}
