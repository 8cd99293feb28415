// The arguments migrate-bench.ts passes to both migrate implementations (tandem-migrate.ts, hand-loader.ts).
import { parseArgs } from 'node:util'

export function childArgs() {
  const { values } = parseArgs({
    options: {
      pg: { type: 'string' },
      hosts: { type: 'string' },
      dc: { type: 'string', default: 'datacenter1' },
      keyspace: { type: 'string' },
      concurrency: { type: 'string', default: '16' },
      page: { type: 'string', default: '1000' },
    },
  })
  const need = (name: 'pg' | 'hosts' | 'keyspace') => {
    const v = values[name]
    if (!v) throw new Error(`--${name} is required`)
    return v
  }
  return {
    pg: need('pg'),
    hosts: need('hosts').split(','),
    dc: values.dc!,
    keyspace: need('keyspace'),
    concurrency: Number(values.concurrency),
    page: Number(values.page),
  }
}

/** The one JSON line a child prints for the harness. */
export function report(rows: number, seconds: number, peakRssMiB: number): void {
  process.stdout.write(`${JSON.stringify({ rows, seconds, peakRssMiB })}\n`)
}
