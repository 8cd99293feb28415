// One local Apache Cassandra 5.0 node (the CQL stand-in for ScyllaDB), parametrized: scripts/db.mjs runs the
// single test node with it, scripts/cluster.mjs three nodes, and a secured node adds its yaml keys and -D options.
//
//   import { cassandraNode } from './cassandra-node.mjs'
//   const node = cassandraNode({ dir: '.local/cluster/n1', host: '127.0.0.2', seeds: ['127.0.0.2:7000'] })
//   await node.up()     // start, or reuse the node whose pid file names a live CassandraDaemon; waits for CQL
//   await node.kill()   // SIGKILL (a real crash); node.stop() is SIGTERM (then SIGKILL after 20 s)
//
// The node's cassandra.yaml is testinfra/cassandra/cassandra.yaml with the per-node keys (addresses, ports,
// seeds, tokens, cluster name) and the caller's `yaml` keys replaced; a key the template already has with the same
// value keeps the template's line. Java 17 and the Cassandra jars (Maven, one time) are found or installed by
// prepareRuntime(). Node built-ins only; cassandra-driver is imported lazily for the readiness probe (with a raw
// protocol fallback when it is not installed).
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const CASS_DIR = path.join(ROOT, 'testinfra', 'cassandra')
export const CASS_LIB = path.join(CASS_DIR, 'target', 'lib')
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0
const DAEMON = 'org.apache.cassandra.service.CassandraDaemon'
const JAVA17_CANDIDATES = [
  '/usr/lib/jvm/java-17-openjdk-amd64/bin/java',
  '/usr/lib/jvm/java-17-openjdk-arm64/bin/java',
  '/usr/lib/jvm/java-17-openjdk/bin/java',
]
/** -D options every node gets (a caller's `systemProperties` may override one, or drop it with null). */
const DEFAULT_SYSTEM_PROPERTIES = {
  'cassandra.skip_wait_for_gossip_to_settle': '0',
  'cassandra.unsafesystem': 'true',
  'cassandra.test.flush_local_schema_changes': 'false',
}

/** A failure a person can act on (printed without a stack by the scripts). */
export class CassandraNodeError extends Error {}

// ------------------------------------------------------------------------------------------ process helpers

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export function isExecutable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

export function which(cmd) {
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

export function cmdlineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ')
  } catch {
    return ''
  }
}

export function tcpOpen(host, port, timeoutMs = 1000) {
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

export function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}

/**
 * A cross-process lock (a directory holding the owner's pid) so two concurrent callers don't race; a lock whose
 * owner died is taken over. `name` appears in the "waiting for another <name>" note.
 */
export async function withLock(lockDir, fn, { name = 'process', timeoutMs = 300_000, log = () => {} } = {}) {
  fs.mkdirSync(path.dirname(lockDir), { recursive: true })
  const deadline = Date.now() + timeoutMs
  for (let announced = false; ;) {
    try {
      fs.mkdirSync(lockDir)
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid))
      break
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
      const holder = readPid(path.join(lockDir, 'pid'))
      let age = 0
      try {
        age = Date.now() - fs.statSync(lockDir).mtimeMs
      } catch {
        continue
      }
      if (!pidAlive(holder) && (Number.isInteger(holder) || age > 5000)) {
        fs.rmSync(lockDir, { recursive: true, force: true })
        continue
      }
      if (Date.now() > deadline)
        throw new CassandraNodeError(`timed out waiting for ${lockDir} (held by pid ${holder})`)
      if (!announced) log(`waiting for another ${name} (pid ${holder}) to finish`)
      announced = true
      await sleep(250)
    }
  }
  try {
    return await fn()
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true })
  }
}

// apt-get must not run twice at once (dpkg lock): callers that also install other packages pass their own.
let aptChain = Promise.resolve()
let aptUpdated = false
/** apt-get install the first of `alternatives` (arrays of package names) that installs; serialized. */
export function aptInstall(log, ...alternatives) {
  const task = aptChain.then(async () => {
    if (!aptUpdated) {
      log('apt-get update')
      const r = await run('apt-get', ['update', '-q'], { quiet: true, env: { DEBIAN_FRONTEND: 'noninteractive' } })
      if (r.code !== 0) throw new CassandraNodeError(`apt-get update failed (exit ${r.code})\n${r.out.trim()}`)
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
    throw new CassandraNodeError(`apt-get install failed:\n${last.out.trim().split('\n').slice(-5).join('\n')}`)
  })
  aptChain = task.catch(() => {})
  return task
}

// ------------------------------------------------------------------------------------- Java and the jars

/** The cassandra-all version testinfra/cassandra/pom.xml pins. */
export function cassandraVersion() {
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

async function findJava(log, apt) {
  const env = process.env.CASSANDRA_JAVA
  if (env) {
    if (!isExecutable(env))
      throw new CassandraNodeError(`CASSANDRA_JAVA=${env} is not an executable java; point it at a JDK 17 bin/java`)
    return env
  }
  let java = JAVA17_CANDIDATES.find(isExecutable)
  if (java) return java
  if (!IS_ROOT || !which('apt-get')) {
    throw new CassandraNodeError(
      'Java 17 not found (needed by Cassandra 5.0; Java 21+ cannot run it): install it (Debian/Ubuntu: sudo apt-get install openjdk-17-jdk-headless) ' +
        'or set CASSANDRA_JAVA=/path/to/jdk17/bin/java, or set SCYLLA_HOSTS to an existing ScyllaDB/Cassandra',
    )
  }
  log('Java 17 missing, installing openjdk-17-jdk-headless')
  await apt(['openjdk-17-jdk-headless'])
  java = JAVA17_CANDIDATES.find(isExecutable)
  if (!java)
    throw new CassandraNodeError(
      'openjdk-17-jdk-headless was installed but no java 17 binary was found; set CASSANDRA_JAVA',
    )
  return java
}

/** Cassandra 5.0 runs on Java 11 or 17 only (21+ fails at startup in ThreadAwareSecurityManager). */
async function checkJavaVersion(java) {
  const r = await run(java, ['-XshowSettings:properties', '-version'], { quiet: true })
  const v = r.out.match(/java\.specification\.version = (\d+)/)?.[1]
  if (v && v !== '17' && v !== '11') {
    throw new CassandraNodeError(
      `${java} is Java ${v}; Cassandra 5.0 needs Java 17 (or 11): set CASSANDRA_JAVA=/path/to/jdk17/bin/java`,
    )
  }
}

async function ensureCassandraLib(java, log, apt) {
  const version = cassandraVersion()
  if (libComplete(version)) return
  let mvn = which('mvn')
  if (!mvn) {
    if (!IS_ROOT || !which('apt-get')) {
      throw new CassandraNodeError(
        `Maven not found: it is needed once to fetch Cassandra ${version} jars into ${path.relative(ROOT, CASS_LIB)} ` +
          '(Debian/Ubuntu: sudo apt-get install maven), or set SCYLLA_HOSTS to an existing ScyllaDB/Cassandra',
      )
    }
    log('Maven missing, installing maven')
    await apt(['maven'])
    mvn = which('mvn')
    if (!mvn) throw new CassandraNodeError('maven was installed but mvn is not on PATH')
  }
  log(`Cassandra: fetching cassandra-all ${version} and its jars with Maven (one time, ~70 MB)`)
  fs.rmSync(CASS_LIB, { recursive: true, force: true })
  const javaHome = path.dirname(path.dirname(fs.realpathSync(java)))
  const r = await run(mvn, ['-B', '-q', '-f', path.join(CASS_DIR, 'pom.xml'), 'package'], {
    env: { JAVA_HOME: javaHome },
    quiet: true,
  })
  if (r.code !== 0 || !libComplete(version)) {
    throw new CassandraNodeError(
      `Maven could not fetch the Cassandra jars (exit ${r.code}): mvn -B -f testinfra/cassandra/pom.xml package\n${r.out.trim().split('\n').slice(-15).join('\n')}`,
    )
  }
}

let runtime
/**
 * Finds (or installs, when root with apt-get) Java 17 and fetches the Cassandra jars once per process.
 * `aptInstall(...alternatives)` may be passed so the caller's other installs share one apt-get queue.
 * Resolves { java, lib }.
 */
export function prepareRuntime({ log = defaultLog, aptInstall: apt } = {}) {
  const install = apt ?? ((...alternatives) => aptInstall(log, ...alternatives))
  runtime ??= (async () => {
    const java = await findJava(log, install)
    await checkJavaVersion(java)
    await ensureCassandraLib(java, log, install)
    return { java, lib: CASS_LIB }
  })()
  runtime.catch(() => {
    runtime = undefined
  })
  return runtime
}

function jvmArgs() {
  const text = fs.readFileSync(path.join(CASS_DIR, 'jvm17.args'), 'utf8')
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('-'))
    .flatMap((l) => l.split(/\s+/))
}

// ---------------------------------------------------------------------------------------- cassandra.yaml

function yamlScalar(v) {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  const s = String(v)
  // Plain when unambiguous, else double-quoted (a JSON string is a valid YAML double-quoted scalar).
  return /^[A-Za-z0-9_./@-][A-Za-z0-9_./@ -]*$/.test(s) &&
    !/ $/.test(s) &&
    !/^(true|false|null|yes|no|on|off|~)$/i.test(s)
    ? s
    : JSON.stringify(s)
}

/** `key: value` as YAML lines (nested mappings and sequences of scalars or mappings). */
export function yamlEntry(key, value, indent = '') {
  if (value === null || typeof value !== 'object') return [`${indent}${key}: ${yamlScalar(value)}`]
  if (Array.isArray(value)) {
    const lines = [`${indent}${key}:`]
    for (const item of value) {
      if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
        const inner = Object.entries(item).flatMap(([k, v]) => yamlEntry(k, v, `${indent}    `))
        lines.push(`${indent}  - ${inner[0].trimStart()}`, ...inner.slice(1))
      } else {
        lines.push(`${indent}  - ${yamlScalar(item)}`)
      }
    }
    return lines
  }
  return [`${indent}${key}:`, ...Object.entries(value).flatMap(([k, v]) => yamlEntry(k, v, `${indent}  `))]
}

/** The template split into top-level blocks: { key, lines } (key null for comments and blank lines). */
function yamlBlocks(text) {
  const blocks = []
  for (const line of text.replace(/\n$/, '').split('\n')) {
    const key = line.match(/^([A-Za-z_][\w.]*)\s*:/)?.[1]
    const last = blocks.at(-1)
    if (key) blocks.push({ key, lines: [line] })
    else if (last?.key && /^[\s-]/.test(line) && line.trim() && !line.trimStart().startsWith('#')) last.lines.push(line)
    else blocks.push({ key: null, lines: [line] })
  }
  return blocks
}

/** The value text of a block without comments, quotes and layout: equal when two blocks say the same. */
function yamlMeaning(lines) {
  return lines
    .map((l) =>
      l
        .replace(/\s+#.*$/, '')
        .replace(/["']/g, '')
        .trim(),
    )
    .filter(Boolean)
    .join('\n')
    .replace(/:\s+/g, ': ')
}

/**
 * The template with `overrides` applied: a key with value null is removed, a key whose rendered value means the
 * same as the template's line keeps that line (and its comment), other keys are replaced in place or appended.
 */
export function renderCassandraYaml(template, overrides) {
  const blocks = yamlBlocks(template)
  const seen = new Set()
  const out = []
  for (const b of blocks) {
    if (!b.key || !(b.key in overrides)) {
      out.push(...b.lines)
      continue
    }
    seen.add(b.key)
    const v = overrides[b.key]
    if (v === null || v === undefined) continue
    const lines = yamlEntry(b.key, v)
    out.push(...(yamlMeaning(lines) === yamlMeaning(b.lines) ? b.lines : lines))
  }
  for (const [k, v] of Object.entries(overrides)) {
    if (!seen.has(k) && v !== null && v !== undefined) out.push(...yamlEntry(k, v))
  }
  return `${out.join('\n')}\n`
}

// ----------------------------------------------------------------------------------------- readiness probe

let driverModule
async function loadDriver(log) {
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

/** Raw native-protocol v4 OPTIONS -> SUPPORTED round trip (over TLS when asked): the CQL transport is serving. */
function rawCqlProbe(host, port, { sslOptions, timeoutMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const s = sslOptions
      ? tls.connect({ host, port, rejectUnauthorized: false, ...sslOptions })
      : net.connect({ host, port })
    let buf = Buffer.alloc(0)
    const done = (ok) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once('error', () => done(false))
    s.once(sslOptions ? 'secureConnect' : 'connect', () =>
      s.write(Buffer.from([0x04, 0x00, 0x00, 0x01, 0x05, 0, 0, 0, 0])),
    )
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      if (buf.length >= 9) done((buf[0] & 0x7f) >= 3 && buf[4] === 0x06)
    })
  })
}

/**
 * One CQL statement over a raw native-protocol v4 connection (no driver; no auth, no TLS, no bound values):
 * resolves { rows } (the row count of a Rows result, 0 otherwise) or { error, code } (the server's error code,
 * e.g. 0x1000 Unavailable). Column types must be simple (no collections or UDTs) for the row count to be read.
 * Example: `await rawCqlQuery('127.0.0.2', 9042, 'SELECT peer FROM system.peers', 'one')`
 */
export function rawCqlQuery(host, port, cql, consistency = 'one', { timeoutMs = 5000 } = {}) {
  const CL = { any: 0, one: 1, two: 2, three: 3, quorum: 4, all: 5, localQuorum: 6, eachQuorum: 7, localOne: 10 }
  const frame = (stream, opcode, body) => {
    const h = Buffer.alloc(9)
    h.writeUInt8(0x04, 0)
    h.writeInt16BE(stream, 2)
    h.writeUInt8(opcode, 4)
    h.writeInt32BE(body.length, 5)
    return Buffer.concat([h, body])
  }
  const str = (s) => {
    const b = Buffer.from(s, 'utf8')
    const l = Buffer.alloc(2)
    l.writeUInt16BE(b.length)
    return Buffer.concat([l, b])
  }
  const startup = Buffer.concat([Buffer.from([0, 1]), str('CQL_VERSION'), str('3.0.0')])
  const q = Buffer.from(cql, 'utf8')
  const qlen = Buffer.alloc(4)
  qlen.writeInt32BE(q.length)
  const cl = Buffer.alloc(2)
  cl.writeUInt16BE(CL[consistency] ?? 1)
  const query = Buffer.concat([qlen, q, cl, Buffer.from([0])])
  return new Promise((resolve) => {
    const s = net.connect({ host, port })
    let buf = Buffer.alloc(0)
    const done = (r) => {
      s.destroy()
      resolve(r)
    }
    s.setTimeout(timeoutMs, () => done({ error: `no answer from ${host}:${port} in ${timeoutMs} ms` }))
    s.once('error', (e) => done({ error: e.message }))
    s.once('connect', () => s.write(frame(1, 0x01, startup)))
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d])
      while (buf.length >= 9 && buf.length >= 9 + buf.readInt32BE(5)) {
        const opcode = buf[4]
        const stream = buf.readInt16BE(2)
        const body = buf.subarray(9, 9 + buf.readInt32BE(5))
        buf = buf.subarray(9 + body.length)
        if (opcode === 0x00) {
          const code = body.readInt32BE(0)
          return done({ code, error: body.toString('utf8', 6, 6 + body.readUInt16BE(4)) })
        }
        if (opcode === 0x03) return done({ error: 'the server requires authentication' })
        if (opcode === 0x02 && stream === 1) s.write(frame(2, 0x07, query))
        else if (opcode === 0x08 && stream === 2) {
          try {
            return done({ rows: rowCount(body) })
          } catch (e) {
            return done({ error: `unreadable result: ${e.message}` })
          }
        }
      }
    })
  })
}

/** The row count of a RESULT body (kind Rows; simple column types only), else 0. */
function rowCount(body) {
  if (body.readInt32BE(0) !== 0x0002) return 0
  let o = 4
  const flags = body.readInt32BE(o)
  const columns = body.readInt32BE(o + 4)
  o += 8
  const skipString = () => {
    o += 2 + body.readUInt16BE(o)
  }
  if (flags & 0x0002) o += 4 + Math.max(0, body.readInt32BE(o)) // paging state
  if (!(flags & 0x0004)) {
    if (flags & 0x0001) {
      skipString()
      skipString()
    }
    for (let i = 0; i < columns; i++) {
      if (!(flags & 0x0001)) {
        skipString()
        skipString()
      }
      skipString()
      const type = body.readUInt16BE(o)
      o += 2
      if (type === 0x0000) skipString()
      else if (type >= 0x0020) throw new Error(`column type 0x${type.toString(16)} is not simple`)
    }
  }
  return body.readInt32BE(o)
}

/**
 * One readiness attempt with cassandra-driver: connect (with `username`/`password` and `sslOptions` when given)
 * and read system.local's release_version. Resolves { version } or { error }.
 */
export async function driverProbe(
  host,
  port,
  { username, password, sslOptions, localDataCenter = 'datacenter1', log = defaultLog } = {},
) {
  if (!(await tcpOpen(host, port))) return { error: `nothing listens on ${host}:${port}` }
  const driver = await loadDriver(log)
  if (!driver)
    return (await rawCqlProbe(host, port, { sslOptions })) ? { version: 'unknown' } : { error: 'no CQL answer' }
  const client = new driver.Client({
    contactPoints: [`${host}:${port}`],
    localDataCenter,
    socketOptions: { connectTimeout: 3000, readTimeout: 5000 },
    pooling: { warmup: false },
    ...(username != null ? { authProvider: new driver.auth.PlainTextAuthProvider(username, password ?? '') } : {}),
    ...(sslOptions ? { sslOptions } : {}),
  })
  try {
    await client.connect()
    const rs = await client.execute('SELECT release_version FROM system.local')
    return { version: rs.first()?.release_version ?? 'unknown' }
  } catch (e) {
    return { error: e?.message ?? String(e) }
  } finally {
    await client.shutdown().catch(() => {})
  }
}

// ------------------------------------------------------------------------------------------------ a node

const t0 = Date.now()
function defaultLog(msg) {
  process.stderr.write(`[cassandra ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`)
}

/**
 * A local Cassandra node. Options (defaults in brackets):
 * - dir: the node's directory (conf/, data/, logs/, cassandra.pid, command.txt), required
 * - host ['127.0.0.1']: listen_address and rpc_address; nativePort [9042]; storagePort [7000]
 * - seeds [[host:storagePort]]: 'host:port' strings; clusterName, numTokens, initialToken [the template's]
 * - heap [CASSANDRA_HEAP or '768m']: -Xms and -Xmx
 * - yaml [{}]: more cassandra.yaml keys (nested objects allowed, e.g. client_encryption_options); null removes one
 * - systemProperties [{}]: more -D options (name without -D → value; null removes a default one)
 * - probe [{}]: { username, password, sslOptions } for the driver readiness probe, or an async function
 *   (node) => version string | null (or { version } / { error })
 * - foreign ['fail']: what to do when a CQL server this launcher did not start answers on host:nativePort:
 *   'use' it (up() resolves with reused: 'foreign') or 'fail'
 * - label ['Cassandra']: prefix of progress lines; log [stderr]; owner ['scripts/cassandra-node.mjs']: who
 *   generated the files (and the name used in messages); stopHint: the command that stops it, for error messages
 * - startTimeoutMs [CASSANDRA_START_TIMEOUT_MS or 180000]; aptInstall: see prepareRuntime()
 *
 * Example: `const n = cassandraNode({ dir, host: '127.0.0.2' }); await n.up(); await n.kill(); await n.up()`
 */
export function cassandraNode(options) {
  const {
    dir,
    host = '127.0.0.1',
    nativePort = 9042,
    storagePort = 7000,
    clusterName,
    numTokens,
    initialToken,
    heap = process.env.CASSANDRA_HEAP || '768m',
    yaml = {},
    systemProperties = {},
    probe = {},
    foreign = 'fail',
    label = 'Cassandra',
    log = defaultLog,
    owner = 'scripts/cassandra-node.mjs',
    stopHint,
    startTimeoutMs = Number(process.env.CASSANDRA_START_TIMEOUT_MS || 180_000),
    aptInstall: apt,
  } = options
  if (!dir) throw new CassandraNodeError('cassandraNode: `dir` is required')
  const seeds = options.seeds ?? [`${host}:${storagePort}`]
  const pidfile = path.join(dir, 'cassandra.pid')
  const stdoutLog = path.join(dir, 'logs', 'stdout.log')
  const systemLog = path.join(dir, 'logs', 'system.log')
  const confDir = path.join(dir, 'conf')
  const configArg = `-Dcassandra.config=file://${path.join(confDir, 'cassandra.yaml')}`
  const hosts = `${host}:${nativePort}`
  const ownerName = path.basename(owner)
  let lastProbeError = null

  const node = {
    dir,
    host,
    nativePort,
    storagePort,
    hosts,
    pidfile,
    systemLog,
    stdoutLog,

    /** The pid of this node's live JVM (pid file + a CassandraDaemon command line with this node's config), or null. */
    pid() {
      const pid = readPid(pidfile)
      const cmd = pidAlive(pid) ? cmdlineOf(pid) : ''
      return cmd.includes(DAEMON) && cmd.includes(configArg) ? pid : null
    },

    /** One readiness attempt: the server version, or null (the reason is kept for the timeout message). */
    async probe() {
      let r
      if (typeof probe === 'function') r = await probe(node)
      else r = await driverProbe(host, nativePort, { ...probe, log })
      if (typeof r === 'string') return r
      if (r && typeof r === 'object' && r.version) return r.version
      lastProbeError = r && typeof r === 'object' ? (r.error ?? null) : null
      return null
    },

    /** Waits until the node answers CQL; fails when `pid` exits or after startTimeoutMs. Resolves the version. */
    async waitForCql(pid = node.pid()) {
      const deadline = Date.now() + startTimeoutMs
      const started = Date.now()
      let lastNote = 0
      for (;;) {
        const version = await node.probe()
        if (version) return version
        if (pid && !pidAlive(pid)) {
          throw new CassandraNodeError(
            `${label} exited during startup; see ${systemLog} and ${stdoutLog}:\n${tail(stdoutLog, 20)}`,
          )
        }
        if (Date.now() > deadline) {
          throw new CassandraNodeError(
            `${label} did not answer CQL on ${hosts} within ${startTimeoutMs / 1000}s (pid ${pid}); ` +
              `see ${systemLog} and ${stdoutLog}` +
              (stopHint ? `; stop it with: ${stopHint}` : '') +
              (lastProbeError ? `\nlast probe error: ${lastProbeError}` : ''),
          )
        }
        if (Date.now() - lastNote > 15_000) {
          if (lastNote) log(`${label}: still waiting for CQL (${Math.round((Date.now() - started) / 1000)}s)`)
          lastNote = Date.now()
        }
        await sleep(500)
      }
    },

    /** Writes conf/ (cassandra.yaml, logback.xml) and creates data/ and logs/. */
    writeConf() {
      fs.mkdirSync(confDir, { recursive: true })
      fs.mkdirSync(path.join(dir, 'data'), { recursive: true })
      fs.mkdirSync(path.join(dir, 'logs'), { recursive: true })
      const template = fs.readFileSync(path.join(CASS_DIR, 'cassandra.yaml'), 'utf8')
      const overrides = {
        ...(clusterName !== undefined ? { cluster_name: clusterName } : {}),
        ...(numTokens !== undefined ? { num_tokens: numTokens } : {}),
        ...(initialToken !== undefined ? { initial_token: String(initialToken) } : {}),
        listen_address: host,
        rpc_address: host,
        storage_port: storagePort,
        native_transport_port: nativePort,
        seed_provider: [
          {
            class_name: 'org.apache.cassandra.locator.SimpleSeedProvider',
            parameters: [{ seeds: seeds.join(',') }],
          },
        ],
        ...yaml,
      }
      fs.writeFileSync(
        path.join(confDir, 'cassandra.yaml'),
        `# GENERATED by ${owner} from testinfra/cassandra/cassandra.yaml; edit that file instead.\n` +
          renderCassandraYaml(template, overrides),
      )
      fs.copyFileSync(path.join(CASS_DIR, 'logback.xml'), path.join(confDir, 'logback.xml'))
    },

    /**
     * Launches the JVM unless this node already runs; does not wait for CQL. Resolves { pid, reused }.
     * Refuses when the native port is taken by another process (a foreign server is handled by up()).
     */
    async start() {
      const running = node.pid()
      if (running) return { pid: running, reused: true }
      const { java, lib } = await prepareRuntime({ log, aptInstall: apt })
      node.writeConf()
      const jamm = fs.readdirSync(lib).find((n) => /^jamm-.*\.jar$/.test(n))
      const props = { ...DEFAULT_SYSTEM_PROPERTIES, ...systemProperties }
      const args = [
        `-Xms${heap}`,
        `-Xmx${heap}`,
        ...jvmArgs(),
        `-javaagent:${path.join(lib, jamm)}`,
        '-Dcassandra-foreground=yes',
        configArg,
        `-Dcassandra.storagedir=${path.join(dir, 'data')}`,
        `-Dcassandra.logdir=${path.join(dir, 'logs')}`,
        `-Dlogback.configurationFile=${path.join(confDir, 'logback.xml')}`,
        ...Object.entries(props)
          .filter(([, v]) => v !== null && v !== undefined)
          .map(([k, v]) => `-D${k}=${v}`),
        '-XX:OnOutOfMemoryError=kill -9 %p',
        '-cp',
        `${confDir}${path.delimiter}${path.join(lib, '*')}`,
        DAEMON,
      ]
      fs.writeFileSync(
        path.join(dir, 'command.txt'),
        [java, ...args].map((a) => (/[\s*%]/.test(a) ? `'${a}'` : a)).join(' ') + '\n',
      )
      const out = fs.openSync(stdoutLog, 'a')
      fs.writeSync(out, `\n==== ${new Date().toISOString()} starting Cassandra (${owner}) ====\n`)
      const child = spawn(java, args, { cwd: dir, detached: true, stdio: ['ignore', out, out] })
      fs.closeSync(out)
      const pid = await new Promise((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid))
        child.once('error', (e) => reject(new CassandraNodeError(`could not launch ${java}: ${e.message}`)))
      })
      child.unref()
      fs.writeFileSync(pidfile, `${pid}\n`)
      log(`${label}: starting ${cassandraVersion()} (pid ${pid}, heap ${heap}, log ${stdoutLog})`)
      return { pid, reused: false }
    },

    /**
     * Starts (or reuses) the node and waits for CQL. Resolves { version, pid, reused } where reused is false,
     * true, or 'foreign' (a server this launcher did not start, when foreign: 'use').
     */
    async up() {
      const running = node.pid()
      if (running) {
        log(`${label}: found running node (pid ${running}), checking CQL`)
        const version = await node.waitForCql(running)
        log(`${label}: reusing ${version} on ${hosts}`)
        return { version, pid: running, reused: true }
      }
      const other = await node.probe()
      if (other) {
        if (foreign === 'use') {
          log(
            `${label}: a CQL server (${other}) not started by ${ownerName} already answers on ${hosts}; using it (down will not stop it)`,
          )
          return { version: other, pid: null, reused: 'foreign' }
        }
        throw new CassandraNodeError(
          `a CQL server (${other}) not started from ${dir} already answers on ${hosts}; stop it or use other addresses`,
        )
      }
      if (await tcpOpen(host, nativePort)) {
        throw new CassandraNodeError(
          `port ${nativePort} on ${host} is taken by something that does not answer CQL; free it or set SCYLLA_HOSTS`,
        )
      }
      const { pid } = await node.start()
      const version = await node.waitForCql(pid)
      log(`${label}: ready, ${version} on ${hosts}`)
      return { version, pid, reused: false }
    },

    /** SIGTERM, then SIGKILL after graceMs; removes the pid file. Resolves false when it was not running. */
    async stop({ graceMs = 20_000 } = {}) {
      const pid = node.pid()
      if (!pid) {
        fs.rmSync(pidfile, { force: true })
        log(`${label}: not running`)
        return false
      }
      log(`${label}: stopping pid ${pid} (SIGTERM)`)
      process.kill(pid, 'SIGTERM')
      const deadline = Date.now() + graceMs
      while (pidAlive(pid) && Date.now() < deadline) await sleep(200)
      if (pidAlive(pid)) {
        log(`${label}: still running after ${Math.round(graceMs / 1000)}s, SIGKILL`)
        try {
          process.kill(pid, 'SIGKILL')
        } catch {}
        while (pidAlive(pid)) await sleep(100)
      }
      fs.rmSync(pidfile, { force: true })
      log(`${label}: stopped`)
      return true
    },

    /** kill -9 of the JVM (a crash: no drain, no flush); waits until it is gone. Resolves the pid or null. */
    async kill() {
      const pid = node.pid()
      if (!pid) return null
      process.kill(pid, 'SIGKILL')
      while (pidAlive(pid)) await sleep(20)
      fs.rmSync(pidfile, { force: true })
      return pid
    },
  }
  return node
}
