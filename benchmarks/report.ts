// Writes a run's results: latest.json (everything), latest.md (tables) and latest.svg (a chart: per workload,
// horizontal bars of ops/s per implementation, one bar per concurrency; drawn by hand, no chart library).
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BenchResult, PlanningRow, ResultRow } from './types.js'
import { WORKLOADS } from './workloads/index.js'

const fmtInt = (n: number) => Math.round(n).toLocaleString('en-US')
const fmtMs = (n: number | null) =>
  n === null ? '–' : n < 0.01 ? n.toPrecision(2) : n < 0.1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1)
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const RAW: Record<string, string> = { postgres: 'postgres.js', scylla: 'cassandra-driver', memory: 'uncached' }

/** the workload's own ratio base for this row's implementation, if it has one */
const ownBase = (r: ResultRow) => WORKLOADS.find((w) => w.name === r.workload)?.ratioBase?.(r.backend, r.impl)

/**
 * An implementation's ops/s over the raw driver's on the same workload, backend and concurrency, or over the
 * workload's own base for it (`ratioBase`, named in the cell: tandem's drizzle() over plain drizzle, …).
 */
function vsRaw(rows: readonly ResultRow[], r: ResultRow): string {
  if (r.skipped) return ''
  const own = ownBase(r)
  const base = own ?? RAW[r.backend]
  const raw = rows.find(
    (x) =>
      x.workload === r.workload &&
      x.backend === r.backend &&
      x.concurrency === r.concurrency &&
      x.impl === base &&
      x.messages === r.messages,
  )
  if (!raw || raw.skipped || raw.opsPerSec === 0) return ''
  return `${(r.opsPerSec / raw.opsPerSec).toFixed(2)}×${own ? ` ${own}` : ''}`
}

function resultTable(rows: readonly ResultRow[], withMessages = false): string[] {
  const head = withMessages
    ? [
        '| messages | backend | impl | c | ops/s | p50 ms | p95 ms | p99 ms | vs raw |',
        '|---:|---|---|---:|---:|---:|---:|---:|---:|',
      ]
    : [
        '| workload | backend | impl | c | ops/s | p50 ms | p95 ms | p99 ms | vs raw |',
        '|---|---|---|---:|---:|---:|---:|---:|---:|',
      ]
  const lines = [...head]
  for (const r of rows) {
    const first = withMessages ? fmtInt(r.messages ?? 0) : r.workload
    const impl = r.impl === 'tandem' ? '**tandem**' : r.impl
    if (r.skipped)
      lines.push(
        `| ${first} | ${r.backend} | ${impl} | ${r.concurrency} | ${r.error ? 'error' : 'skipped'} | | | | ${esc(r.skipped).slice(0, 160)} |`,
      )
    else
      lines.push(
        `| ${first} | ${r.backend} | ${impl} | ${r.concurrency} | ${fmtInt(r.opsPerSec)} | ${fmtMs(r.p50Ms)} | ${fmtMs(r.p95Ms)} | ${fmtMs(r.p99Ms)} | ${vsRaw(rows, r)} |`,
      )
  }
  return lines
}

function planningTable(rows: readonly PlanningRow[]): string[] {
  const lines = ['| backend | call | mode | mean µs | p50 µs | p99 µs | calls |', '|---|---|---|---:|---:|---:|---:|']
  for (const r of rows)
    lines.push(
      `| ${r.backend} | ${r.call} | ${r.mode} | ${r.meanUs.toFixed(2)} | ${r.p50Us.toFixed(2)} | ${r.p99Us.toFixed(2)} | ${fmtInt(r.calls)} |`,
    )
  return lines
}

export function renderMarkdown(res: BenchResult): string {
  const m = res.machine
  const out: string[] = []
  out.push(`# tandem-orm benchmark${res.quick ? ' (quick run)' : ''}`, '')
  out.push(`Generated ${res.generatedAt} by \`${res.command}\` in ${Math.round(res.elapsedSeconds)} s.`, '')
  out.push(
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}; PostgreSQL ${m.postgres ?? '–'}; Cassandra ${m.cassandra ?? '–'} (the local ScyllaDB stand-in). ` +
      `Clients: drizzle-orm ${m.drizzle}, postgres.js ${m.postgresJs}, Prisma ${m.prisma} (@prisma/adapter-pg), cassandra-driver ${m.cassandraDriver} (its Mapper too), express-cassandra ${m.expressCassandra}. ` +
      `The databases run on the same machine as the client (loopback).`,
    '',
  )
  out.push(
    `Method: ${res.method.throughput}. Latency: ${res.method.latency}. Warm-up: ${res.method.warmup}. ` +
      `Each round runs ${res.method.maxOpsPerRound ? `${res.method.maxOpsPerRound} operations` : `${res.method.durationMsPerRound} ms`} per implementation; ` +
      `c = operations in flight (closed loop). Every PostgreSQL client has a pool of ${res.method.poolSize} connections. ` +
      `"vs raw" is the implementation's ops/s over the raw driver's (postgres.js, cassandra-driver; for the cache, the uncached read), or over the implementation the cell names (drizzle workloads: tandem's drizzle() over plain drizzle on PostgreSQL, over tandem's model API on ScyllaDB). ` +
      'Every PostgreSQL round runs on freshly opened clients (postgres.js 3.4.9 slows down with every query a pool has pipelined; see benchmarks/README.md). ' +
      'tandem runs from its built package (dist/). Reads are checked to return the same rows from every implementation before they are measured.',
    '',
  )
  out.push(
    `Data: ${fmtInt(res.seed.profiles)} profiles, ${fmtInt(res.seed.members)} members, ${fmtInt(res.seed.creditUsers)} credit accounts; ` +
      `messages in channels of equal size (${fmtInt(res.seed.messages)} messages in ${fmtInt(res.seed.channels)} channels at the end of the run). ` +
      `Seeding (raw drivers): ${Object.entries(res.seed.seconds)
        .map(([k, v]) => `${k} ${v} s`)
        .join(', ')}.`,
    '',
  )
  out.push('## Workloads', '')
  for (const w of WORKLOADS) out.push(`- \`${w.name}\` (${w.backends.join(', ')}): ${w.description}`)
  out.push('')
  out.push('## Results', '', ...resultTable(res.rows), '')
  if (res.targets.length) {
    out.push(
      '## Targets (issues 5, 9, 10, 13)',
      '',
      '| target | workload | backend | c | measured | required | met |',
      '|---|---|---|---:|---:|---:|---|',
    )
    for (const t of res.targets) {
      const measured = t.measured === null ? '–' : t.required >= 1000 ? fmtInt(t.measured) : `${t.measured.toFixed(2)}×`
      const required = t.required >= 1000 ? fmtInt(t.required) : `${t.required}×`
      out.push(
        `| ${t.target} | ${t.workload} | ${t.backend} | ${t.concurrency} | ${measured} | ${required} | ${t.met === null ? 'n/a' : t.met ? 'yes' : '**no**'} |`,
      )
    }
    out.push('')
  }
  if (res.scale.length) {
    out.push(
      '## Scale series: `find-many-page` as the data grows',
      '',
      'The same page read (50 newest messages of a random channel) with more messages (and channels) in the database.',
      '',
    )
    out.push(...resultTable(res.scale, true), '')
  }
  if (res.migrate?.length) {
    out.push(
      '## Migrate: PostgreSQL → Cassandra',
      '',
      "tandem's `migrate()` (what `tandem migrate --from postgres --to scylla` runs, no verification) beside a hand-written " +
        'cassandra-driver loader (benchmarks/migrate/hand-loader.ts: keyset pages, base row plus lookup entries per row, nothing ' +
        'checked or resumable), each a child process copying the chat tables into an emptied keyspace at the same concurrency; ' +
        "both must leave the same row count in every table. Runs alternate; peak RSS is the child process's.",
      '',
      '| data | implementation | run | c | rows | seconds | rows/s | peak RSS MiB |',
      '|---|---|---:|---:|---:|---:|---:|---:|',
      ...res.migrate.map(
        (r) =>
          `| ${r.label} | ${r.impl} | ${r.round} | ${r.concurrency} | ${fmtInt(r.rows)} | ${r.seconds} | ${fmtInt(r.rowsPerSec)} | ${r.peakRssMiB} |`,
      ),
      '',
    )
  }
  if (res.planning.length) {
    out.push(
      '## Planning overhead (no I/O)',
      '',
      "tandem's own CPU per call. `explain`: the public `explain()` (front end + plan, text only). `stubbed-io`: the real call with the driver " +
        'replaced by a stub that answers at once (front end, plan cache lookup, parameter binding, result shaping). `plan-miss`: the first call of ' +
        "a shape on a fresh client (the statement is compiled and cached). `plan-hit`: the backend's planning of an operation whose shape was " +
        'seen before (shape key, plan cache lookup, values bound into the compiled statements), without the front end or I/O.',
      '',
      ...planningTable(res.planning),
      '',
    )
  }
  return `${out.join('\n')}\n`
}

// ---- SVG ----------------------------------------------------------------------------------------

const COLORS: Record<string, [string, string]> = {
  postgres: ['#9ecae1', '#2171b5'],
  scylla: ['#c6b3e0', '#6a3d9a'],
  memory: ['#a1d99b', '#238b45'],
}

function niceMax(v: number): number {
  if (v <= 0) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p
  return 10 * p
}

const shortRate = (n: number) =>
  n >= 1e6
    ? `${(n / 1e6).toFixed(2)}M`
    : n >= 1e4
      ? `${(n / 1e3).toFixed(0)}k`
      : n >= 1e3
        ? `${(n / 1e3).toFixed(1)}k`
        : n.toFixed(0)

/** Grouped horizontal bars: a panel per workload, a group per backend × implementation, a bar per concurrency. */
export function renderSvg(res: BenchResult): string {
  const width = 960
  const labelW = 230
  const chartW = width - labelW - 200
  const barH = 11
  const gap = 5
  const parts: string[] = []
  let y = 0
  const text = (x: number, yy: number, s: string, attrs = '') =>
    parts.push(`<text x="${x}" y="${yy}" ${attrs}>${esc(s)}</text>`)
  const concurrencies = [...new Set(res.rows.map((r) => r.concurrency))].sort((a, b) => a - b)

  y += 28
  text(
    16,
    y,
    `tandem-orm benchmark: throughput (ops/s, higher is better)${res.quick ? ' (quick run)' : ''}`,
    'font-size="18" font-weight="bold"',
  )
  y += 18
  const m = res.machine
  text(
    16,
    y,
    `${m.cores} cores, ${m.memoryGiB} GiB · Node ${m.node} · PostgreSQL ${m.postgres ?? '–'} · Cassandra ${m.cassandra ?? '–'} · best of ${res.method.rounds} interleaved rounds · ${res.generatedAt.slice(0, 10)}`,
    'font-size="12" fill="#555"',
  )
  y += 16
  // legend
  let lx = 16
  for (const [backend, [light, dark]] of Object.entries(COLORS)) {
    if (!res.rows.some((r) => r.backend === backend)) continue
    concurrencies.forEach((c, i) => {
      parts.push(`<rect x="${lx}" y="${y}" width="12" height="12" fill="${i === 0 ? light : dark}"/>`)
      text(lx + 16, y + 10, `${backend} c=${c}`, 'font-size="12"')
      lx += 34 + `${backend} c=${c}`.length * 7.5
    })
  }
  y += 22

  const workloads = [...new Set(res.rows.map((r) => r.workload))]
  for (const w of workloads) {
    const rows = res.rows.filter((r) => r.workload === w)
    const max = niceMax(Math.max(...rows.map((r) => r.opsPerSec)))
    y += 14
    text(16, y, w, 'font-size="14" font-weight="bold"')
    text(width - 16, y, `scale 0 – ${shortRate(max)} ops/s`, 'font-size="11" fill="#777" text-anchor="end"')
    y += 6
    const groups = [...new Map(rows.map((r) => [`${r.backend}/${r.impl}`, r])).values()]
    for (const g of groups) {
      const members = rows
        .filter((r) => r.backend === g.backend && r.impl === g.impl)
        .sort((a, b) => a.concurrency - b.concurrency)
      const groupH = members.length * (barH + 1)
      const label = `${g.impl} · ${g.backend}`
      text(
        labelW - 8,
        y + groupH / 2 + 4,
        label,
        `font-size="12" text-anchor="end"${g.impl === 'tandem' ? ' font-weight="bold"' : ''}`,
      )
      members.forEach((r, i) => {
        const by = y + i * (barH + 1)
        const [light, dark] = COLORS[r.backend]!
        if (r.skipped) {
          text(
            labelW + 4,
            by + barH - 2,
            `c=${r.concurrency}: ${r.error ? 'error' : 'skipped'} (${r.skipped.replace(/^tandem: /, '').slice(0, 90)})`,
            'font-size="10" fill="#999"',
          )
          return
        }
        const wpx = Math.max(1, (r.opsPerSec / max) * chartW)
        parts.push(
          `<rect x="${labelW}" y="${by}" width="${wpx.toFixed(1)}" height="${barH}" fill="${i === 0 ? light : dark}"><title>${esc(`${w} ${r.backend} ${r.impl} c=${r.concurrency}: ${fmtInt(r.opsPerSec)} ops/s, p50 ${fmtMs(r.p50Ms)} ms, p99 ${fmtMs(r.p99Ms)} ms`)}</title></rect>`,
        )
        const own = ownBase(r)
        const ratio = r.impl === 'tandem' || own ? vsRaw(res.rows, r) : ''
        text(
          labelW + wpx + 4,
          by + barH - 2,
          `${shortRate(r.opsPerSec)}  c=${r.concurrency}${ratio ? `  (${ratio}${own ? '' : ` ${RAW[r.backend]}`})` : ''}`,
          'font-size="10" fill="#333"',
        )
      })
      y += groupH + gap
    }
    parts.push(`<line x1="${labelW}" y1="${y - gap + 2}" x2="${labelW + chartW}" y2="${y - gap + 2}" stroke="#ddd"/>`)
    y += 6
  }

  if (res.scale.length) {
    // latency panel: p50 of find-many-page per data size
    const rows = res.scale.filter((r) => !r.skipped)
    const max = niceMax(Math.max(...rows.map((r) => r.p50Ms ?? 0)))
    y += 18
    text(
      16,
      y,
      'scale: find-many-page p50 latency (ms, lower is better) as messages grow',
      'font-size="14" font-weight="bold"',
    )
    text(width - 16, y, `scale 0 – ${fmtMs(max)} ms`, 'font-size="11" fill="#777" text-anchor="end"')
    y += 6
    const groups = [...new Map(rows.map((r) => [`${r.backend}/${r.impl}/${r.concurrency}`, r])).values()]
    for (const g of groups) {
      const members = rows
        .filter((r) => r.backend === g.backend && r.impl === g.impl && r.concurrency === g.concurrency)
        .sort((a, b) => (a.messages ?? 0) - (b.messages ?? 0))
      const groupH = members.length * (barH + 1)
      text(
        labelW - 8,
        y + groupH / 2 + 4,
        `${g.impl} · ${g.backend} c=${g.concurrency}`,
        `font-size="12" text-anchor="end"${g.impl === 'tandem' ? ' font-weight="bold"' : ''}`,
      )
      members.forEach((r, i) => {
        const by = y + i * (barH + 1)
        const [light, dark] = COLORS[r.backend]!
        const wpx = Math.max(1, ((r.p50Ms ?? 0) / max) * chartW)
        parts.push(
          `<rect x="${labelW}" y="${by}" width="${wpx.toFixed(1)}" height="${barH}" fill="${g.concurrency === concurrencies[0] ? light : dark}" opacity="${0.55 + (0.45 * (i + 1)) / members.length}"/>`,
        )
        text(
          labelW + wpx + 4,
          by + barH - 2,
          `${fmtMs(r.p50Ms)} ms  @ ${shortRate(r.messages ?? 0)} msgs`,
          'font-size="10" fill="#333"',
        )
      })
      y += groupH + gap
    }
  }
  y += 20
  const height = Math.ceil(y)
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${parts.join('\n')}\n</svg>\n`
}

/** Writes latest.json, latest.md and latest.svg into `dir`; returns their paths. */
export function writeReports(res: BenchResult, dir: string, base = 'latest'): string[] {
  mkdirSync(dir, { recursive: true })
  const files = [join(dir, `${base}.json`), join(dir, `${base}.md`), join(dir, `${base}.svg`)]
  writeFileSync(files[0]!, `${JSON.stringify(res, null, 2)}\n`)
  writeFileSync(files[1]!, renderMarkdown(res))
  writeFileSync(files[2]!, renderSvg(res))
  return files
}
