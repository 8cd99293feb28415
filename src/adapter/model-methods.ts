import type { ModelMethod } from './types.js'

/**
 * Every model method a client call can be (and `explain` can show, and a `$extends` query hook can wrap); the
 * names are the ModelMethod type of types.ts.
 * @example MODEL_METHODS.includes('groupBy') // true
 */
export const MODEL_METHODS: readonly ModelMethod[] = [
  'findUnique',
  'findUniqueOrThrow',
  'findFirst',
  'findFirstOrThrow',
  'findMany',
  'create',
  'createMany',
  'createManyAndReturn',
  'update',
  'updateMany',
  'upsert',
  'delete',
  'deleteMany',
  'count',
  'aggregate',
  'groupBy',
  'updateManyAndReturn',
]

/** the arguments that ask for aggregates (aggregate and groupBy) */
export const AGGREGATE_ARGS = ['_count', '_sum', '_avg', '_min', '_max'] as const
