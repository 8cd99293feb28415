import { validationError } from '../errors.js'
import { cqlName } from '../schema/scylla-layout.js'

/** `scylla: { tablets }`: 'auto' decides from the server's version at `$push`; true/false force the clause. */
export type TabletsOption = 'auto' | boolean

/** What `$push` reads from the server before creating the keyspace. */
export interface ServerIdentity {
  product: 'scylla' | 'cassandra'
  /** ScyllaDB: `system.versions.version` (e.g. '2025.1.3-0.20250603.…'); Cassandra: `system.local.release_version` */
  version: string
}

/** The keyspace statement, and a note saying what was decided about tablets and why (undefined: nothing to say). */
export interface KeyspaceDdl {
  cql: string
  note?: string
}

/**
 * ScyllaDB versions by what they do with tablets. LWT on tablets arrived in ScyllaDB 2025.4: the 2025.3 manual
 * still says "The LWT feature is not supported in keyspaces with tablets enabled"
 * (https://docs.scylladb.com/manual/branch-2025.3/features/lwt.html), and the fix for scylladb/scylladb#26437
 * ("LWT over tablets", PR #26619) was backported to 2025.4. Tablets themselves became GA (and the `'enabled'`
 * keyspace option appeared) in ScyllaDB 6.0 / 2024.2; 5.x and 2024.1 only had them as an experimental feature,
 * off unless enabled, so nothing is added there.
 */
type TabletSupport = 'none' | 'without-lwt' | 'with-lwt'

export function scyllaTabletSupport(version: string): TabletSupport | undefined {
  const m = /^(\d+)\.(\d+)/.exec(version.trim())
  if (!m) return undefined
  const major = Number(m[1])
  const minor = Number(m[2])
  if (major >= 2000) {
    // year-numbered releases (enterprise 2022.x–2024.x, then the single 2025.x line)
    if (major < 2024 || (major === 2024 && minor < 2)) return 'none'
    if (major === 2024 || (major === 2025 && minor < 4)) return 'without-lwt'
    return 'with-lwt'
  }
  // open-source numbering ended with 6.2 (2025.1 replaced it): 6.x has tablets, none has LWT on them
  return major < 6 ? 'none' : 'without-lwt'
}

function replicationCql(replication: Readonly<Record<string, string | number>>): string {
  return Object.entries(replication)
    .map(([k, v]) => `'${k}': ${typeof v === 'number' ? v : `'${v}'`}`)
    .join(', ')
}

/**
 * CREATE KEYSPACE for the tablets option and the server (a pure function: unit-tested per version).
 * `server` undefined is `$ddl()`, which does no I/O: the statement is the one Cassandra gets, with a comment
 * saying what `$push` will decide. Every tandem base-row write is an LWT, so on a ScyllaDB whose LWT does not
 * work on tablets, 'auto' creates the keyspace on vnodes (`tablets = {'enabled': false}`).
 * @example keyspaceDdl('shop', { class: 'NetworkTopologyStrategy', datacenter1: 3 }, 'auto', { product: 'scylla', version: '2025.1.0' })
 */
export function keyspaceDdl(
  keyspace: string,
  replication: Readonly<Record<string, string | number>>,
  tablets: TabletsOption,
  server: ServerIdentity | undefined,
): KeyspaceDdl {
  const base = `CREATE KEYSPACE IF NOT EXISTS ${cqlName(keyspace)} WITH replication = {${replicationCql(replication)}}`
  const clause = (enabled: boolean): string => `${base} AND tablets = {'enabled': ${enabled}}`
  if (server === undefined) {
    const note =
      tablets === 'auto'
        ? "tablets 'auto': $push reads the server version; ScyllaDB 6.0-2025.3 gets AND tablets = {'enabled': false} (no LWT on tablets), newer ScyllaDB and Cassandra nothing"
        : `tablets ${tablets}: $push adds AND tablets = {'enabled': ${tablets}} on ScyllaDB` +
          (tablets ? ', and refuses Cassandra (no tablets)' : ', nothing on Cassandra')
    return { cql: `${base} /* ${note} */`, note }
  }
  if (server.product === 'cassandra') {
    if (tablets === true)
      throw validationError(
        '$push',
        `scylla.tablets is true but the server is Apache Cassandra ${server.version}, which has no tablets: use 'auto' or false`,
      )
    return { cql: base }
  }
  if (tablets !== 'auto')
    return {
      cql: clause(tablets),
      note: `ScyllaDB ${server.version}: tablets ${tablets ? 'enabled' : 'disabled'} (forced by scylla.tablets)`,
    }
  const support = scyllaTabletSupport(server.version)
  if (support === 'none') return { cql: base }
  if (support === 'with-lwt')
    return { cql: base, note: `ScyllaDB ${server.version} supports LWT on tablets: server default kept` }
  const why =
    support === undefined ? 'its version could not be read' : 'its LWT does not work on tablets (before 2025.4)'
  return {
    cql: clause(false),
    note: `ScyllaDB ${server.version}: keyspace ${keyspace} created with tablets disabled, because ${why}; tandem writes every base row with an LWT`,
  }
}
