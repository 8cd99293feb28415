// The secured local Cassandra node: password authentication (PasswordAuthenticator, CassandraAuthorizer) and
// client TLS required (client_encryption_options enabled, not optional), on its own address 127.0.0.5:9042,
// with a CA and certificates generated here (openssl). It is what
// `node scripts/db.mjs up --secure` / `tandem db up --secure` start and what the secured smoke set
// (test/secure/) runs on.
//
//   import { upSecure, downSecure } from './secure-node.mjs'
//   const env = await upSecure()  // { SCYLLA_HOSTS, SCYLLA_DATACENTER, SCYLLA_USERNAME, SCYLLA_PASSWORD, SCYLLA_TLS_CA }
//
// Everything lives under <project>/.local/cassandra-secure/ (git-ignored): certs/ (ca.pem is what clients trust;
// client.pem/client.key a client certificate signed by that CA), node/ (the Cassandra node), tandem.password.
// Client certificates are not asked for: Cassandra 5.0's require_client_auth is true or false, and true would
// leave no way to test TLS without one (the common managed-ScyllaDB case).
// The password of the `tandem` role is random per machine (made once); the default superuser cassandra/cassandra
// is kept (a local test node, reachable from this machine only).
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  aptInstall,
  CassandraNodeError,
  cassandraNode,
  driverProbe,
  prepareRuntime,
  run,
  sleep,
  tcpOpen,
  which,
  withLock,
} from './cassandra-node.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const LOCAL = path.resolve(process.env.TANDEM_LOCAL_DIR || path.join(ROOT, '.local'))
const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0

/** 127.0.0.1 is the shared plain node; 127.0.0.2-4 and .12-14 are test clusters. */
export const SECURE_HOST = '127.0.0.5'
export const SECURE_PORT = 9042
const DC = 'datacenter1'
const DIR = path.join(LOCAL, 'cassandra-secure')
const CERTS = path.join(DIR, 'certs')
const NODE_DIR = path.join(DIR, 'node')
const PASSWORD_FILE = path.join(DIR, 'tandem.password')
const ROLE = 'tandem'
/** protects the node's own key files on this machine only; not a secret */
const STORE_PASSWORD = 'tandem-local-keystore'
const HEAP = process.env.CASSANDRA_SECURE_HEAP || '512m'

const t0 = Date.now()
function log(msg) {
  process.stderr.write(`[db ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`)
}

async function must(what, cmd, args) {
  const r = await run(cmd, args, { quiet: true })
  if (r.code !== 0)
    throw new CassandraNodeError(`${what} failed (exit ${r.code}): ${cmd} ${args.join(' ')}\n${r.out.trim()}`)
  return r.out
}

async function ensureOpenssl() {
  const found = which('openssl')
  if (found) return found
  if (!IS_ROOT || !which('apt-get'))
    throw new CassandraNodeError(
      'openssl not found (needed once to make the secured node’s certificates): install it (Debian/Ubuntu: sudo apt-get install openssl)',
    )
  log('openssl missing, installing openssl')
  await aptInstall(log, ['openssl'])
  const installed = which('openssl')
  if (!installed) throw new CassandraNodeError('openssl was installed by apt-get but is not on PATH')
  return installed
}

/** The files a generated set has; all present means the set is reused. */
export const certificateFiles = Object.freeze({
  ca: path.join(CERTS, 'ca.pem'),
  caKey: path.join(CERTS, 'ca.key'),
  serverCert: path.join(CERTS, 'server.pem'),
  serverKey: path.join(CERTS, 'server.key'),
  keystore: path.join(CERTS, 'server.p12'),
  clientCert: path.join(CERTS, 'client.pem'),
  clientKey: path.join(CERTS, 'client.key'),
})

/**
 * A CA, the node's certificate (subjectAltName IP:<host> and DNS:localhost, so clients verify it when they
 * connect by address) in a PKCS12 keystore, and a client certificate signed by the CA. Made once; reused
 * while every file is there.
 */
export async function ensureCertificates({ host = SECURE_HOST } = {}) {
  const f = certificateFiles
  const marker = path.join(CERTS, 'host')
  const complete = [...Object.values(f), marker].every((p) => fs.existsSync(p))
  if (complete && fs.readFileSync(marker, 'utf8').trim() === host) return f
  const openssl = await ensureOpenssl()
  log(`secured node: generating a CA and certificates in ${CERTS}`)
  fs.rmSync(CERTS, { recursive: true, force: true })
  fs.mkdirSync(CERTS, { recursive: true, mode: 0o700 })
  const ext = (name, lines) => {
    const p = path.join(CERTS, `${name}.ext`)
    fs.writeFileSync(p, lines.join('\n') + '\n')
    return p
  }
  const days = '3650'
  await must('openssl (CA)', openssl, [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f.caKey, '-out', f.ca, '-days', days,
    '-subj', '/CN=tandem local test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]) // prettier-ignore
  const sign = async (name, key, cert, subject, extLines) => {
    const csr = path.join(CERTS, `${name}.csr`)
    await must(`openssl (${name} key)`, openssl, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject]) // prettier-ignore
    await must(`openssl (${name} certificate)`, openssl, [
      'x509', '-req', '-in', csr, '-CA', f.ca, '-CAkey', f.caKey, '-CAcreateserial', '-out', cert, '-days', days,
      '-extfile', ext(name, extLines),
    ]) // prettier-ignore
    fs.rmSync(csr)
  }
  await sign('server', f.serverKey, f.serverCert, `/CN=${host}`, [
    `subjectAltName=IP:${host},DNS:localhost`,
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
  ])
  await sign('client', f.clientKey, f.clientCert, `/CN=${ROLE}`, [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
  ])
  await must('openssl (keystore)', openssl, [
    'pkcs12', '-export', '-in', f.serverCert, '-inkey', f.serverKey, '-certfile', f.ca, '-name', 'node',
    '-out', f.keystore, '-passout', `pass:${STORE_PASSWORD}`,
  ]) // prettier-ignore
  for (const p of [f.caKey, f.serverKey, f.clientKey]) fs.chmodSync(p, 0o600)
  fs.writeFileSync(marker, `${host}\n`)
  return f
}

function rolePassword() {
  try {
    const p = fs.readFileSync(PASSWORD_FILE, 'utf8').trim()
    if (p) return p
  } catch {}
  fs.mkdirSync(DIR, { recursive: true })
  const p = randomBytes(12).toString('base64url')
  fs.writeFileSync(PASSWORD_FILE, `${p}\n`, { mode: 0o600 })
  return p
}

function sslOptions() {
  return { ca: fs.readFileSync(certificateFiles.ca), rejectUnauthorized: true }
}

/** The node: the shared template plus authentication, authorization and required client TLS. */
function secureNode() {
  const f = certificateFiles
  return cassandraNode({
    dir: NODE_DIR,
    host: SECURE_HOST,
    nativePort: SECURE_PORT,
    clusterName: 'tandem-secure',
    heap: HEAP,
    label: 'Cassandra (secured)',
    log,
    owner: 'scripts/secure-node.mjs',
    stopHint: 'node scripts/db.mjs down',
    yaml: {
      authenticator: 'PasswordAuthenticator',
      authorizer: 'CassandraAuthorizer',
      role_manager: 'CassandraRoleManager',
      client_encryption_options: {
        enabled: true,
        optional: false,
        keystore: f.keystore,
        keystore_password: STORE_PASSWORD,
        store_type: 'PKCS12',
        require_client_auth: false,
      },
    },
    // the default superuser (cassandra/cassandra) is made at once instead of 10 s after start
    systemProperties: { 'cassandra.superuser_setup_delay_ms': '0' },
    // ready once CQL answers over TLS with a password; the superuser until the tandem role exists
    probe: async () => {
      const ssl = sslOptions()
      const asTandem = await driverProbe(SECURE_HOST, SECURE_PORT, {
        username: ROLE,
        password: rolePassword(),
        sslOptions: ssl,
        log,
      })
      if (asTandem.version) return asTandem
      return driverProbe(SECURE_HOST, SECURE_PORT, {
        username: 'cassandra',
        password: 'cassandra',
        sslOptions: ssl,
        log,
      })
    },
  })
}

/** Creates (or resets the password of) the `tandem` role, and grants it every permission on every keyspace. */
async function ensureRole(password) {
  const { default: driver } = await import('cassandra-driver')
  const connect = async (username, pw) => {
    const client = new driver.Client({
      contactPoints: [`${SECURE_HOST}:${SECURE_PORT}`],
      localDataCenter: DC,
      authProvider: new driver.auth.PlainTextAuthProvider(username, pw),
      sslOptions: sslOptions(),
      socketOptions: { connectTimeout: 5000, readTimeout: 20_000 },
      pooling: { warmup: false },
    })
    try {
      await client.connect()
      return client
    } catch (e) {
      await client.shutdown().catch(() => {})
      throw e
    }
  }
  let canLogIn = false
  try {
    await (await connect(ROLE, password)).shutdown()
    canLogIn = true
  } catch {}
  if (!canLogIn) log(`secured node: creating role ${ROLE}`)
  let admin
  for (let i = 0; ; i++) {
    try {
      admin = await connect('cassandra', 'cassandra')
      break
    } catch (e) {
      // the default superuser can lag the CQL port by a moment
      if (i >= 60) throw new CassandraNodeError(`secured node: cannot log in as the default superuser: ${e.message}`)
      await sleep(500)
    }
  }
  try {
    const pw = password.replace(/'/g, "''")
    // a role left from an earlier password file gets the current password (Cassandra 5 refuses a password
    // change within 5 s of the last one, so only when needed)
    if (!canLogIn) {
      const known = await admin.execute('SELECT role FROM system_auth.roles WHERE role = ?', [ROLE])
      const verb = known.rowLength > 0 ? 'ALTER ROLE' : 'CREATE ROLE'
      await admin.execute(`${verb} ${ROLE} WITH PASSWORD = '${pw}' AND LOGIN = true`)
    }
    // every time (idempotent): a start interrupted between the role and the grant is repaired
    await admin.execute(`GRANT ALL PERMISSIONS ON ALL KEYSPACES TO ${ROLE}`)
  } finally {
    await admin.shutdown().catch(() => {})
  }
  if (canLogIn) return
  // the role is visible at once on one node; allow the credentials cache a moment
  for (let i = 0; ; i++) {
    try {
      const c = await connect(ROLE, password)
      await c.shutdown()
      return
    } catch (e) {
      if (i >= 20) throw new CassandraNodeError(`secured node: role ${ROLE} cannot log in: ${e.message}`)
      await sleep(250)
    }
  }
}

/** What `up --secure` prints for the secured node. */
export function secureEnv() {
  return {
    SCYLLA_HOSTS: `${SECURE_HOST}:${SECURE_PORT}`,
    SCYLLA_DATACENTER: DC,
    SCYLLA_USERNAME: ROLE,
    SCYLLA_PASSWORD: rolePassword(),
    SCYLLA_TLS_CA: certificateFiles.ca,
  }
}

/**
 * Starts (or reuses) the secured node and its `tandem` role. Resolves
 * { SCYLLA_HOSTS, SCYLLA_DATACENTER, SCYLLA_USERNAME, SCYLLA_PASSWORD, SCYLLA_TLS_CA }.
 */
export async function upSecure() {
  return withLock(
    path.join(DIR, 'up.lock'),
    async () => {
      const node = secureNode()
      // another checkout's secured node has its own CA and password: name that instead of "does not answer CQL"
      if (!node.pid() && (await tcpOpen(SECURE_HOST, SECURE_PORT)))
        throw new CassandraNodeError(
          `${SECURE_HOST}:${SECURE_PORT} is taken by a process not started from ${NODE_DIR} (the secured node of another ` +
            'checkout? stop it there with `node scripts/db.mjs down`); tests can use a secured server of your own ' +
            'through SECURE_SCYLLA_HOSTS, SECURE_SCYLLA_USERNAME, SECURE_SCYLLA_PASSWORD, SECURE_SCYLLA_TLS_CA',
        )
      await prepareRuntime({ log })
      await ensureCertificates()
      const password = rolePassword()
      await node.up()
      await ensureRole(password)
      return secureEnv()
    },
    { name: 'secure-node.mjs', log },
  )
}

/** Stops the secured node if it runs (idempotent). */
export async function downSecure() {
  return withLock(path.join(DIR, 'up.lock'), () => secureNode().stop(), { name: 'secure-node.mjs', log })
}
