#!/usr/bin/env node
// Local test databases for tandem-orm: PostgreSQL 15 and Apache Cassandra 5.0 (the CQL stand-in for ScyllaDB).
//
//   node scripts/db.mjs up     start (or reuse) both; stdout gets ONLY the KEY=value lines
//                              DATABASE_URL, SCYLLA_HOSTS, SCYLLA_DATACENTER; progress goes to stderr
//   node scripts/db.mjs down   stop what `up` started
//
// Also importable: `import { up, down } from './scripts/db.mjs'`, and the process helpers tests use to run a
// PostgreSQL of their own (run, findPgBin, pgOsUser, osIds, ensureTraversable, pidAlive, readPid).
// A DATABASE_URL (resp. SCYLLA_HOSTS / SCYLLA_HOST) already in the environment wins: nothing is started for it.
// Everything lives under <project>/.local/ (git-ignored). Node built-ins only; cassandra-driver is imported
// lazily for the readiness probe (with a raw protocol fallback when it is not installed).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

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
const CASS_DIR = path.join(ROOT, 'testinfra', 'cassandra')
const CASS_LIB = path.join(CASS_DIR, 'target', 'lib')
const CASS_NODE = path.join(LOCAL, 'cassandra', 'n1')
const CASS_PIDFILE = path.join(CASS_NODE, 'cassandra.pid')
const CASS_STDOUT = path.join(CASS_NODE, 'logs', 'stdout.log')
const CASS_HOST = '127.0.0.1'
const CASS_PORT = 9042
const CASS_DC = 'datacenter1'
const CASS_HEAP = process.env.CASSANDRA_HEAP || '768m'
const CASS_TIMEOUT_MS = Number(process.env.CASSANDRA_START_TIMEOUT_MS || 180_000)
const JAVA17_CANDIDATES = [
  '/usr/lib/jvm/java-17-openjdk-amd64/bin/java',
  '/usr/lib/jvm/java-17-openjdk-arm64/bin/java',
  '/usr/lib/jvm/java-17-openjdk/bin/java',
]

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

function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

function which(cmd) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, cmd))) return path.join(dir, cmd)
  }
  return null
}

/** Runs a command; its output is copied to our stderr (never stdout). Resolves { code, out }. */
export function run(cmd, args, { user, env, input, quiet = false, cwd } = {}) {
  let file = cmd
  let argv = args
  if (user) {
    file = 'runuser'
    argv = ['-u', user, '--', cmd, ...args]
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, {
      cwd: cwd || ROOT,
      env: { ...process.env, ...env },
      stdio: [input == null ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    let out = ''
    const onData = (d) => {
      out += d
      if (!quiet) process.stderr.write(d)
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('error', reject)
    // 'exit', not 'close': a daemon started by the command may keep inherited pipes open.
    child.on('exit', (code, signal) => setImmediate(() => resolve({ code: code ?? (signal ? 128 : 1), out })))
    if (input != null) child.stdin.end(input)
  })
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

// apt-get must not run twice at once (dpkg lock); PostgreSQL and Cassandra prerequisites start concurrently.
let aptChain = Promise.resolve()
let aptUpdated = false
function aptInstall(...alternatives) {
  const task = aptChain.then(async () => {
    if (!aptUpdated) {
      log('apt-get update')
      await mustRun('apt-get update', 'apt-get', ['update', '-q'], {
        quiet: true,
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      })
      aptUpdated = true
    }
    let last
    for (const pkgs of alternatives) {
      log(`apt-get install -y ${pkgs.join(' ')}`)
      last = await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], {
        quiet: true,
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      })
      if (last.code === 0) return
    }
    throw new DbError(`apt-get install failed:\n${last.out.trim().split('\n').slice(-5).join('\n')}`)
  })
  aptChain = task.catch(() => {})
  return task
}

export function pidAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (e) {
    return e.code === 'EPERM'
  }
  // A zombie (exited, not yet reaped by its parent) is not alive for our purposes.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false
  } catch {}
  return true
}

export function readPid(file) {
  try {
    return Number.parseInt(fs.readFileSync(file, 'utf8').trim(), 10)
  } catch {
    return NaN
  }
}

function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    return ''
  }
}

function tcpOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port })
    const done = (ok) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/** A cross-process lock so two concurrent `up`/`down` calls don't race (e.g. tests and a benchmark). */
async function withLock(fn) {
  fs.mkdirSync(LOCAL, { recursive: true })
  const lock = path.join(LOCAL, 'db.lock')
  const deadline = Date.now() + CASS_TIMEOUT_MS + 120_000
  for (let announced = false; ;) {
    try {
      fs.mkdirSync(lock)
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid))
      break
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
      const holder = readPid(path.join(lock, 'pid'))
      let age = 0
      try {
        age = Date.now() - fs.statSync(lock).mtimeMs
      } catch {
        continue
      }
      if (!pidAlive(holder) && (Number.isInteger(holder) || age > 5000)) {
        fs.rmSync(lock, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline) throw new DbError(`timed out waiting for ${lock} (held by pid ${holder})`)
      if (!announced) log(`waiting for another db.mjs (pid ${holder}) to finish`)
      announced = true
      await sleep(250)
    }
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(lock, { recursive: true, force: true })
  }
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

function cassandraVersion() {
  const pom = fs.readFileSync(path.join(CASS_DIR, 'pom.xml'), 'utf8')
  return pom.match(/<cassandra\.version>([^<]+)<\/cassandra\.version>/)?.[1] || '5.0.8'
}

function libComplete(version) {
  let names
  try {
    names = fs.readdirSync(CASS_LIB).filter((n) => n.endsWith('.jar'))
  } catch {
    return false
  }
  const need = [
    `cassandra-all-${version}.jar`,
    /^jamm-.*\.jar$/,
    /^logback-classic-.*\.jar$/,
    /^netty-all-.*\.jar$/,
    /^guava-.*\.jar$/,
    /^snakeyaml-.*\.jar$/,
  ]
  const ok = need.every((n) => names.some((x) => (typeof n === 'string' ? x === n : n.test(x))))
  return ok && names.length >= 80 && names.every((n) => fs.statSync(path.join(CASS_LIB, n)).size > 0)
}

async function findJava() {
  const env = process.env.CASSANDRA_JAVA
  if (env) {
    if (!isExecutable(env))
      throw new DbError(`CASSANDRA_JAVA=${env} is not an executable java; point it at a JDK 17 bin/java`)
    return env
  }
  let java = JAVA17_CANDIDATES.find(isExecutable)
  if (java) return java
  if (!IS_ROOT || !which('apt-get')) {
    throw new DbError(
      'Java 17 not found (needed by Cassandra 5.0; Java 21+ cannot run it): install it (Debian/Ubuntu: sudo apt-get install openjdk-17-jdk-headless) ' +
        'or set CASSANDRA_JAVA=/path/to/jdk17/bin/java, or set SCYLLA_HOSTS to an existing ScyllaDB/Cassandra',
    )
  }
  log('Java 17 missing, installing openjdk-17-jdk-headless')
  await aptInstall(['openjdk-17-jdk-headless'])
  java = JAVA17_CANDIDATES.find(isExecutable)
  if (!java)
    throw new DbError('openjdk-17-jdk-headless was installed but no java 17 binary was found; set CASSANDRA_JAVA')
  return java
}

/** Cassandra 5.0 runs on Java 11 or 17 only (21+ fails at startup in ThreadAwareSecurityManager). */
async function checkJavaVersion(java) {
  const r = await run(java, ['-XshowSettings:properties', '-version'], { quiet: true })
  const v = r.out.match(/java\.specification\.version = (\d+)/)?.[1]
  if (v && v !== '17' && v !== '11') {
    throw new DbError(
      `${java} is Java ${v}; Cassandra 5.0 needs Java 17 (or 11): set CASSANDRA_JAVA=/path/to/jdk17/bin/java`,
    )
  }
}

async function ensureCassandraLib(java) {
  const version = cassandraVersion()
  if (libComplete(version)) return
  let mvn = which('mvn')
  if (!mvn) {
    if (!IS_ROOT || !which('apt-get')) {
      throw new DbError(
        `Maven not found: it is needed once to fetch Cassandra ${version} jars into ${path.relative(ROOT, CASS_LIB)} ` +
          '(Debian/Ubuntu: sudo apt-get install maven), or set SCYLLA_HOSTS to an existing ScyllaDB/Cassandra',
      )
    }
    log('Maven missing, installing maven')
    await aptInstall(['maven'])
    mvn = which('mvn')
    if (!mvn) throw new DbError('maven was installed but mvn is not on PATH')
  }
  log(`Cassandra: fetching cassandra-all ${version} and its jars with Maven (one time, ~70 MB)`)
  fs.rmSync(CASS_LIB, { recursive: true, force: true })
  const javaHome = path.dirname(path.dirname(fs.realpathSync(java)))
  const r = await run(mvn, ['-B', '-q', '-f', path.join(CASS_DIR, 'pom.xml'), 'package'], {
    env: { JAVA_HOME: javaHome },
    quiet: true,
  })
  if (r.code !== 0 || !libComplete(version)) {
    throw new DbError(
      `Maven could not fetch the Cassandra jars (exit ${r.code}): mvn -B -f testinfra/cassandra/pom.xml package\n${r.out.trim().split('\n').slice(-15).join('\n')}`,
    )
  }
}

function jvmArgs() {
  const text = fs.readFileSync(path.join(CASS_DIR, 'jvm17.args'), 'utf8')
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('-'))
    .flatMap((l) => l.split(/\s+/))
}

function writeCassandraConf() {
  const conf = path.join(CASS_NODE, 'conf')
  fs.mkdirSync(conf, { recursive: true })
  fs.mkdirSync(path.join(CASS_NODE, 'data'), { recursive: true })
  fs.mkdirSync(path.join(CASS_NODE, 'logs'), { recursive: true })
  const yaml = fs.readFileSync(path.join(CASS_DIR, 'cassandra.yaml'), 'utf8')
  fs.writeFileSync(
    path.join(conf, 'cassandra.yaml'),
    `# GENERATED by scripts/db.mjs from testinfra/cassandra/cassandra.yaml; edit that file instead.\n${yaml}`,
  )
  fs.copyFileSync(path.join(CASS_DIR, 'logback.xml'), path.join(conf, 'logback.xml'))
  return conf
}

let driverModule
async function loadDriver() {
  if (driverModule === undefined) {
    try {
      const m = await import('cassandra-driver')
      driverModule = m.default ?? m
    } catch {
      driverModule = null
      log('Cassandra: cassandra-driver not installed, probing with a raw CQL OPTIONS request instead')
    }
  }
  return driverModule
}

/** Raw native-protocol v4 OPTIONS -> SUPPORTED round trip: proves the CQL transport is serving. */
function rawCqlProbe(host, port, timeoutMs = 3000) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port })
    let buf = Buffer.alloc(0)
    const done = (ok) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once('error', () => done(false))
    s.once('connect', () => s.write(Buffer.from([0x04, 0x00, 0x00, 0x01, 0x05, 0, 0, 0, 0])))
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (buf.length >= 9) done((buf[0] & 0x7f) >= 3 && buf[4] === 0x06)
    })
  })
}

/** One readiness attempt: connect and run SELECT release_version FROM system.local. Returns the version or null. */
async function cqlProbe(host, port) {
  if (!(await tcpOpen(host, port))) return null
  const driver = await loadDriver()
  if (!driver) return (await rawCqlProbe(host, port)) ? 'unknown' : null
  const client = new driver.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter: CASS_DC,
    socketOptions: { connectTimeout: 3000, readTimeout: 5000 },
    pooling: { warmup: false },
  })
  try {
    await client.connect()
    const rs = await client.execute('SELECT release_version FROM system.local')
    return rs.first()?.release_version ?? 'unknown'
  } catch {
    return null
  } finally {
    await client.shutdown().catch(() => {})
  }
}

function ourCassandraPid() {
  const pid = readPid(CASS_PIDFILE)
  return pidAlive(pid) && cmdlineOf(pid).includes('org.apache.cassandra.service.CassandraDaemon') ? pid : null
}

async function waitForCql(pid) {
  const deadline = Date.now() + CASS_TIMEOUT_MS
  const started = Date.now()
  let lastNote = 0
  for (;;) {
    const version = await cqlProbe(CASS_HOST, CASS_PORT)
    if (version) return version
    if (pid && !pidAlive(pid)) {
      throw new DbError(
        `Cassandra exited during startup; see ${path.join(CASS_NODE, 'logs', 'system.log')} and ${CASS_STDOUT}:\n${tail(CASS_STDOUT, 20)}`,
      )
    }
    if (Date.now() > deadline) {
      throw new DbError(
        `Cassandra did not answer CQL on ${CASS_HOST}:${CASS_PORT} within ${CASS_TIMEOUT_MS / 1000}s (pid ${pid}); ` +
          `see ${path.join(CASS_NODE, 'logs', 'system.log')} and ${CASS_STDOUT}; stop it with: node scripts/db.mjs down`,
      )
    }
    if (Date.now() - lastNote > 15_000) {
      if (lastNote) log(`Cassandra: still waiting for CQL (${Math.round((Date.now() - started) / 1000)}s)`)
      lastNote = Date.now()
    }
    await sleep(500)
  }
}

async function upCassandra() {
  const hosts = `${CASS_HOST}:${CASS_PORT}`
  const running = ourCassandraPid()
  if (running) {
    log(`Cassandra: found running node (pid ${running}), checking CQL`)
    const v = await waitForCql(running)
    log(`Cassandra: reusing ${v} on ${hosts}`)
    return hosts
  }
  // Not ours, but something serves CQL here already (e.g. a ScyllaDB/Cassandra the user runs): use it.
  const foreign = await cqlProbe(CASS_HOST, CASS_PORT)
  if (foreign) {
    log(
      `Cassandra: a CQL server (${foreign}) not started by db.mjs already answers on ${hosts}; using it (down will not stop it)`,
    )
    return hosts
  }
  if (await tcpOpen(CASS_HOST, CASS_PORT)) {
    throw new DbError(
      `port ${CASS_PORT} on ${CASS_HOST} is taken by something that does not answer CQL; free it or set SCYLLA_HOSTS`,
    )
  }

  const java = await findJava()
  await checkJavaVersion(java)
  await ensureCassandraLib(java)
  const conf = writeCassandraConf()
  const jamm = fs.readdirSync(CASS_LIB).find((n) => /^jamm-.*\.jar$/.test(n))
  const args = [
    `-Xms${CASS_HEAP}`,
    `-Xmx${CASS_HEAP}`,
    ...jvmArgs(),
    `-javaagent:${path.join(CASS_LIB, jamm)}`,
    '-Dcassandra-foreground=yes',
    `-Dcassandra.config=file://${path.join(conf, 'cassandra.yaml')}`,
    `-Dcassandra.storagedir=${path.join(CASS_NODE, 'data')}`,
    `-Dcassandra.logdir=${path.join(CASS_NODE, 'logs')}`,
    `-Dlogback.configurationFile=${path.join(conf, 'logback.xml')}`,
    '-Dcassandra.skip_wait_for_gossip_to_settle=0',
    '-Dcassandra.unsafesystem=true',
    '-Dcassandra.test.flush_local_schema_changes=false',
    '-XX:OnOutOfMemoryError=kill -9 %p',
    '-cp',
    `${conf}${path.delimiter}${path.join(CASS_LIB, '*')}`,
    'org.apache.cassandra.service.CassandraDaemon',
  ]
  fs.writeFileSync(
    path.join(CASS_NODE, 'command.txt'),
    [java, ...args].map((a) => (/[\s*%]/.test(a) ? `'${a}'` : a)).join(' ') + '\n',
  )
  const out = fs.openSync(CASS_STDOUT, 'a')
  fs.writeSync(out, `\n==== ${new Date().toISOString()} starting Cassandra (scripts/db.mjs) ====\n`)
  const child = spawn(java, args, { cwd: CASS_NODE, detached: true, stdio: ['ignore', out, out] })
  fs.closeSync(out)
  const pid = await new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child.pid))
    child.once('error', (e) => reject(new DbError(`could not launch ${java}: ${e.message}`)))
  })
  child.unref()
  fs.writeFileSync(CASS_PIDFILE, `${pid}\n`)
  log(`Cassandra: starting ${cassandraVersion()} (pid ${pid}, heap ${CASS_HEAP}, log ${CASS_STDOUT})`)
  const v = await waitForCql(pid)
  log(`Cassandra: ready, ${v} on ${hosts}`)
  return hosts
}

async function downCassandra() {
  const pid = ourCassandraPid()
  if (!pid) {
    fs.rmSync(CASS_PIDFILE, { force: true })
    return log('Cassandra: not running')
  }
  log(`Cassandra: stopping pid ${pid} (SIGTERM)`)
  process.kill(pid, 'SIGTERM')
  const deadline = Date.now() + 20_000
  while (pidAlive(pid) && Date.now() < deadline) await sleep(200)
  if (pidAlive(pid)) {
    log('Cassandra: still running after 20s, SIGKILL')
    try {
      process.kill(pid, 'SIGKILL')
    } catch {}
    while (pidAlive(pid)) await sleep(100)
  }
  fs.rmSync(CASS_PIDFILE, { force: true })
  log('Cassandra: stopped')
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

/** Starts (or reuses) both databases. Resolves { DATABASE_URL, SCYLLA_HOSTS, SCYLLA_DATACENTER }. */
export async function up() {
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

/** Stops what `up` started (the servers under .local/). Idempotent. */
export async function down() {
  return withLock(async () => {
    const results = await Promise.allSettled([downPostgres(), downCassandra()])
    const errors = results.filter((r) => r.status === 'rejected').map((r) => r.reason)
    if (errors.length) throw errors.length === 1 ? errors[0] : new DbError(errors.map((e) => e.message).join('\n'))
  })
}

/** A value as a POSIX shell word (quoted only when needed): the KEY=value lines `up` prints. */
export function shellValue(v) {
  return /^[A-Za-z0-9_@%+=:,./-]*$/.test(v) ? v : `'${String(v).replace(/'/g, `'\\''`)}'`
}

async function main(cmd) {
  try {
    if (cmd === 'up') {
      const env = await up()
      for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${shellValue(v)}\n`)
      log('up: done')
    } else if (cmd === 'down') {
      await down()
      log('down: done')
    } else {
      process.stderr.write('usage: node scripts/db.mjs up|down\n')
      process.exitCode = 2
    }
  } catch (e) {
    process.stderr.write(`db.mjs ${cmd}: ${e instanceof DbError ? e.message : e?.stack || e}\n`)
    process.exitCode = 1
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv[2])
}
