// Every workload, in the order the harness runs them.
import type { Workload } from './common.js'
import { aggregate, groupBy } from './aggregate.js'
import { create } from './create.js'
import { drizzlePage, drizzlePoint } from './drizzle-reads.js'
import { creditsBalanceCached, creditsDeduct } from './credits.js'
import { findManyPage } from './find-many-page.js'
import { findUniqueKey } from './find-unique-key.js'
import { findUniquePk } from './find-unique-pk.js'
import { hotRowIncrement } from './hot-row-increment.js'
import { includePage } from './include-page.js'
import { updatePk } from './update-pk.js'

export const WORKLOADS: readonly Workload[] = [
  findUniquePk,
  findUniqueKey,
  findManyPage,
  create,
  updatePk,
  includePage,
  creditsBalanceCached,
  creditsDeduct,
  hotRowIncrement,
  aggregate,
  groupBy,
  drizzlePoint,
  drizzlePage,
]
export { findManyPage }
export type { Workload, WorkloadEnv } from './common.js'
