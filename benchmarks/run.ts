// `npm run bench [-- flags]`: the benchmark harness CLI. Progress goes to stderr; results to benchmarks/results/.
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeReports } from './report.js'
import { ALL_BACKENDS, defaultOptions, runBenchmarks, WORKLOAD_NAMES } from './suite.js'
import type { BackendName, RunOptions } from './types.js'

const HELP = `npm run bench [-- options]

Starts (or reuses) the local PostgreSQL and Cassandra, re-creates the database and keyspace "tandem_bench",
seeds them, runs every workload for every implementation (interleaved rounds after a warm-up) and writes
benchmarks/results/latest.{json,md,svg}.

  --quick                 short rounds and a smaller scale series (under 3 minutes)
  --workloads=a,b         ${WORKLOAD_NAMES.join(', ')}
  --backends=a,b          ${ALL_BACKENDS.join(', ')}  (memory: the credits balance cache)
  --impls=a,b             keep only these implementations (tandem, postgres.js, drizzle-prepared, drizzle,
                          prisma, cassandra-driver, uncached)
  --concurrency=1,32      operations in flight
  --duration=SECONDS      measured time per round per implementation (default 1.5, quick 0.3)
  --warmup=SECONDS        warm-up per implementation and concurrency (default 0.5, quick 0.2)
  --rounds=N              interleaved rounds; the best is reported (default 3)
  --ops=N                 stop a round after N operations (as well as after --duration)
  --scale=N,N|none        message totals of the find-many-page scale series (default 10000,100000,1000000;
                          quick 10000,100000)
  --no-planning           skip the planning micro-benchmark
  --out=DIR               where to write latest.* (default benchmarks/results)
  --help
`

const here = dirname(fileURLToPath(import.meta.url))
const t0 = performance.now()
const log = (line: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`)

function parse(argv: string[]): { options: RunOptions; out: string } {
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
  const known = ['quick', 'workloads', 'backends', 'impls', 'concurrency', 'duration', 'warmup', 'rounds', 'ops', 'scale', 'no-planning', 'out']
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (see --help)`)
  const o = defaultOptions(flags.has('quick'), log)
  const list = (k: string) => (flags.get(k) ?? '').split(',').map((s) => s.trim()).filter(Boolean)
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
  if (flags.has('scale')) o.scale = flags.get('scale') === 'none' ? [] : list('scale').map((v) => Math.round(num('scale', v)))
  if (flags.has('no-planning')) o.planning = false
  return { options: o, out: flags.get('out') ?? join(here, 'results') }
}

async function main(): Promise<void> {
  const { options, out } = parse(process.argv.slice(2))
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  log(`${options.quick ? 'quick run' : 'full run'}: workloads ${options.workloads.join(', ')}; backends ${options.backends.join(', ')}; c=${options.concurrency.join(',')}; ${options.rounds} rounds of ${options.durationMs} ms`)
  const result = await runBenchmarks(options, command)
  const files = writeReports(result, out)
  log(`wrote ${files.map((f) => relative(process.cwd(), f)).join(', ')} (${result.elapsedSeconds} s)`)
  for (const t of result.targets) log(`target ${t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISSED'}: ${t.target}, ${t.workload} ${t.backend} c=${t.concurrency}: ${t.measured ?? '–'} (needs ${t.required})`)
  const errors = [...result.rows, ...result.scale].filter((r) => r.error)
  if (errors.length) {
    log(`${errors.length} row(s) failed: ${errors.map((r) => `${r.backend} ${r.workload} ${r.impl} c=${r.concurrency}`).join('; ')}`)
    process.exitCode = 1
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`)
    process.exit(1)
  },
)
