// CPU profile of a benchmark run, with tandem's TypeScript lines: runs the harness in this process under the V8
// profiler (node:inspector), maps every frame through the source maps tsx registers, prints where the time goes
// (self and inclusive, by function with file:line, and by file) and writes the mapped .cpuprofile (DevTools opens it).
//
//   node --enable-source-maps --import tsx benchmarks/tools/profile.ts [bench flags] [--profile-out=DIR] [--top=N]
//   e.g. --workloads=find-unique-pk --backends=postgres --impls=tandem --concurrency=32 --duration=2 --rounds=5 --scale=none --no-planning
import { writeFileSync, mkdirSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { findSourceMap } from 'node:module'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from '../cli-options.js'
import { ensureBuilt } from '../build.js'

interface CallFrame {
  functionName: string
  url: string
  lineNumber: number
  columnNumber: number
}
interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const argv = process.argv.slice(2)
const own = new Map(
  argv
    .filter((a) => a.startsWith('--profile-out=') || a.startsWith('--top='))
    .map((a) => a.slice(2).split('=') as [string, string]),
)
const log = (line: string) => process.stderr.write(`[profile] ${line}\n`)
const { options } = parseArgs(
  argv.filter((a) => !a.startsWith('--profile-out=') && !a.startsWith('--top=')),
  log,
)
const outDir = own.get('profile-out') ?? '/tmp/tandem-bench-profile'
const top = Number(own.get('top') ?? 30)
const root = fileURLToPath(new URL('../../', import.meta.url))

ensureBuilt(log)
const { runBenchmarks } = await import('../suite.js')
const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 200 })
await session.post('Profiler.start')
const result = await runBenchmarks(options, 'profile')
const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile }
session.disconnect()

// map generated positions back to the TypeScript source (tsx registers inline source maps)
const shortPath = (p: string) =>
  p
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'nm:')
    .replace(root, '')
for (const n of profile.nodes) {
  const f = n.callFrame
  // tandem's and the harness's own TypeScript; packages keep their published JavaScript positions
  if (!f.url.startsWith('file://') || f.url.includes('/node_modules/')) continue
  const map = findSourceMap(fileURLToPath(f.url)) ?? findSourceMap(f.url)
  const entry = map?.findEntry(f.lineNumber, f.columnNumber) as
    { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined
  if (entry?.originalSource) {
    f.url = entry.originalSource.startsWith('/')
      ? `file://${entry.originalSource}`
      : new URL(entry.originalSource, f.url).href
    f.lineNumber = entry.originalLine ?? f.lineNumber
    f.columnNumber = entry.originalColumn ?? f.columnNumber
  }
}
mkdirSync(outDir, { recursive: true })
const file = join(outDir, `bench-${Date.now()}.cpuprofile`)
writeFileSync(file, JSON.stringify(profile))

const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const time = new Map<number, number>()
profile.samples.forEach((id, i) => time.set(id, (time.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const total = [...time.values()].reduce((a, b) => a + b, 0)
const key = (n: ProfileNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${shortPath(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`
const self = new Map<string, number>()
const incl = new Map<string, number>()
const byFile = new Map<string, number>()
for (const [id, t] of time) {
  const n = nodes.get(id)!
  self.set(key(n), (self.get(key(n)) ?? 0) + t)
  const f = shortPath(n.callFrame.url) || n.callFrame.functionName
  byFile.set(f, (byFile.get(f) ?? 0) + t)
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(nodes.get(cur)!)
    if (!seen.has(k)) incl.set(k, (incl.get(k) ?? 0) + t)
    seen.add(k)
  }
}
const show = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`)
  for (const [k, t] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((t / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
}
const ops = result.rows.map(
  (r) => `${r.backend} ${r.workload} ${r.impl} c=${r.concurrency}: ${Math.round(r.opsPerSec)} ops/s`,
)
console.log(`${(total / 1e6).toFixed(1)} s sampled; ${ops.join('; ')}`)
show('self time by function', self)
show('self time by file', byFile)
show('inclusive time by function', incl)
log(`wrote ${relative(process.cwd(), file)}`)
process.exit(0)
