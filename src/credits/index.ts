export { createCredits } from './create-credits.js'
export type {
  Credits,
  CreditsOptions,
  ChangeOptions,
  CreditTransaction,
  CreditType,
  ImportRow,
  ImportOptions,
  ImportResult,
} from './create-credits.js'
export { creditsSchema, userCredits, creditTransactions, creditTransactionType } from './credits-schema.js'
