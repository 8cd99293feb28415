// Types for scripts/cluster.mjs (a local 3-node Cassandra cluster for the fault suite).
import type { CassandraNode } from './cassandra-node.mjs'

export interface ClusterEnv {
  /** the three nodes' host:9042, comma-separated */
  SCYLLA_HOSTS: string
  /** 'datacenter1' */
  SCYLLA_DATACENTER: string
}
/** The three addresses (TANDEM_CLUSTER_IPS or 127.0.0.2-4). */
export function clusterIps(): string[]
/** The three nodes' launchers, node 1 first. */
export function clusterNodes(options?: { startTimeoutMs?: number }): CassandraNode[]
/** What up() resolves and `cluster.mjs up` prints. */
export function clusterEnv(): ClusterEnv
/** Starts (or reuses) the three nodes and waits until each sees the other two UP. */
export function up(): Promise<ClusterEnv>
/** Stops the three nodes. Idempotent. */
export function down(): Promise<unknown>
/** Waits until every node answers CQL and sees the other two UP. */
export function waitAllUp(options?: { timeoutMs?: number }): Promise<void>
/** SIGKILLs node n (1-3); resolves the killed pid, or null when it was not running. */
export function killNode(n: number | string): Promise<number | null>
/** Starts node n again and waits for its CQL (and, unless waitUp is false, for all three to see each other UP). */
export function startNode(n: number | string, options?: { waitUp?: boolean; timeoutMs?: number }): Promise<number>
/** One entry per node. */
export function status(): Promise<
  { host: string; pid: number | null; cql: boolean; peers: number | null; allUp: boolean; error: string | undefined }[]
>
