// The flags of `npm run bench` (run.ts) and of the profiler wrapper (tools/profile.ts).
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ALL_BACKENDS, defaultOptions, WORKLOAD_NAMES } from './options.js'
import type { BackendName, RunOptions } from './types.js'

export const HELP = `npm run bench [-- options]

Starts (or reuses) the local PostgreSQL and Cassandra, re-creates the database and keyspace "tandem_bench",
seeds them, runs every workload for every implementation (interleaved rounds after a warm-up) and writes
benchmarks/results/latest.{json,md,svg}.

  --quick                 short rounds and a smaller scale series (under 3 minutes)
  --workloads=a,b         ${WORKLOAD_NAMES.join(', ')}
  --backends=a,b          ${ALL_BACKENDS.join(', ')}  (memory: the credits balance cache)
  --impls=a,b             keep only these implementations (tandem, postgres.js, drizzle-prepared, drizzle,
                          prisma, cassandra-driver, cassandra-mapper, express-cassandra, uncached,
                          tandem-drizzle, tandem-drizzle-query, drizzle-query)
  --concurrency=1,32      operations in flight (hot-row-increment always runs at 64: the pattern it measures)
  --duration=SECONDS      measured time per round per implementation (default 1, quick 0.25)
  --warmup=SECONDS        warm-up per implementation and concurrency (default 0.5, quick 0.15); PostgreSQL
                          rounds also warm up their fresh clients first (0.25, quick 0.1)
  --rounds=N              interleaved rounds; the best is reported (default 5, quick 3; the scale series at most 3)
  --ops=N                 stop a round after N operations (as well as after --duration)
  --scale=N,N|none        message totals of the find-many-page scale series (default 10000,100000,1000000;
                          quick 10000,100000)
  --no-planning           skip the planning micro-benchmark
  --no-migrate            skip the migrate benchmark (tandem migrate beside a hand-written loader)
  --out=DIR               where to write latest.* (default benchmarks/results)
  --database=NAME         the PostgreSQL database and Cassandra keyspace the run owns, dropped and re-created
                          (default tandem_bench; another name lets two runs share the servers)
  --help
`

const here = dirname(fileURLToPath(import.meta.url))

/** Parses the CLI flags (see HELP) into run options and the output folder. */
export function parseArgs(argv: string[], log: (line: string) => void): { options: RunOptions; out: string } {
  const flags = new Map<string, string>()
  for (const a of argv) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a)
    if (!m) throw new Error(`unexpected argument ${a} (see --help)`)
    flags.set(m[1]!, m[2] ?? 'true')
  }
  if (flags.has('help')) {
    process.stdout.write(HELP)
    process.exit(0)
  }
  const known = [
    'quick',
    'workloads',
    'backends',
    'impls',
    'concurrency',
    'duration',
    'warmup',
    'rounds',
    'ops',
    'scale',
    'no-planning',
    'no-migrate',
    'out',
    'database',
  ]
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (see --help)`)
  const o = defaultOptions(flags.has('quick'), log)
  const list = (k: string) =>
    (flags.get(k) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  const num = (k: string, v: string) => {
    const n = Number(v)
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${k} expects a positive number, got ${v}`)
    return n
  }
  if (flags.has('workloads')) o.workloads = list('workloads')
  if (flags.has('backends')) o.backends = list('backends') as BackendName[]
  if (flags.has('impls')) o.impls = list('impls')
  if (flags.has('concurrency')) o.concurrency = list('concurrency').map((v) => Math.round(num('concurrency', v)))
  if (flags.has('duration')) o.durationMs = num('duration', flags.get('duration')!) * 1000
  if (flags.has('warmup')) o.warmupMs = num('warmup', flags.get('warmup')!) * 1000
  if (flags.has('rounds')) o.rounds = Math.round(num('rounds', flags.get('rounds')!))
  if (flags.has('ops')) o.maxOps = Math.round(num('ops', flags.get('ops')!))
  if (flags.has('scale'))
    o.scale = flags.get('scale') === 'none' ? [] : list('scale').map((v) => Math.round(num('scale', v)))
  if (flags.has('no-planning')) o.planning = false
  if (flags.has('no-migrate')) o.migrate = false
  if (flags.has('database')) {
    const name = flags.get('database')!
    if (!/^[a-z][a-z0-9_]{0,40}$/.test(name))
      throw new Error(`--database expects a lowercase name (a-z, 0-9, _), got ${name}`)
    o.database = o.keyspace = name
  }
  return { options: o, out: flags.get('out') ?? join(here, 'results') }
}
