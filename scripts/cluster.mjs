#!/usr/bin/env node
// A local 3-node Apache Cassandra 5.0 cluster for the fault suite (npm run test:cluster).
//
//   node scripts/cluster.mjs up        start (or reuse) the three nodes; stdout gets ONLY the KEY=value lines
//                                      SCYLLA_HOSTS, SCYLLA_DATACENTER; progress goes to stderr
//   node scripts/cluster.mjs down      stop them (SIGTERM)
//   node scripts/cluster.mjs status    one line per node: pid, CQL, what it sees of the others
//   node scripts/cluster.mjs kill N    SIGKILL node N (1-3): a real crash
//   node scripts/cluster.mjs start N   start node N again and wait until the three see each other UP
//
// Nodes on 127.0.0.2, 127.0.0.3, 127.0.0.4 (TANDEM_CLUSTER_IPS=a,b,c for others, so two clusters can run side by
// side), ports 9042/7000 on each, balanced single tokens, every node a seed, 512 MiB heap each, data under
// <TANDEM_LOCAL_DIR or .local>/cluster/<ip>/. Ready = every node answers CQL and a read at consistency ALL of
// system_distributed (replication factor 3) succeeds through each node as coordinator, i.e. each sees the other
// two UP. Also importable: `import { up, down, status, killNode, startNode, waitAllUp, clusterNodes } from …`.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cassandraNode, CassandraNodeError, rawCqlQuery, sleep, withLock } from './cassandra-node.mjs'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const LOCAL = path.resolve(process.env.TANDEM_LOCAL_DIR || path.join(ROOT, '.local'))
const CLUSTER_DIR = path.join(LOCAL, 'cluster')
const DC = 'datacenter1'
const NATIVE_PORT = 9042
const STORAGE_PORT = 7000
const HEAP = process.env.TANDEM_CLUSTER_HEAP || '512m'
const TIMEOUT_MS = Number(process.env.CASSANDRA_START_TIMEOUT_MS || 180_000)
/** Balanced single tokens for 3 nodes on Murmur3 (what ccm generates): -2^63 + i * 2^64 / 3. */
const TOKENS = ['-9223372036854775808', '-3074457345618258603', '3074457345618258602']
/** Cassandra's failure detector: 12 (the notes' value for a 2-core box; default 8) tolerates GC stalls. */
const PHI = Number(process.env.TANDEM_CLUSTER_PHI || 12)

const t0 = Date.now()
function log(msg) {
  process.stderr.write(`[cluster ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`)
}

/** The three addresses (TANDEM_CLUSTER_IPS or 127.0.0.2-4). */
export function clusterIps() {
  const ips = (process.env.TANDEM_CLUSTER_IPS || '127.0.0.2,127.0.0.3,127.0.0.4')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (ips.length !== 3 || new Set(ips).size !== 3 || !ips.every((ip) => /^127\.\d+\.\d+\.\d+$/.test(ip))) {
    throw new CassandraNodeError(`TANDEM_CLUSTER_IPS must be three distinct loopback addresses, got "${ips.join(',')}"`)
  }
  return ips
}

/** The three nodes' launchers (cassandraNode objects), node 1 first. */
export function clusterNodes({ startTimeoutMs = TIMEOUT_MS } = {}) {
  const ips = clusterIps()
  const seeds = ips.map((ip) => `${ip}:${STORAGE_PORT}`)
  return ips.map((ip, i) =>
    cassandraNode({
      dir: path.join(CLUSTER_DIR, ip),
      host: ip,
      nativePort: NATIVE_PORT,
      storagePort: STORAGE_PORT,
      seeds,
      clusterName: 'tandem-cluster',
      numTokens: 1,
      initialToken: TOKENS[i],
      heap: HEAP,
      // the servers' default LWT timeouts (the single test node has longer ones for a starved 2-core box): tandem's
      // default scylla.lwtSettleMs (3.5 s) assumes them when it settles an LWT whose answer was lost
      yaml: { phi_convict_threshold: PHI, cas_contention_timeout: '1000ms', write_request_timeout: '2000ms' },
      // The single test node skips flushing system tables (unsafesystem) for fast DDL. Here nodes get SIGKILLed:
      // a node that restarted without its schema would skip replaying its commit log for unknown tables.
      systemProperties: { 'cassandra.unsafesystem': null, 'cassandra.test.flush_local_schema_changes': null },
      label: `node ${i + 1} (${ip})`,
      log,
      owner: 'scripts/cluster.mjs',
      stopHint: 'node scripts/cluster.mjs down',
      startTimeoutMs,
    }),
  )
}

/** What `up` prints: the contact points of the three nodes and the data center. */
export function clusterEnv() {
  return {
    SCYLLA_HOSTS: clusterNodes()
      .map((n) => n.hosts)
      .join(','),
    SCYLLA_DATACENTER: DC,
  }
}

/** Whether `node`, as coordinator, sees every replica of a replication-factor-3 keyspace UP (a read at ALL). */
async function seesAllUp(node) {
  const r = await rawCqlQuery(
    node.host,
    node.nativePort,
    'SELECT keyspace_name FROM system_distributed.repair_history LIMIT 1',
    'all',
  )
  return { ok: r.rows !== undefined, error: r.error }
}

/** Waits until every node answers CQL and sees the other two UP. */
export async function waitAllUp({ timeoutMs = TIMEOUT_MS } = {}) {
  const nodes = clusterNodes()
  const deadline = Date.now() + timeoutMs
  let lastNote = Date.now()
  for (;;) {
    const views = await Promise.all(nodes.map(seesAllUp))
    if (views.every((v) => v.ok)) return
    const dead = nodes.filter((n) => !n.pid())
    if (dead.length) throw new CassandraNodeError(`not running: ${dead.map((n) => n.host).join(', ')}`)
    if (Date.now() > deadline) {
      throw new CassandraNodeError(
        `the nodes did not all see each other UP within ${timeoutMs / 1000}s: ` +
          nodes.map((n, i) => `${n.host}: ${views[i].ok ? 'ok' : views[i].error}`).join('; ') +
          ' (a node can stay DOWN for a peer whose gossip echo was lost under load: node scripts/cluster.mjs down, then up)',
      )
    }
    if (Date.now() - lastNote > 15_000) {
      log(
        `waiting for the nodes to see each other UP (${nodes
          .filter((_, i) => !views[i].ok)
          .map((n) => n.host)
          .join(', ')} not yet)`,
      )
      lastNote = Date.now()
    }
    await sleep(500)
  }
}

/** Starts (or reuses) the three nodes and waits until they see each other UP. Resolves clusterEnv(). */
export async function up() {
  const nodes = clusterNodes()
  return withLock(
    path.join(CLUSTER_DIR, 'cluster.lock'),
    async () => {
      // Launch every missing node first (all at once, as ccm does), then wait for each.
      const started = []
      for (const n of nodes) {
        if (n.pid()) continue
        if (await n.probe()) {
          throw new CassandraNodeError(
            `a CQL server not started from ${n.dir} already answers on ${n.hosts}; stop it or set TANDEM_CLUSTER_IPS`,
          )
        }
        started.push((await n.start()).pid)
      }
      await Promise.all(nodes.map((n) => n.waitForCql()))
      await waitAllUp()
      log(
        `${started.length ? `ready (${started.length} started)` : 'reusing the running cluster'}: ${nodes.map((n) => n.hosts).join(', ')}, ${((Date.now() - t0) / 1000).toFixed(1)}s`,
      )
      return clusterEnv()
    },
    { name: 'cluster.mjs', timeoutMs: TIMEOUT_MS + 120_000, log },
  )
}

/** Stops the three nodes (SIGTERM, SIGKILL after 60 s). Idempotent. */
export async function down() {
  const nodes = clusterNodes()
  // A node draining under load can take longer than 20 s; a SIGKILL mid-shutdown has left schema half-written.
  return withLock(
    path.join(CLUSTER_DIR, 'cluster.lock'),
    () => Promise.all(nodes.map((n) => n.stop({ graceMs: 60_000 }))),
    {
      name: 'cluster.mjs',
      timeoutMs: TIMEOUT_MS + 120_000,
      log,
    },
  )
}

function nodeAt(n, options) {
  const nodes = clusterNodes(options)
  const node = nodes[Number(n) - 1]
  if (!node) throw new CassandraNodeError(`node number must be 1, 2 or 3, got ${n}`)
  return node
}

/** SIGKILLs node n (1-3): a real crash. Resolves the killed pid, or null when it was not running. */
export async function killNode(n) {
  const node = nodeAt(n)
  const pid = await node.kill()
  log(pid ? `${node.host}: killed pid ${pid} (SIGKILL)` : `${node.host}: not running`)
  return pid
}

/**
 * Starts node n again (or reuses it), waits for its CQL (up to timeoutMs) and, unless waitUp is false, until the
 * three see each other UP.
 */
export async function startNode(n, { waitUp = true, timeoutMs = TIMEOUT_MS } = {}) {
  const node = nodeAt(n, { startTimeoutMs: timeoutMs })
  const { pid, reused } = await node.start()
  await node.waitForCql(pid)
  if (waitUp) await waitAllUp({ timeoutMs })
  log(`${node.host}: ${reused ? 'already running' : 'restarted'} (pid ${pid})`)
  return pid
}

/** One entry per node: { host, pid, cql (answers), allUp (sees the other two UP), error }. */
export async function status() {
  return Promise.all(
    clusterNodes().map(async (n) => {
      const pid = n.pid()
      const peers = await rawCqlQuery(n.host, n.nativePort, 'SELECT peer FROM system.peers', 'one', { timeoutMs: 2000 })
      const view = peers.rows !== undefined ? await seesAllUp(n) : { ok: false, error: peers.error }
      return {
        host: n.host,
        pid,
        cql: peers.rows !== undefined,
        peers: peers.rows ?? null,
        allUp: view.ok,
        error: view.error,
      }
    }),
  )
}

async function main([cmd, arg]) {
  try {
    if (cmd === 'up') {
      const env = await up()
      for (const [k, v] of Object.entries(env)) process.stdout.write(`${k}=${v}\n`)
    } else if (cmd === 'down') {
      await down()
    } else if (cmd === 'status') {
      for (const s of await status()) {
        process.stdout.write(
          `${s.host}  pid ${s.pid ?? '-'}  cql ${s.cql ? 'yes' : 'no'}  peers ${s.peers ?? '-'}  ` +
            `${s.allUp ? 'sees all UP' : `not all UP${s.error ? ` (${s.error})` : ''}`}\n`,
        )
      }
    } else if (cmd === 'kill' && arg) {
      await killNode(arg)
    } else if (cmd === 'start' && arg) {
      await startNode(arg)
    } else {
      process.stderr.write('usage: node scripts/cluster.mjs up | down | status | kill N | start N\n')
      process.exitCode = 2
    }
  } catch (e) {
    process.stderr.write(`cluster.mjs ${cmd}: ${e instanceof CassandraNodeError ? e.message : e?.stack || e}\n`)
    process.exitCode = 1
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.argv.slice(2))
}
