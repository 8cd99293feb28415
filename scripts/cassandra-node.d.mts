// Types for scripts/cassandra-node.mjs (one local Cassandra 5.0 node, parametrized).
import type { ConnectionOptions } from 'node:tls'

/** A failure a person can act on (the scripts print its message without a stack). */
export class CassandraNodeError extends Error {}

/** What a readiness probe attempt found: the server version, or why it did not answer. */
export type ProbeResult = string | null | { version?: string; error?: string }

export interface CassandraNodeOptions {
  /** The node's directory: conf/, data/, logs/, cassandra.pid, command.txt */
  dir: string
  /** listen_address and rpc_address (default '127.0.0.1') */
  host?: string
  /** native_transport_port (default 9042) */
  nativePort?: number
  /** storage_port (default 7000) */
  storagePort?: number
  /** 'host:storagePort' of the seeds (default: this node only) */
  seeds?: string[]
  /** cluster_name (default: the template's, 'tandem-test') */
  clusterName?: string
  /** num_tokens (default: the template's, 1) */
  numTokens?: number
  /** initial_token (default: the template's, -9223372036854775808) */
  initialToken?: string | bigint
  /** -Xms/-Xmx (default CASSANDRA_HEAP or '768m') */
  heap?: string
  /** More cassandra.yaml keys (nested objects allowed); null removes a template key */
  yaml?: Record<string, unknown>
  /** More -D options, name without '-D' (null drops a default one) */
  systemProperties?: Record<string, string | number | boolean | null>
  /** Options of the cassandra-driver readiness probe, or a probe of your own */
  probe?:
    | { username?: string; password?: string; sslOptions?: ConnectionOptions; localDataCenter?: string }
    | ((node: CassandraNode) => Promise<ProbeResult>)
  /** A CQL server this launcher did not start already answers on host:nativePort: 'use' it or 'fail' (default) */
  foreign?: 'use' | 'fail'
  /** Prefix of progress lines (default 'Cassandra') */
  label?: string
  /** Progress lines (default: stderr) */
  log?: (msg: string) => void
  /** Who generated the node's files (default 'scripts/cassandra-node.mjs') */
  owner?: string
  /** The command that stops the node, quoted in error messages */
  stopHint?: string
  /** Readiness timeout (default CASSANDRA_START_TIMEOUT_MS or 180000) */
  startTimeoutMs?: number
  /** An apt-get queue to share with the caller's own installs */
  aptInstall?: (...alternatives: string[][]) => Promise<void>
}

export interface CassandraNode {
  readonly dir: string
  readonly host: string
  readonly nativePort: number
  readonly storagePort: number
  /** 'host:nativePort' */
  readonly hosts: string
  readonly pidfile: string
  readonly systemLog: string
  readonly stdoutLog: string
  /** The pid of this node's live JVM, or null */
  pid(): number | null
  /** One readiness attempt: the version, or null */
  probe(): Promise<string | null>
  /** Waits for CQL; fails when `pid` exits or on timeout. Resolves the version. */
  waitForCql(pid?: number | null): Promise<string>
  /** Writes conf/cassandra.yaml and conf/logback.xml */
  writeConf(): void
  /** Launches the JVM unless it runs; does not wait for CQL */
  start(): Promise<{ pid: number; reused: boolean }>
  /** Starts or reuses the node, then waits for CQL */
  up(): Promise<{ version: string; pid: number | null; reused: boolean | 'foreign' }>
  /** SIGTERM, then SIGKILL after graceMs (default 20000); false when it was not running */
  stop(options?: { graceMs?: number }): Promise<boolean>
  /** kill -9 of the JVM; resolves its pid, or null when it was not running */
  kill(): Promise<number | null>
}

/** A local Cassandra node (see the options); nothing happens until up()/start(). */
export function cassandraNode(options: CassandraNodeOptions): CassandraNode

/** Finds (or installs) Java 17 and fetches the Cassandra jars once per process. */
export function prepareRuntime(options?: {
  log?: (msg: string) => void
  aptInstall?: (...alternatives: string[][]) => Promise<void>
}): Promise<{ java: string; lib: string }>

/** One cassandra-driver readiness attempt (auth and TLS when given). */
export function driverProbe(
  host: string,
  port: number,
  options?: {
    username?: string
    password?: string
    sslOptions?: ConnectionOptions
    localDataCenter?: string
    log?: (msg: string) => void
  },
): Promise<{ version?: string; error?: string }>

/** testinfra/cassandra/cassandra.yaml with `overrides` applied (null removes a key). */
export function renderCassandraYaml(template: string, overrides: Record<string, unknown>): string
/** `key: value` as YAML lines. */
export function yamlEntry(key: string, value: unknown, indent?: string): string[]
/** The cassandra-all version testinfra/cassandra/pom.xml pins. */
export function cassandraVersion(): string
export const CASS_DIR: string
export const CASS_LIB: string

/** Cross-process lock (a directory holding the owner's pid); a dead owner's lock is taken over. */
export function withLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  options?: { name?: string; timeoutMs?: number; log?: (msg: string) => void },
): Promise<T>
/** apt-get install the first alternative that installs; serialized across callers. */
export function aptInstall(log: (msg: string) => void, ...alternatives: string[][]): Promise<void>
export function run(
  cmd: string,
  args: string[],
  options?: { user?: string | null; env?: Record<string, string>; input?: string; quiet?: boolean; cwd?: string },
): Promise<{ code: number; out: string }>
export function pidAlive(pid: number): boolean
export function readPid(file: string): number
export function cmdlineOf(pid: number): string
export function tcpOpen(host: string, port: number, timeoutMs?: number): Promise<boolean>
export function tail(file: string, lines?: number): string
export function which(cmd: string): string | null
export function isExecutable(p: string): boolean
export function sleep(ms: number): Promise<void>
