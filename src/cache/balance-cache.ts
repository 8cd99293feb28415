import { LRUCache } from 'lru-cache'

export interface Versioned {
  readonly balance: number
  readonly version: number
}

export interface BalanceCacheOptions {
  /** time to live of an entry in ms; 0 disables the cache (every read goes to the database) */
  ttlMs: number
  /** most users kept */
  max: number
  /** the clock, for tests (ms); default performance.now */
  now?: () => number
}

/**
 * Versioned TTL cache of balances. An entry is only ever replaced by one with a higher version, so a
 * slow read that started before a write cannot put an older (higher) balance back; concurrent misses
 * for one user share one load.
 */
export class BalanceCache {
  private readonly cache: LRUCache<string, Versioned> | undefined
  private readonly inflight = new Map<string, Promise<Versioned>>()
  hits = 0
  misses = 0

  constructor(options: BalanceCacheOptions) {
    if (!Number.isFinite(options.ttlMs) || options.ttlMs < 0)
      throw new RangeError('ttlMs must be a non-negative number of milliseconds')
    if (!Number.isInteger(options.max) || options.max < 1) throw new RangeError('max must be a positive integer')
    if (options.ttlMs > 0) {
      this.cache = new LRUCache<string, Versioned>({
        max: options.max,
        ttl: options.ttlMs,
        ttlAutopurge: false,
        // lru-cache reads a start time of 0 as 'no TTL': shift an injected clock that starts at 0
        ...(options.now ? { perf: { now: () => options.now!() + 1 }, ttlResolution: 0 } : {}),
      })
    }
  }

  /** The cached balance, or one load shared by every caller that misses meanwhile. */
  async get(userId: string, load: () => Promise<Versioned>): Promise<Versioned> {
    const hit = this.cache?.get(userId)
    if (hit) {
      this.hits++
      return hit
    }
    this.misses++
    let pending = this.inflight.get(userId)
    if (!pending) {
      pending = load().finally(() => {
        if (this.inflight.get(userId) === pending) this.inflight.delete(userId)
      })
      this.inflight.set(userId, pending)
    }
    const loaded = await pending
    this.offer(userId, loaded)
    // a write that finished while we loaded may have cached a newer balance: never return older
    const cached = this.cache?.peek(userId)
    return cached && cached.version > loaded.version ? cached : loaded
  }

  /** Records a value returned by a write (or a load) unless the cache already holds a newer one. */
  offer(userId: string, value: Versioned): void {
    if (!this.cache) return
    const current = this.cache.peek(userId, { allowStale: true })
    if (current && current.version > value.version) return
    this.cache.set(userId, value)
  }

  /** After a write: later readers must not join a load that started before it. */
  wrote(userId: string, value: Versioned): void {
    this.inflight.delete(userId)
    this.offer(userId, value)
  }

  get size(): number {
    return this.cache?.size ?? 0
  }
}
