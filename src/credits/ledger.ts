import type { Model } from '../schema/model.js'

/** One change of a credits balance and its ledger row, applied atomically by the backend. */
export interface LedgerChange {
  readonly userId: string
  /** signed: positive for grants, negative for deductions */
  readonly delta: number
  readonly type: string
  readonly reason: string | null
  readonly idempotencyKey: string | null
  /** the id the new ledger row gets */
  readonly transactionId: string
  readonly now: Date
}

export interface LedgerResult {
  readonly balance: number
  /** the account's version after the change (its ledger sequence): orders cached balances */
  readonly version: number
  readonly transactionId: string
  /** true when the idempotency key had been used: this is the first call's result, nothing changed */
  readonly replayed: boolean
}

/** The credits primitive: a guarded balance change plus its ledger row, idempotent by key. */
export interface Ledger {
  /** throws INSUFFICIENT_CREDITS (and changes nothing) when a deduction exceeds the balance */
  apply(change: LedgerChange): Promise<LedgerResult>
  /** makes every applied change visible in the ledger table before it is read (ScyllaDB repair) */
  sync?(userId: string): Promise<void>
}

export interface LedgerModels {
  readonly account: Model
  readonly entries: Model
}
