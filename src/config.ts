import type { CreateDbOptions } from './create-db.js'

/**
 * What `tandem.config.ts` exports: the options of `createDb`, with the schema given either as the module
 * object or as a path to it (relative to the config file; TypeScript loads without a build step). Fields
 * left out are read from the environment exactly as `createDb` reads them (DATABASE_URL, USE_SCYLLA,
 * SCYLLA_HOSTS, …).
 */
export type TandemConfig<S extends Record<string, unknown> = Record<string, unknown>> = Omit<
  CreateDbOptions<S>,
  'schema'
> & {
  /** the Drizzle schema module, or its path relative to the config file: './src/db/schema.ts' */
  schema: string | S
}

/**
 * Types a `tandem.config.ts` (the identity function: it only gives the editor the config's type).
 * @example export default defineConfig({ schema: './src/db/schema.ts', layout: { message: { partitionKey: ['chatId'] } } })
 */
export function defineConfig<S extends Record<string, unknown> = Record<string, unknown>>(
  config: TandemConfig<S>,
): TandemConfig<S> {
  return config
}
