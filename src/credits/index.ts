import { TandemError } from '../adapter/errors.js'

/** The credits ledger arrives with its own issue; importing the entry point already works. */
export const creditsSchema = {}

export function createCredits(): never {
  throw new TandemError('VALIDATION', 'tandem-orm/credits is not implemented yet')
}
