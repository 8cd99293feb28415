#!/usr/bin/env node
// Local test databases for tandem-orm: PostgreSQL 15 and Apache Cassandra 5.0 (the CQL stand-in for ScyllaDB).
//
//   node scripts/db.mjs up     start (or reuse) both; stdout gets ONLY the KEY=value lines
//                              DATABASE_URL, SCYLLA_HOSTS, SCYLLA_DATACENTER; progress goes to stderr
//   node scripts/db.mjs up --secure
//                              PostgreSQL and the secured Cassandra node (password authentication, client TLS
//                              required; 127.0.0.5:9042, scripts/secure-node.mjs) instead of the plain one; also
//                              prints SCYLLA_USERNAME, SCYLLA_PASSWORD, SCYLLA_TLS_CA
//   node scripts/db.mjs down   stop what `up` started (the secured node too)
//
// Also importable: `import { up, down } from './scripts/db.mjs'`, and the process helpers tests use to run a
// PostgreSQL of their own (run, findPgBin, pgOsUser, osIds, ensureTraversable, pidAlive, readPid).
// A DATABASE_URL (resp. SCYLLA_HOSTS / SCYLLA_HOST) already in the environment wins: nothing is started for it.
// Everything lives under <project>/.local/ (git-ignored). Node built-ins only; the Cassandra node is run by
// scripts/cassandra-node.mjs (which imports cassandra-driver lazily for the readiness probe).
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  aptInstall as aptInstallQueued,
  cassandraNode,
  CassandraNodeError,
  isExecutable,
  pidAlive,
  readPid,
  run,
  tail,
  tcpOpen,
  which,
  withLock as withDirLock,
} from './cassandra-node.mjs'
import { downSecure, upSecure } from './secure-node.mjs'

export { pidAlive, readPid, run }

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const LOCAL = path.resolve(process.env.TANDEM_LOCAL_DIR || path.join(ROOT, '.local'))
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0

// PostgreSQL
const PG_VERSION = '15'
const PG_PORT = 55432
const PG_HOST = '127.0.0.1'
const PG_DIR = path.join(LOCAL, 'postgres')
const PG_DATA = path.join(PG_DIR, 'data')
const PG_SOCK = path.join(PG_DIR, 'run')
const PG_LOG = path.join(PG_DIR, 'logs', 'postgres.log')
const PG_OS_USER = 'postgres'
const PG_ROLE = 'tandem'
const PG_PASSWORD = 'tandem'
const PG_DB = 'tandem'
const PG_URL = `postgres://${PG_ROLE}:${PG_PASSWORD}@${PG_HOST}:${PG_PORT}/${PG_DB}`
const PG_SETTINGS = {
  listen_addresses: `'${PG_HOST}'`,
  port: PG_PORT,
  unix_socket_directories: `'${PG_SOCK}'`,
  max_connections: 200,
  shared_buffers: "'128MB'",
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  logging_collector: 'off',
  log_min_messages: 'warning',
  timezone: "'UTC'",
}

// Cassandra
const CASS_NODE = path.join(LOCAL, 'cassandra', 'n1')
const CASS_HOST = '127.0.0.1'
const CASS_PORT = 9042
const CASS_DC = 'datacenter1'
const CASS_HEAP = process.env.CASSANDRA_HEAP || '768m'
const CASS_TIMEOUT_MS = Number(process.env.CASSANDRA_START_TIMEOUT_MS || 180_000)
// ---------------------------------------------------------------------------------------------- helpers

const t0 = Date.now()
function log(msg) {
  process.stderr.write(`[db ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`)
}

class DbError extends Error {}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function exists(p) {
  try {
    fs.accessSync(p)
    return true
  } catch {
    return false
  }
}

async function mustRun(what, cmd, args, opts) {
  const r = await run(cmd, args, opts)
  if (r.code !== 0) {
    throw new DbError(
      `${what} failed (exit ${r.code}): ${cmd} ${args.join(' ')}\n${opts?.quiet ? r.out.trim() : ''}`.trim(),
    )
  }
  return r
}

// apt-get must not run twice at once (dpkg lock); PostgreSQL and Cassandra prerequisites start concurrently and
// share cassandra-node.mjs's queue.
function aptInstall(...alternatives) {
  return aptInstallQueued(log, ...alternatives)
}

/** A cross-process lock so two concurrent `up`/`down` calls don't race (e.g. tests and a benchmark). */
function withLock(fn) {
  return withDirLock(path.join(LOCAL, 'db.lock'), fn, { name: 'db.mjs', timeoutMs: CASS_TIMEOUT_MS + 120_000, log })
}

// ------------------------------------------------------------------------------------------- PostgreSQL

export function findPgBin() {
  const cands = []
  if (process.env.PG_BIN) cands.push(process.env.PG_BIN)
  cands.push(`/usr/lib/postgresql/${PG_VERSION}/bin`)
  try {
    const versions = fs
      .readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v) && Number(v) >= 13)
      .sort((a, b) => Number(b) - Number(a))
    for (const v of versions) cands.push(`/usr/lib/postgresql/${v}/bin`)
  } catch {}
  const initdb = which('initdb')
  if (initdb) cands.push(path.dirname(initdb))
  return cands.find((d) => ['initdb', 'pg_ctl', 'postgres', 'psql'].every((b) => isExecutable(path.join(d, b)))) || null
}

async function ensurePgBin() {
  let bin = findPgBin()
  if (bin) return bin
  if (!IS_ROOT || !which('apt-get')) {
    throw new DbError(
      `PostgreSQL ${PG_VERSION} server binaries (initdb, pg_ctl, postgres) not found in /usr/lib/postgresql/*/bin or PATH: ` +
        `install them (Debian/Ubuntu: sudo apt-get install postgresql-${PG_VERSION}), set PG_BIN=<dir>, or set DATABASE_URL to an existing server`,
    )
  }
  log(`PostgreSQL binaries missing, installing postgresql-${PG_VERSION}`)
  await aptInstall([`postgresql-${PG_VERSION}`], ['postgresql'])
  bin = findPgBin()
  if (!bin)
    throw new DbError('PostgreSQL was installed by apt-get but initdb/pg_ctl are still not found; set PG_BIN=<dir>')
  return bin
}

/** When root, initdb/postgres must run as an unprivileged OS user; returns that user (or null when not root). */
export async function pgOsUser() {
  if (!IS_ROOT) return null
  const r = await run('id', ['-u', PG_OS_USER], { quiet: true })
  if (r.code !== 0) {
    log(`creating system user ${PG_OS_USER}`)
    await mustRun(
      'useradd',
      'useradd',
      [
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/var/lib/postgresql',
        '--shell',
        '/usr/sbin/nologin',
        PG_OS_USER,
      ],
      { quiet: true },
    )
  }
  return PG_OS_USER
}

export async function osIds(user) {
  const uid = Number((await mustRun('id -u', 'id', ['-u', user], { quiet: true })).out.trim())
  const gid = Number((await mustRun('id -g', 'id', ['-g', user], { quiet: true })).out.trim())
  return { uid, gid }
}

/** Every ancestor of `dir` must be traversable (o+x) for the postgres user; fixes it when needed. */
export function ensureTraversable(dir) {
  const fixed = []
  for (let d = path.dirname(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d)
    if ((st.mode & 0o001) === 0) {
      fs.chmodSync(d, st.mode | 0o001)
      fixed.push(d)
    }
    if (d === path.dirname(d)) break
  }
  if (fixed.length) log(`made ${fixed.join(', ')} traversable (o+x) for the ${PG_OS_USER} user`)
}

function chownTree(p, uid, gid) {
  fs.chownSync(p, uid, gid)
  if (fs.lstatSync(p).isDirectory()) for (const e of fs.readdirSync(p)) chownTree(path.join(p, e), uid, gid)
}

function pgConfText() {
  return (
    '# Written by scripts/db.mjs on every `up`; included from postgresql.conf.\n' +
    Object.entries(PG_SETTINGS)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n') +
    '\n'
  )
}

function pidExists(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM'
  }
}

async function pgRunning(bin, user) {
  if (!exists(path.join(PG_DATA, 'PG_VERSION'))) return false
  const pid = readPid(path.join(PG_DATA, 'postmaster.pid'))
  // A postmaster killed a moment ago is a zombie until reaped; pg_ctl (and postgres' lock file check) would
  // still see it as alive. Give the reaper a few seconds.
  for (let i = 0; i < 50 && Number.isInteger(pid) && !pidAlive(pid) && pidExists(pid); i++) await sleep(100)
  const r = await run(path.join(bin, 'pg_ctl'), ['status', '-D', PG_DATA], { user, quiet: true })
  return r.code === 0 && pidAlive(pid)
}

async function psql(bin, sql) {
  return mustRun(
    'psql',
    path.join(bin, 'psql'),
    [
      '-X',
      '-q',
      '-At',
      '-v',
      'ON_ERROR_STOP=1',
      '-h',
      PG_SOCK,
      '-p',
      String(PG_PORT),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-c',
      sql,
    ],
    { quiet: true, env: { PGCONNECT_TIMEOUT: '10' } },
  )
}

async function upPostgres() {
  const url = PG_URL
  const bin = await ensurePgBin()
  const user = await pgOsUser()
  const ids = user ? await osIds(user) : null

  fs.mkdirSync(path.join(PG_DIR, 'logs'), { recursive: true })
  fs.mkdirSync(PG_SOCK, { recursive: true })
  if (ids) {
    ensureTraversable(PG_DIR)
    for (const d of [PG_DIR, PG_SOCK, path.dirname(PG_LOG)]) fs.chownSync(d, ids.uid, ids.gid)
    if (exists(PG_LOG)) fs.chownSync(PG_LOG, ids.uid, ids.gid)
  }

  const running = await pgRunning(bin, user)
  if (running) {
    log(`PostgreSQL: reusing the running server on ${PG_HOST}:${PG_PORT}`)
    // It may still be starting or recovering (started by a concurrent caller): wait until it accepts connections.
    const r = await run(path.join(bin, 'pg_isready'), ['-q', '-h', PG_SOCK, '-p', String(PG_PORT), '-t', '60'], {
      quiet: true,
    })
    if (r.code !== 0)
      throw new DbError(
        `PostgreSQL (pid file ${path.join(PG_DATA, 'postmaster.pid')}) does not accept connections; see ${PG_LOG}`,
      )
  } else if (await tcpOpen(PG_HOST, PG_PORT)) {
    // Another server holds the port (e.g. the .local/ of another checkout): use it if our role can log in.
    const r = await run(path.join(bin, 'psql'), ['-X', '-At', '-d', url, '-c', 'SELECT 1'], {
      quiet: true,
      env: { PGCONNECT_TIMEOUT: '5' },
    })
    if (r.code !== 0) {
      throw new DbError(
        `port ${PG_PORT} on ${PG_HOST} is taken by a server that is not ${PG_DATA} and refuses ${url}: stop it, or set DATABASE_URL`,
      )
    }
    log(`PostgreSQL: a server not started from ${PG_DATA} already serves ${url}; using it (down will not stop it)`)
    return url
  } else {
    if (!exists(path.join(PG_DATA, 'PG_VERSION'))) {
      log(`PostgreSQL: initdb ${PG_DATA}`)
      fs.rmSync(PG_DATA, { recursive: true, force: true })
      fs.mkdirSync(PG_DATA, { mode: 0o700 })
      if (ids) fs.chownSync(PG_DATA, ids.uid, ids.gid)
      await mustRun(
        'initdb',
        path.join(bin, 'initdb'),
        [
          '-D',
          PG_DATA,
          '-U',
          'postgres',
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '--encoding=UTF8',
          '--locale=C',
          '--no-sync',
        ],
        { user, quiet: true },
      )
      fs.appendFileSync(path.join(PG_DATA, 'postgresql.conf'), "\ninclude_if_exists = 'tandem.conf'\n")
    }
    fs.writeFileSync(path.join(PG_DATA, 'tandem.conf'), pgConfText())
    if (ids) fs.chownSync(path.join(PG_DATA, 'tandem.conf'), ids.uid, ids.gid)
    log(`PostgreSQL: starting on ${PG_HOST}:${PG_PORT} (log ${PG_LOG})`)
    const r = await run(path.join(bin, 'pg_ctl'), ['start', '-D', PG_DATA, '-l', PG_LOG, '-w', '-t', '60', '-s'], {
      user,
      quiet: true,
    })
    if (r.code !== 0) {
      throw new DbError(
        `PostgreSQL did not start (pg_ctl exit ${r.code}); see ${PG_LOG}:\n${r.out.trim()}\n${tail(PG_LOG, 10)}`,
      )
    }
  }

  const lit = (s) => `'${s.replace(/'/g, "''")}'`
  await psql(
    bin,
    `DO $$ BEGIN
       IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${lit(PG_ROLE)}) THEN
         CREATE ROLE ${PG_ROLE} LOGIN CREATEDB PASSWORD ${lit(PG_PASSWORD)};
       ELSE
         ALTER ROLE ${PG_ROLE} LOGIN CREATEDB PASSWORD ${lit(PG_PASSWORD)};
       END IF;
     END $$;`,
  )
  const have = (await psql(bin, `SELECT 1 FROM pg_database WHERE datname = ${lit(PG_DB)}`)).out.trim()
  if (have !== '1') {
    log(`PostgreSQL: creating database ${PG_DB}`)
    await psql(bin, `CREATE DATABASE ${PG_DB} OWNER ${PG_ROLE}`)
  }
  log(`PostgreSQL: ready (${url})`)
  return url
}

async function downPostgres() {
  if (!exists(path.join(PG_DATA, 'PG_VERSION'))) return log('PostgreSQL: nothing to stop')
  const bin = findPgBin()
  if (!bin) return log('PostgreSQL: binaries not found, nothing to stop')
  const user = IS_ROOT ? PG_OS_USER : undefined
  if (!(await pgRunning(bin, user))) return log('PostgreSQL: not running')
  log('PostgreSQL: stopping (pg_ctl stop -m fast)')
  await mustRun(
    'pg_ctl stop',
    path.join(bin, 'pg_ctl'),
    ['stop', '-D', PG_DATA, '-m', 'fast', '-w', '-t', '60', '-s'],
    { user, quiet: true },
  )
  log('PostgreSQL: stopped')
}

// -------------------------------------------------------------------------------------------- Cassandra

const cassNode = cassandraNode({
  dir: CASS_NODE,
  host: CASS_HOST,
  nativePort: CASS_PORT,
  heap: CASS_HEAP,
  foreign: 'use',
  label: 'Cassandra',
  log,
  owner: 'scripts/db.mjs',
  stopHint: 'node scripts/db.mjs down',
  startTimeoutMs: CASS_TIMEOUT_MS,
  aptInstall,
})

async function upCassandra() {
  await cassNode.up()
  return cassNode.hosts
}

async function downCassandra() {
  await cassNode.stop()
}

// ------------------------------------------------------------------------------------------------ API

/** What `up` returns for the servers it manages itself. */
export const localEnv = Object.freeze({
  DATABASE_URL: PG_URL,
  SCYLLA_HOSTS: `${CASS_HOST}:${CASS_PORT}`,
  SCYLLA_DATACENTER: CASS_DC,
})

/** Env values that point somewhere else than our own local servers (those are always started/reused). */
function externalEnv() {
  const pg = process.env.DATABASE_URL
  const cql = process.env.SCYLLA_HOSTS || process.env.SCYLLA_HOST
  return {
    pg: pg && pg !== localEnv.DATABASE_URL ? pg : null,
    cql: cql && cql !== localEnv.SCYLLA_HOSTS && cql !== CASS_HOST ? cql : null,
  }
}

/**
 * Starts (or reuses) both databases. Resolves { DATABASE_URL, SCYLLA_HOSTS, SCYLLA_DATACENTER }.
 * `{ secure: true }`: PostgreSQL and the secured Cassandra node instead of the plain one (scripts/secure-node.mjs:
 * password authentication and client TLS on 127.0.0.5), adding SCYLLA_USERNAME, SCYLLA_PASSWORD, SCYLLA_TLS_CA.
 */
export async function up({ secure = false } = {}) {
  if (secure) return upWithSecureNode()
  const { pg: envPg, cql: envCql } = externalEnv()
  if (envPg) log('PostgreSQL: using DATABASE_URL from the environment')
  if (envCql) log(`CQL: using ${process.env.SCYLLA_HOSTS ? 'SCYLLA_HOSTS' : 'SCYLLA_HOST'} from the environment`)
  const work = async () => {
    const [pg, cql] = await Promise.allSettled([envPg ? envPg : upPostgres(), envCql ? envCql : upCassandra()])
    const errors = [pg, cql].filter((r) => r.status === 'rejected').map((r) => r.reason)
    if (errors.length) {
      const err = errors.length === 1 ? errors[0] : new DbError(errors.map((e) => e.message).join('\n'))
      throw err
    }
    return {
      DATABASE_URL: pg.value,
      SCYLLA_HOSTS: cql.value,
      SCYLLA_DATACENTER: process.env.SCYLLA_DATACENTER || CASS_DC,
    }
  }
  return envPg && envCql ? work() : withLock(work)
}

/** PostgreSQL (or DATABASE_URL) and the secured node; SCYLLA_HOSTS from the environment does not apply. */
async function upWithSecureNode() {
  const { pg: envPg } = externalEnv()
  if (envPg) log('PostgreSQL: using DATABASE_URL from the environment')
  const [pg, cql] = await Promise.allSettled([envPg ? envPg : withLock(upPostgres), upSecure()])
  const errors = [pg, cql].filter((r) => r.status === 'rejected').map((r) => r.reason)
  if (errors.length) throw errors.length === 1 ? errors[0] : new DbError(errors.map((e) => e.message).join('\n'))
  return { DATABASE_URL: pg.value, ...cql.value }
}

/** Stops what `up` started (the servers under .local/, the secured node too). Idempotent. */
export async function down() {
  return withLock(async () => {
    const results = await Promise.allSettled([downPostgres(), downCassandra(), downSecure()])
    const errors = results.filter((r) => r.status === 'rejected').map((r) => r.reason)
    if (errors.length) throw errors.length === 1 ? errors[0] : new DbError(errors.map((e) => e.message).join('\n'))
  })
}

/** A value as a POSIX shell word (quoted only when needed): the KEY=value lines `up` prints. */
export function shellValue(v) {
  return /^[A-Za-z0-9_@%+=:,./-]*$/.test(v) ? v : `'${String(v).replace(/'/g, `'\\''`)}'`
}

async function main(cmd, flags) {
  try {
    const unknown = flags.filter((f) => cmd !== 'up' || f !== '--secure')
    if (unknown.length) {
      process.stderr.write(`db.mjs ${cmd}: unknown option ${unknown[0]}\n`)
      process.exitCode = 2
    } else if (cmd === 'up') {
      const env = await up({ secure: flags.includes('--secure') })
      for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${shellValue(v)}\n`)
      log('up: done')
    } else if (cmd === 'down') {
      await down()
      log('down: done')
    } else {
      process.stderr.write('usage: node scripts/db.mjs up [--secure] | down\n')
      process.exitCode = 2
    }
  } catch (e) {
    process.stderr.write(
      `db.mjs ${cmd}: ${e instanceof DbError || e instanceof CassandraNodeError ? e.message : e?.stack || e}\n`,
    )
    process.exitCode = 1
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv[2], process.argv.slice(3))
}
