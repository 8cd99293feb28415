import { validationError } from '../errors.js'
import type { RowStore } from '../move/row-store.js'

/** One of the two databases dual mode runs. */
export type Side = 'postgres' | 'scylla'

export const otherSide = (side: Side): Side => (side === 'postgres' ? 'scylla' : 'postgres')

/**
 * `createDb({ backend: 'dual', dual })`: both databases at once. Every option has a default; see README,
 * "Dual mode", for what is guaranteed.
 */
export interface DualOptions {
  /** the database that serves reads and writes while it is healthy; default 'postgres' */
  primary?: Side
  /** the other one (default: the other one); it only takes traffic after a failover */
  secondary?: Side
  /**
   * How a write reaches the secondary. 'sync': before the call returns (its errors are counted and logged,
   * never thrown); 'async' (default): its keys are queued and copied in the background.
   */
  mirror?: 'sync' | 'async'
  /** fraction (0..1) of findMany/count reads also run on the other database and compared; default 0 */
  shadowReads?: number
  /** how often both databases are pinged and the control record is read; default 30 000 ms */
  healthIntervalMs?: number
  /** how long one ping may take before it counts as failed; default min(5000, max(1000, healthIntervalMs)) */
  healthTimeoutMs?: number
  /** consecutive failed checks of the primary before failing over; default 3 */
  failoverAfter?: number
  /** consecutive passed checks of the primary before failing back (after an automatic failover); default 5 */
  failbackAfter?: number
  /** periodic incremental sync active → standby (catches what a crash dropped); 0 turns it off; default 300 000 */
  syncIntervalMs?: number
  /** most keys waiting to be mirrored; beyond it the model is marked for a full sync. Default 10 000 */
  queueLimit?: number
  /** attempts per key while both databases answer, before its model is marked for a full sync; default 8 */
  maxAttempts?: number
  /** most keys copied in one batch; default 200 */
  batchSize?: number
  /** how long queued keys wait to be copied together (async mirror); 0 copies on the next turn. Default 10 ms */
  flushDelayMs?: number
  /** shadow comparisons allowed in flight at once (more are skipped, never queued); default 32 */
  shadowConcurrency?: number
  /** how long a disagreeing shadow read waits for pending mirror work before its re-check; default 2000 ms */
  shadowRecheckMs?: number
  /**
   * A write that got no answer (BACKEND_UNAVAILABLE) may still be run by the driver when its database comes
   * back: its keys are copied again once the driver has ended the call (ran it or gave up on it) and that
   * database is active and has answered for this long. Default 30 000 ms (more than the drivers' connect and
   * read timeouts).
   */
  settleMs?: number
  /** this instance's name in `tandem status`; default <hostname>:<pid>:<random> */
  instanceId?: string
  /** receives mirror failures and switches (a library never writes to stdout); default: stderr, rate-limited */
  logger?: (level: 'info' | 'warn' | 'error', message: string) => void
}

/** The options with their defaults filled in and checked. */
export interface DualSettings {
  readonly primary: Side
  readonly secondary: Side
  readonly mirror: 'sync' | 'async'
  readonly shadowReads: number
  readonly healthIntervalMs: number
  readonly healthTimeoutMs: number
  readonly failoverAfter: number
  readonly failbackAfter: number
  readonly syncIntervalMs: number
  readonly queueLimit: number
  readonly maxAttempts: number
  readonly batchSize: number
  readonly flushDelayMs: number
  readonly shadowConcurrency: number
  readonly shadowRecheckMs: number
  readonly settleMs: number
  readonly instanceId: string | undefined
  readonly logger: ((level: 'info' | 'warn' | 'error', message: string) => void) | undefined
}

const KNOWN = [
  'primary',
  'secondary',
  'mirror',
  'shadowReads',
  'healthIntervalMs',
  'healthTimeoutMs',
  'failoverAfter',
  'failbackAfter',
  'syncIntervalMs',
  'queueLimit',
  'maxAttempts',
  'batchSize',
  'flushDelayMs',
  'shadowConcurrency',
  'shadowRecheckMs',
  'settleMs',
  'instanceId',
  'logger',
]

/**
 * Checks the dual options in one place and fills the defaults.
 * @example dualSettings({ primary: 'scylla', mirror: 'sync' }) // secondary 'postgres', healthIntervalMs 30 000, …
 */
export function dualSettings(options: DualOptions = {}): DualSettings {
  const ctx = 'createDb dual'
  if (typeof options !== 'object' || options === null) throw validationError(ctx, '`dual` must be an object')
  for (const key of Object.keys(options))
    if (!KNOWN.includes(key)) throw validationError(ctx, `unknown option \`${key}\`; options are ${KNOWN.join(', ')}`)
  const side = (v: unknown, name: string): Side | undefined => {
    if (v === undefined) return undefined
    if (v !== 'postgres' && v !== 'scylla') throw validationError(ctx, `\`${name}\` must be "postgres" or "scylla"`)
    return v
  }
  const primary = side(options.primary, 'primary') ?? otherSide(side(options.secondary, 'secondary') ?? 'scylla')
  const secondary = side(options.secondary, 'secondary') ?? otherSide(primary)
  if (primary === secondary) throw validationError(ctx, '`primary` and `secondary` must be different databases')
  const mirror = options.mirror ?? 'async'
  if (mirror !== 'sync' && mirror !== 'async') throw validationError(ctx, '`mirror` must be "sync" or "async"')
  const shadowReads = options.shadowReads ?? 0
  if (typeof shadowReads !== 'number' || !(shadowReads >= 0 && shadowReads <= 1))
    throw validationError(ctx, '`shadowReads` must be a number from 0 to 1')
  const int = (v: unknown, name: string, fallback: number, min: number): number => {
    if (v === undefined) return fallback
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      throw validationError(ctx, `\`${name}\` must be an integer ≥ ${min}`)
    return v
  }
  const healthIntervalMs = int(options.healthIntervalMs, 'healthIntervalMs', 30_000, 10)
  if (options.instanceId !== undefined && (typeof options.instanceId !== 'string' || !options.instanceId))
    throw validationError(ctx, '`instanceId` must be a non-empty string')
  if (options.logger !== undefined && typeof options.logger !== 'function')
    throw validationError(ctx, '`logger` must be a function (level, message) => void')
  return {
    primary,
    secondary,
    mirror,
    shadowReads,
    healthIntervalMs,
    healthTimeoutMs: int(
      options.healthTimeoutMs,
      'healthTimeoutMs',
      Math.min(5000, Math.max(1000, healthIntervalMs)),
      10,
    ),
    failoverAfter: int(options.failoverAfter, 'failoverAfter', 3, 1),
    failbackAfter: int(options.failbackAfter, 'failbackAfter', 5, 1),
    syncIntervalMs: int(options.syncIntervalMs, 'syncIntervalMs', 300_000, 0),
    queueLimit: int(options.queueLimit, 'queueLimit', 10_000, 1),
    maxAttempts: int(options.maxAttempts, 'maxAttempts', 8, 1),
    batchSize: int(options.batchSize, 'batchSize', 200, 1),
    flushDelayMs: int(options.flushDelayMs, 'flushDelayMs', 10, 0),
    shadowConcurrency: int(options.shadowConcurrency, 'shadowConcurrency', 32, 1),
    shadowRecheckMs: int(options.shadowRecheckMs, 'shadowRecheckMs', 2000, 0),
    settleMs: int(options.settleMs, 'settleMs', 30_000, 0),
    instanceId: options.instanceId,
    logger: options.logger,
  }
}

/** What dual mode needs of each database: the model operations and the row-level store. */
export interface SyncOptions {
  readonly since?: Date
  readonly deletes?: boolean
  readonly models?: readonly string[]
  readonly full?: boolean
}

/** move's incremental/full copy (src/move/sync.ts), passed in so this folder does not pick its implementation. */
export type SyncFn = (source: RowStore, target: RowStore, options: SyncOptions) => Promise<unknown>
