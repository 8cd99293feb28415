// Offline generation of a Prisma 7 client, shared by the differential oracle (test/oracle) and the benchmark
// harness (benchmarks/prisma). Dev-only: tandem itself never uses Prisma.
//
// `prisma generate` needs no database and no Rust engine (the client runs on the WASM query compiler with
// @prisma/adapter-pg), but the CLI resolves a schema-engine binary first and would download one. Pointing
// PRISMA_SCHEMA_ENGINE_BINARY at any executable skips that, so a stub that refuses to run is written: Prisma
// never migrates these databases (tandem's `$push()` creates the tables Prisma reads).
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The generator of the folder `dir` (holding schema.prisma and prisma.config.ts; output in dir/generated).
 * `label` names it in messages.
 */
export function prismaGenerator(dir, label) {
  const generatedDir = join(dir, 'generated')
  const stampFile = join(generatedDir, '.stamp')
  const stamp = () => {
    const hash = createHash('sha256')
    for (const file of ['schema.prisma', 'prisma.config.ts']) hash.update(readFileSync(join(dir, file)))
    return `prisma ${require('prisma/package.json').version} client ${require('@prisma/client/package.json').version} ${hash.digest('hex')}`
  }
  /** True when generated/ exists and was generated from the current inputs. */
  const isFresh = () =>
    existsSync(join(generatedDir, 'client.ts')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp()
  const stubEngine = () => {
    const engineDir = join(dir, '.engine')
    mkdirSync(engineDir, { recursive: true })
    const path = join(engineDir, 'schema-engine')
    writeFileSync(
      path,
      `#!/bin/sh\necho "tandem-orm ${label}: stub schema engine; migrations are not available (tandem pushes the schema)" >&2\nexit 1\n`,
    )
    chmodSync(path, 0o755)
    return path
  }
  /** Generates the client unless `ifStale` and it is already fresh. Throws with Prisma's output on failure. */
  const generate = ({ ifStale = false, quiet = false } = {}) => {
    if (ifStale && isFresh()) return false
    const cli = join(dirname(require.resolve('prisma/package.json')), require('prisma/package.json').bin.prisma)
    const result = spawnSync(
      process.execPath,
      [cli, 'generate', '--config', join(dir, 'prisma.config.ts'), '--no-hints'],
      {
        cwd: root,
        env: {
          ...process.env,
          PRISMA_SCHEMA_ENGINE_BINARY: stubEngine(),
          CHECKPOINT_DISABLE: '1',
          PRISMA_HIDE_UPDATE_MESSAGE: '1',
        },
        encoding: 'utf8',
        stdio: quiet ? 'pipe' : 'inherit',
        timeout: 120_000,
      },
    )
    if (result.status !== 0) {
      const output = quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : ''
      throw new Error(
        `prisma generate failed (exit ${result.status ?? result.signal})${result.error ? `: ${result.error.message}` : ''}${output}`,
      )
    }
    writeFileSync(stampFile, stamp())
    return true
  }
  /** The command line: `node <dir>/generate.mjs [--if-stale]`. */
  const cli = () => {
    try {
      if (!generate({ ifStale: process.argv.includes('--if-stale') }))
        console.log(`Prisma ${label} client is up to date (${generatedDir}).`)
    } catch (err) {
      console.error(err instanceof Error ? err.message : err)
      process.exit(1)
    }
  }
  return { generatedDir, isFresh, generate, cli }
}
