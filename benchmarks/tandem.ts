// tandem as its users run it: the built package (dist/, what `npm install` builds and `tandem-orm` resolves to),
// not the TypeScript sources through tsx (whose on-the-fly transform adds helper calls that double tandem's
// per-call CPU). build.ts rebuilds dist/ before a run when src/ is newer. Every benchmark module imports tandem
// from here only; the internals below serve seeding (the ScyllaDB layout) and the planning micro-benchmark.
export { createDb, readSchema } from 'tandem-orm'
export type { TandemDb } from 'tandem-orm'
export { createCredits, creditsSchema } from 'tandem-orm/credits'
export type { Credits } from 'tandem-orm/credits'
export { backendOf } from '../dist/create-db.js'
export { deriveAllTables, type CqlTable, type ModelTables } from '../dist/schema/scylla-layout.js'
export { insertRow, keyOf } from '../dist/cql/cql-statements.js'
export { toCql } from '../dist/cql/scylla-values.js'
export { normalizeOrderBy, normalizeUniqueWhere, normalizeWhere } from '../dist/adapter/normalize.js'
export { boundBaseReads } from '../dist/cql/read-path.js'
export type { Operation, ReadQuery } from '../dist/adapter/query.js'
export type { Model, Row } from '../dist/schema/model.js'
export { drizzle as tandemDrizzle } from 'tandem-orm/drizzle'
export type { TandemDrizzle } from 'tandem-orm/drizzle'
