#!/usr/bin/env node
// Generates the Prisma 7 client the benchmark compares against (schema.prisma → ./generated, git-ignored),
// offline, the way test/oracle/generate.mjs does: `prisma generate` needs no database and no Rust engine
// (the client runs on the WASM query compiler with @prisma/adapter-pg), but the CLI resolves a schema-engine
// binary first and would download one; PRISMA_SCHEMA_ENGINE_BINARY pointed at a stub that refuses to run
// skips that. Prisma never migrates the benchmark database (tandem's `$push()` creates the tables).
//
// Usage: node benchmarks/prisma/generate.mjs [--if-stale]
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

export const generatedDir = join(here, 'generated')
const stampFile = join(generatedDir, '.bench-stamp')
const engineDir = join(here, '.engine')

function stamp() {
  const prismaVersion = require('prisma/package.json').version
  const clientVersion = require('@prisma/client/package.json').version
  const hash = createHash('sha256')
  for (const file of ['schema.prisma', 'prisma.config.ts']) hash.update(readFileSync(join(here, file)))
  return `prisma ${prismaVersion} client ${clientVersion} ${hash.digest('hex')}`
}

/** True when generated/ exists and was generated from the current inputs. */
export function isFresh() {
  return existsSync(join(generatedDir, 'client.ts')) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp()
}

function stubEngine() {
  mkdirSync(engineDir, { recursive: true })
  const path = join(engineDir, 'schema-engine')
  writeFileSync(path, '#!/bin/sh\necho "tandem-orm bench: stub schema engine; migrations are not available (tandem pushes the schema)" >&2\nexit 1\n')
  chmodSync(path, 0o755)
  return path
}

/** Generates the client unless `ifStale` and it is already fresh. Throws with Prisma's output on failure. */
export function generate({ ifStale = false, quiet = false } = {}) {
  if (ifStale && isFresh()) return false
  const cli = join(dirname(require.resolve('prisma/package.json')), require('prisma/package.json').bin.prisma)
  const result = spawnSync(process.execPath, [cli, 'generate', '--config', join(here, 'prisma.config.ts'), '--no-hints'], {
    cwd: join(here, '..', '..'),
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stubEngine(), CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    encoding: 'utf8',
    // stdout stays clean: Prisma's own output goes to stderr (or is captured)
    stdio: quiet ? 'pipe' : ['ignore', process.stderr, process.stderr],
    timeout: 120_000,
  })
  if (result.status !== 0) {
    const output = quiet ? `\n${result.stdout ?? ''}${result.stderr ?? ''}` : ''
    throw new Error(`prisma generate failed (exit ${result.status ?? result.signal})${result.error ? `: ${result.error.message}` : ''}${output}`)
  }
  writeFileSync(stampFile, stamp())
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    if (!generate({ ifStale: process.argv.includes('--if-stale') })) console.error('Prisma bench client is up to date (benchmarks/prisma/generated).')
  } catch (err) {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  }
}
