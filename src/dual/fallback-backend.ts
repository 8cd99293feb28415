import type { Model, Row } from '../schema/model.js'
import type {
  Backend,
  BackendTransactionOptions,
  Operation,
  PushOptions,
  PushReport,
  RawQuery,
  Statement,
} from '../adapter/backend.js'
import { TandemError } from '../errors.js'

/**
 * The start-up fallback (`createDb({ backend: 'scylla', fallback: 'postgres' })`): on first use the
 * preferred database is pinged; if it cannot be reached (BACKEND_UNAVAILABLE, not refused credentials),
 * the client runs on the fallback for its whole life, and says so once through `log`. There is no
 * switching back and no mirroring: it is for starting at all, not for redundancy (that is dual mode).
 * The credits ledger refuses to change balances on the fallback (see create-credits.ts).
 */
export class FallbackBackend implements Backend {
  /** both run the delegate's loader, so the choice can wait for the first call */
  readonly includes = 'loader' as const
  private chosen: Backend | undefined
  private choosing: Promise<Backend> | undefined

  constructor(
    readonly preferred: Backend,
    readonly fallback: Backend,
    private readonly log: (message: string) => void,
  ) {}

  /** whether the client runs on its fallback (known after the first call) */
  get onFallback(): boolean {
    return this.chosen === this.fallback
  }

  get kind(): Backend['kind'] {
    return (this.chosen ?? this.preferred).kind
  }

  /** The backend this client runs on, pinging the preferred one on first use. */
  choose(): Promise<Backend> {
    if (this.chosen) return Promise.resolve(this.chosen)
    this.choosing ??= this.preferred.ping().then(
      () => (this.chosen = this.preferred),
      async (e: unknown) => {
        if (!(e instanceof TandemError && e.code === 'BACKEND_UNAVAILABLE')) {
          this.choosing = undefined
          throw e
        }
        this.log(
          `${this.preferred.kind} cannot be reached (${e.message}); running on the ${this.fallback.kind} fallback ` +
            '(credit balances will not change until the client is restarted on ' +
            `${this.preferred.kind})`,
        )
        await this.preferred.close().catch(() => {})
        return (this.chosen = this.fallback)
      },
    )
    return this.choosing
  }

  async run(model: Model, operation: Operation): Promise<Row[] | number> {
    return (this.chosen ?? (await this.choose())).run(model, operation)
  }

  explain(model: Model, operation: Operation): Statement[] {
    return (this.chosen ?? this.preferred).explain(model, operation)
  }

  ddl(): string[] {
    return (this.chosen ?? this.preferred).ddl()
  }

  async push(options?: PushOptions): Promise<PushReport> {
    return (await this.choose()).push(options)
  }

  async ping(): Promise<void> {
    await (await this.choose()).ping()
  }

  async transaction<T>(fn: (tx: Backend) => Promise<T>, options?: BackendTransactionOptions): Promise<T> {
    return (await this.choose()).transaction(fn, options)
  }

  /** on the database chosen at the first call (so `$cql` is refused once the client fell back to PostgreSQL) */
  async raw(query: RawQuery): Promise<Record<string, unknown>[] | number> {
    return (this.chosen ?? (await this.choose())).raw(query)
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.preferred.close(), this.fallback.close()])
  }
}
