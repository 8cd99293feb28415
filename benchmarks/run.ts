// `npm run bench [-- flags]`: the benchmark harness CLI. Progress goes to stderr; results to benchmarks/results/.
import { relative } from 'node:path'
import { ensureBuilt } from './build.js'
import { parseArgs } from './cli-options.js'

const t0 = performance.now()
const log = (line: string) =>
  process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`)

async function main(): Promise<void> {
  const { options, out } = parseArgs(process.argv.slice(2), log)
  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`
  log(
    `${options.quick ? 'quick run' : 'full run'}: workloads ${options.workloads.join(', ')}; backends ${options.backends.join(', ')}; c=${options.concurrency.join(',')}; ${options.rounds} rounds of ${options.durationMs} ms`,
  )
  ensureBuilt(log)
  // loaded after the build: they import tandem's dist/
  const { runBenchmarks } = await import('./suite.js')
  const { writeReports } = await import('./report.js')
  const result = await runBenchmarks(options, command)
  const files = writeReports(result, out)
  log(`wrote ${files.map((f) => relative(process.cwd(), f)).join(', ')} (${result.elapsedSeconds} s)`)
  for (const t of result.targets)
    log(
      `target ${t.met === null ? 'n/a ' : t.met ? 'met ' : 'MISSED'}: ${t.target}, ${t.workload} ${t.backend} c=${t.concurrency}: ${t.measured ?? '–'} (needs ${t.required})`,
    )
  const errors = [...result.rows, ...result.scale].filter((r) => r.error)
  if (errors.length) {
    log(
      `${errors.length} row(s) failed: ${errors.map((r) => `${r.backend} ${r.workload} ${r.impl} c=${r.concurrency}`).join('; ')}`,
    )
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
