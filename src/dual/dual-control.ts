import type { RowStore } from '../move/row-store.js'
import type { Side } from './dual-options.js'

/**
 * Dual mode's shared records, kept with tandem's meta records in BOTH databases (either may be down):
 * - `dual:control`: which database every instance should use. Versioned; readers follow the highest
 *   version found on either side, so `tandem failover` reaches every running instance on its next check.
 * - `dual:instance:<id>`: what each running instance last reported, for `tandem status`.
 */
export const CONTROL_KEY = 'dual:control'
export const INSTANCE_PREFIX = 'dual:instance:'

export interface ControlRecord {
  readonly version: number
  /** the database every instance sends reads and writes to */
  readonly active: Side
  /** 'manual' (tandem failover / $dual.failover()): no automatic failback until a manual failback */
  readonly mode: 'auto' | 'manual'
  /** ISO time of the switch */
  readonly at: string
  /** ISO time the primary stopped being active (failback syncs changes since then) */
  readonly failedOverAt?: string
  /** the instance (or 'cli') that wrote it */
  readonly by: string
}

export interface BackendHealth {
  readonly healthy: boolean
  readonly latencyMs: number
}

/** The counters `$dual.status()` returns, also published per instance. */
export interface DualStatus {
  readonly primary: Side
  readonly active: Side
  readonly backends: Readonly<Record<Side, BackendHealth>>
  /** keys waiting to be mirrored or being mirrored now */
  readonly queued: number
  /** rows mirrored since start */
  readonly mirrored: number
  /** failed row copies since start (each retry counts) */
  readonly mirrorFailures: number
  /** shadow reads that disagreed */
  readonly mismatches: number
  /** shadow reads compared (agreeing or not) */
  readonly shadowCompared: number
  /** shadow reads left uncompared: mirror work still moving their rows after the re-check, or too many at once */
  readonly shadowSkipped: number
  /** shadow comparisons running now */
  readonly shadowPending: number
  /** models marked for a full sync, per target database */
  readonly fullSyncPending: Readonly<Record<Side, readonly string[]>>
  /** keys of writes with an unknown outcome, copied again once the call ended and its database settled (settleMs) */
  readonly unsettled: number
  /** a full copy or an incremental sync is running */
  readonly syncing: boolean
  readonly mode: 'auto' | 'manual'
  readonly controlVersion: number
  readonly failedOverAt: string | undefined
}

export interface InstanceRecord extends DualStatus {
  readonly id: string
  /** ISO time of the report */
  readonly at: string
}

function parse<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined
  try {
    return JSON.parse(text) as T
  } catch {
    return undefined
  }
}

/** The control record with the highest version on either database (unreachable ones are skipped). */
export async function readControl(stores: readonly RowStore[]): Promise<ControlRecord | undefined> {
  const found = await Promise.allSettled(stores.map((s) => s.getMeta(CONTROL_KEY)))
  let best: ControlRecord | undefined
  for (const r of found) {
    const c = r.status === 'fulfilled' ? parse<ControlRecord>(r.value) : undefined
    if (c && typeof c.version === 'number' && (!best || c.version > best.version)) best = c
  }
  return best
}

/**
 * Writes a control record to every database that answers; throws only when none does.
 * @example await writeControl([pg.store, scylla.store], { version: 4, active: 'scylla', mode: 'manual', at, by: 'cli' })
 */
export async function writeControl(stores: readonly RowStore[], record: ControlRecord): Promise<number> {
  const text = JSON.stringify(record)
  const done = await Promise.allSettled(stores.map((s) => s.setMeta(CONTROL_KEY, text)))
  const ok = done.filter((r) => r.status === 'fulfilled').length
  if (ok === 0) throw (done[0] as PromiseRejectedResult).reason
  return ok
}

/** Publishes one instance's status to every database that answers (best effort). */
export async function publishInstance(stores: readonly RowStore[], record: InstanceRecord): Promise<void> {
  const text = JSON.stringify(record)
  await Promise.allSettled(stores.map((s) => s.setMeta(INSTANCE_PREFIX + record.id, text)))
}

export async function removeInstance(stores: readonly RowStore[], id: string): Promise<void> {
  await Promise.allSettled(stores.map((s) => s.deleteMeta(INSTANCE_PREFIX + id)))
}

/** Every instance's newest report found on either database. */
export async function listInstances(stores: readonly RowStore[]): Promise<InstanceRecord[]> {
  const found = await Promise.allSettled(stores.map((s) => s.listMeta(INSTANCE_PREFIX)))
  const byId = new Map<string, InstanceRecord>()
  for (const r of found) {
    if (r.status !== 'fulfilled') continue
    for (const text of r.value.values()) {
      const rec = parse<InstanceRecord>(text)
      if (!rec?.id) continue
      const seen = byId.get(rec.id)
      if (!seen || seen.at < rec.at) byId.set(rec.id, rec)
    }
  }
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id))
}
