import { bigint, index, pgEnum, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import { withLayout } from '../schema/scylla-layout.js'

/**
 * Kinds of ledger rows. Grants, refunds and bonuses add; deductions subtract; `import` is an opening
 * balance brought from another system (`credits.import`), one per user.
 */
export const creditTransactionType = pgEnum('credit_transaction_type', [
  'grant',
  'deduction',
  'refund',
  'bonus',
  'import',
])

/** One row per user: the balance, its totals, and a version that orders every change. */
export const userCredits = pgTable('user_credits', {
  userId: text('user_id').primaryKey(),
  balance: bigint('balance', { mode: 'number' }).notNull().default(0),
  totalPurchased: bigint('total_purchased', { mode: 'number' }).notNull().default(0),
  totalUsed: bigint('total_used', { mode: 'number' }).notNull().default(0),
  /** the ledger sequence of the newest change; cached balances are ordered by it */
  version: bigint('version', { mode: 'number' }).notNull().default(0),
  /** ScyllaDB: the newest ledger row, written in the same compare-and-set as the balance so it is never lost */
  lastEntry: text('last_entry'),
  createdAt: timestamp('created_at').notNull().defaultNow(),
  updatedAt: timestamp('updated_at').notNull().defaultNow(),
})

/**
 * The ledger: one row per change, signed amount, the balance after it. On ScyllaDB a partition per user,
 * newest first; `seq` equals the account version the change produced.
 */
export const creditTransactions = withLayout(
  pgTable(
    'credit_transactions',
    {
      id: uuid('id').primaryKey().defaultRandom(),
      userId: text('user_id').notNull(),
      seq: bigint('seq', { mode: 'number' }).notNull(),
      amount: bigint('amount', { mode: 'number' }).notNull(),
      type: creditTransactionType('type').notNull(),
      reason: text('reason'),
      balanceAfter: bigint('balance_after', { mode: 'number' }).notNull(),
      idempotencyKey: text('idempotency_key').unique(),
      createdAt: timestamp('created_at').notNull().defaultNow(),
    },
    (t) => [index('credit_transactions_user_seq_idx').on(t.userId, t.seq)],
  ),
  {
    partitionKey: ['userId'],
    clusteringKey: [
      ['seq', 'desc'],
      ['id', 'desc'],
    ],
  },
)

/** Spread into your schema: `createDb({ schema: { ...schema, ...creditsSchema } })`. */
export const creditsSchema = { creditTransactionType, userCredits, creditTransactions }
