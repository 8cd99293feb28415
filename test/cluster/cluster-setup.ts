// Vitest global setup of `npm run test:cluster`: starts (or reuses) the local 3-node cluster and hands its
// contact points to the test files as TANDEM_CLUSTER_HOSTS (SCYLLA_HOSTS keeps pointing at the single test node).
// The cluster is left running so reruns are fast; stop it with `node scripts/cluster.mjs down`.
import { up } from '../../scripts/cluster.mjs'

export default async function setup(): Promise<void> {
  const env = await up()
  process.env.TANDEM_CLUSTER_HOSTS = env.SCYLLA_HOSTS
  process.env.TANDEM_CLUSTER_DATACENTER = env.SCYLLA_DATACENTER
}
