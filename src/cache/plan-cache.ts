import { LRUCache } from 'lru-cache'

/**
 * Compiled plans keyed by query shape (never by values; see `shapeOf`). Bounded, so an application that
 * builds unbounded shapes (say, `in` lists of every length) cannot grow memory without limit. One per
 * backend, shared by its transactions.
 */
export class PlanCache<T extends object> {
  private readonly cache: LRUCache<string, T>
  hits = 0
  misses = 0

  constructor(max: number) {
    this.cache = new LRUCache<string, T>({ max })
  }

  get(key: string): T | undefined {
    const found = this.cache.get(key)
    if (found) this.hits++
    else this.misses++
    return found
  }

  set(key: string, plan: T): void {
    this.cache.set(key, plan)
  }

  getOrCreate(key: string, create: () => T): T {
    let plan = this.get(key)
    if (!plan) {
      plan = create()
      this.cache.set(key, plan)
    }
    return plan
  }

  get size(): number {
    return this.cache.size
  }
}
