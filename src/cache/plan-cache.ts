import { LRUCache } from 'lru-cache'

/**
 * Compiled plans keyed by query shape (never by values). Bounded, so an application that builds
 * unbounded shapes (say, `in` lists of every length) cannot grow memory without limit.
 */
export class PlanCache<T extends object> {
  private readonly cache: LRUCache<string, T>
  hits = 0
  misses = 0

  constructor(max: number) {
    this.cache = new LRUCache<string, T>({ max })
  }

  getOrCreate(key: string, create: () => T): T {
    const found = this.cache.get(key)
    if (found) {
      this.hits++
      return found
    }
    this.misses++
    const made = create()
    this.cache.set(key, made)
    return made
  }

  get size(): number {
    return this.cache.size
  }
}
