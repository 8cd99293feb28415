import { existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createJiti } from 'jiti'
import type { TandemConfig } from '../config.js'
import { TandemError } from '../errors.js'

/** Looked for in this order in the current directory when `--config` is not given. */
export const CONFIG_FILES = ['tandem.config.ts', 'tandem.config.mts', 'tandem.config.js', 'tandem.config.mjs'] as const

/** A config file read and its schema module loaded. */
export interface LoadedConfig {
  /** absolute path of the config file */
  readonly file: string
  /** the config as the file exports it, with `schema` replaced by the loaded module */
  readonly config: TandemConfig & { schema: Record<string, unknown> }
}

function configError(message: string, cause?: unknown): TandemError {
  return new TandemError('CONFIG', message, cause === undefined ? {} : { cause })
}

/** The path the config is read from: `--config PATH` (relative to cwd) or the first of CONFIG_FILES in cwd. */
export function findConfig(explicit: string | undefined, cwd: string = process.cwd()): string {
  if (explicit !== undefined) {
    const file = resolve(cwd, explicit)
    if (!existsSync(file) || !statSync(file).isFile()) throw configError(`config file ${file} not found`)
    return file
  }
  for (const name of CONFIG_FILES) {
    const file = resolve(cwd, name)
    if (existsSync(file)) return file
  }
  throw configError(
    `no ${CONFIG_FILES.join(' / ')} in ${cwd}; create one (export default defineConfig({ schema: './src/db/schema.ts' })) or pass --config PATH`,
  )
}

/**
 * Reads the config file and its schema with jiti, so TypeScript loads with no build step (relative
 * imports inside the schema, `.js`-suffixed TypeScript imports included). Nothing connects here.
 * @example const { config } = await loadConfig(undefined); createDb(config)
 */
export async function loadConfig(explicit: string | undefined, cwd: string = process.cwd()): Promise<LoadedConfig> {
  const file = findConfig(explicit, cwd)
  // one loader per config file: relative specifiers resolve from it; jiti keeps its transpiled files in its
  // cache directory (the OS temp dir), so a second run does not transpile the schema again
  const jiti = createJiti(pathToFileURL(file).href, { moduleCache: true })
  let exported: unknown
  try {
    // jiti's interop answers `.default` with the module itself when there is none: ask for the own property
    const mod = (await jiti.import(file)) as object | undefined
    exported = mod && Object.getOwnPropertyDescriptor(mod, 'default')?.value
  } catch (e) {
    throw configError(`could not load ${file}: ${e instanceof Error ? e.message : String(e)}`, e)
  }
  if (!exported || typeof exported !== 'object' || Array.isArray(exported))
    throw configError(`${file} must export the config as its default export: export default defineConfig({ schema })`)
  const config = exported as Record<string, unknown>
  const schemaRef = config.schema
  let schema: unknown
  if (typeof schemaRef === 'string') {
    const schemaFile = resolve(dirname(file), schemaRef)
    try {
      schema = await jiti.import(schemaFile)
    } catch (e) {
      throw configError(
        `could not load the schema ${schemaFile} (from ${file}): ${e instanceof Error ? e.message : String(e)}`,
        e,
      )
    }
  } else schema = schemaRef
  if (!schema || typeof schema !== 'object')
    throw configError(`${file}: \`schema\` must be the Drizzle schema module or a path to it ('./src/db/schema.ts')`)
  return { file, config: { ...(config as TandemConfig), schema: schema as Record<string, unknown> } }
}
