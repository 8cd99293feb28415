// Runs the real `tandem` CLI (src/cli/bin.ts through tsx, no build) with the movement tests' config, on the
// PostgreSQL database and keyspace given.
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { urlOf } from './move-support.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const CONFIG = resolve(ROOT, 'test/move/fixtures/tandem.config.ts')

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface Target {
  readonly postgres: string
  readonly scylla: string
}

/** Starts `tandem <args>` with the config bound to these databases. */
export function startCli(target: Target, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', resolve(ROOT, 'src/cli/bin.ts'), '--config', CONFIG, ...args], {
    cwd: ROOT,
    env: { ...process.env, TANDEM_MOVE_URL: urlOf(target.postgres), TANDEM_MOVE_KEYSPACE: target.scylla },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** Runs `tandem <args>` to its end. */
export function runCli(target: Target, args: readonly string[]): Promise<CliRun> {
  const child = startCli(target, args)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
  return new Promise((done, fail) => {
    child.once('error', fail)
    child.once('close', (code) => done({ code, stdout, stderr }))
  })
}
