// The runner: closed-loop workers (concurrency = operations in flight), a warm-up, then rounds interleaved
// round-robin over the implementations, every operation timed into an HDR histogram.
//
// Reported per implementation: the round with the highest throughput (best of N): its ops, ops/s and latency
// percentiles. Interference on a shared 2-core machine only ever slows a round down, so the best round is the
// least disturbed one; every round's ops/s is kept in the JSON (`roundsOpsPerSec`).
import hdr from 'hdr-histogram-js'
import type { Impl, OpContext, ResultRow } from './types.js'

type Histogram = ReturnType<typeof hdr.build>

/** Latencies in nanoseconds, 3 significant digits, 1 ns to 10 min. */
export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: false,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 600e9,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  })
}

/** nanoseconds → milliseconds, kept to the nanosecond (a cache hit takes well under a microsecond) */
const nsToMs = (ns: number) => Math.round(ns) / 1e6

let seqCounter = 0
/** xorshift32: a cheap per-worker random source (the keys read are uniform over the seeded rows). */
export function context(worker: number, seed: number): OpContext {
  let s = (seed * 2654435761 + worker * 40503 + 1) >>> 0 || 1
  return {
    worker,
    rand: (n: number) => {
      s ^= s << 13
      s >>>= 0
      s ^= s >>> 17
      s ^= s << 5
      s >>>= 0
      return s % n
    },
    seq: () => ++seqCounter,
  }
}

export interface RoundLimits {
  durationMs: number
  maxOps: number | undefined
}

export interface RoundResult {
  ops: number
  elapsedMs: number
  opsPerSec: number
  hist: Histogram
}

/** One round of one implementation: `concurrency` workers, each awaiting its operation in a loop. */
export async function runRound(
  impl: Impl,
  concurrency: number,
  limits: RoundLimits,
  seed: number,
): Promise<RoundResult> {
  const hist = newHistogram()
  let ops = 0
  let issued = 0
  const start = performance.now()
  const deadline = start + limits.durationMs
  const maxOps = limits.maxOps ?? Infinity
  const worker = async (w: number) => {
    const ctx = context(w, seed)
    let t0 = performance.now()
    while (t0 < deadline && issued < maxOps) {
      issued++
      await impl.op(ctx)
      const t1 = performance.now()
      hist.recordValue(Math.max(1, Math.round((t1 - t0) * 1e6)))
      ops++
      t0 = t1
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)))
  const elapsedMs = performance.now() - start
  return { ops, elapsedMs, opsPerSec: elapsedMs > 0 ? (ops * 1000) / elapsedMs : 0, hist }
}

export interface MeasureOptions {
  workload: string
  concurrency: number
  rounds: number
  durationMs: number
  maxOps: number | undefined
  warmupMs: number
  warmupOps: number | undefined
  /** warm-up of each fresh implementation before its round */
  roundWarmupMs: number
  log: (line: string) => void
  /** extra fields for every row (the scale series adds `messages`) */
  extra?: Partial<ResultRow>
  /**
   * When given, every warm-up and every round runs on a fresh implementation (new clients, new pools) that this
   * returns, after a short warm-up of its own: rounds then do not inherit a pool's history (see suite.ts).
   */
  fresh?: (impl: Impl) => Promise<Impl>
}

export function skippedRow(
  workload: string,
  impl: Impl,
  concurrency: number,
  reason: string,
  error = false,
): ResultRow {
  return {
    workload,
    backend: impl.backend,
    impl: impl.impl,
    concurrency,
    ops: 0,
    opsPerSec: 0,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    skipped: reason,
    ...(error ? { error: true } : {}),
  }
}

const fmtRate = (n: number) =>
  n >= 10_000 ? `${(n / 1000).toFixed(0)}k` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0)

/**
 * Measures every implementation at one concurrency: warm-up each, then `rounds` rounds in which every
 * implementation runs once (the starting implementation rotates each round). An implementation that throws
 * is reported as an error row and left out of the remaining rounds; the others go on.
 */
export async function measureInterleaved(impls: readonly Impl[], o: MeasureOptions): Promise<ResultRow[]> {
  const rows = new Map<Impl, ResultRow>()
  const best = new Map<Impl, RoundResult>()
  const rounds = new Map<Impl, number[]>()
  const live: Impl[] = []
  const fail = (impl: Impl, e: unknown) => {
    const message = failureOf(e)
    o.log(`  ! ${impl.backend} ${impl.impl} ${o.workload} c=${o.concurrency} failed: ${message}`)
    rows.set(impl, {
      ...skippedRow(o.workload, impl, o.concurrency, `failed: ${message.slice(0, 300)}`, true),
      ...o.extra,
    })
  }
  const freshOf = async (impl: Impl) => (o.fresh ? o.fresh(impl) : impl)
  for (const impl of impls) {
    try {
      await runRound(await freshOf(impl), o.concurrency, { durationMs: o.warmupMs, maxOps: o.warmupOps }, 7)
      live.push(impl)
      rounds.set(impl, [])
    } catch (e) {
      fail(impl, e)
    }
  }
  for (let r = 0; r < o.rounds; r++) {
    const order = live.map((_, i) => live[(i + r) % live.length]!)
    const parts: string[] = []
    for (const impl of order) {
      if (rows.has(impl)) continue
      try {
        const run = await freshOf(impl)
        if (o.fresh) await runRound(run, o.concurrency, { durationMs: o.roundWarmupMs, maxOps: o.warmupOps }, 500 + r)
        const result = await runRound(run, o.concurrency, { durationMs: o.durationMs, maxOps: o.maxOps }, 1000 + r)
        rounds.get(impl)!.push(result.opsPerSec)
        const prev = best.get(impl)
        if (!prev || result.opsPerSec > prev.opsPerSec) best.set(impl, result)
        parts.push(`${impl.impl} ${fmtRate(result.opsPerSec)}`)
      } catch (e) {
        fail(impl, e)
      }
    }
    o.log(
      `  ${impls[0]?.backend ?? ''} ${o.workload} c=${o.concurrency} round ${r + 1}/${o.rounds}: ${parts.join(' · ')} ops/s`,
    )
  }
  return impls.map((impl) => {
    const failed = rows.get(impl)
    if (failed) return failed
    const b = best.get(impl)!
    return {
      workload: o.workload,
      backend: impl.backend,
      impl: impl.impl,
      concurrency: o.concurrency,
      ops: b.ops,
      opsPerSec: Math.round(b.opsPerSec * 10) / 10,
      p50Ms: nsToMs(b.hist.getValueAtPercentile(50)),
      p95Ms: nsToMs(b.hist.getValueAtPercentile(95)),
      p99Ms: nsToMs(b.hist.getValueAtPercentile(99)),
      roundsOpsPerSec: rounds.get(impl)!.map((x) => Math.round(x)),
      ...o.extra,
    }
  })
}

/** A failure in one line: its code and first message line, and its cause's (drizzle wraps the driver's error). */
function failureOf(e: unknown): string {
  const line = (x: unknown): string => {
    if (!(x instanceof Error)) return String(x)
    const code = (x as { code?: unknown }).code
    return `${code ? `${String(code)}: ` : ''}${x.message.split('\n')[0]}`
  }
  const cause = e instanceof Error ? e.cause : undefined
  return cause ? `${line(e)} (cause: ${line(cause)})` : line(e)
}

/** Runs each implementation's probe once; returns the reason to skip (or an error row) per implementation. */
export async function probeAll(impls: readonly Impl[]): Promise<Map<Impl, { reason: string; error: boolean }>> {
  const out = new Map<Impl, { reason: string; error: boolean }>()
  for (const impl of impls) {
    const ctx = context(0, 3)
    try {
      const reason = impl.probe ? await impl.probe(ctx) : undefined
      if (reason) out.set(impl, { reason, error: false })
      else await impl.op(ctx)
    } catch (e) {
      out.set(impl, { reason: `failed: ${failureOf(e).slice(0, 300)}`, error: true })
    }
  }
  return out
}

/** Times a synchronous-ish call many times: mean and percentiles per call, in microseconds. */
export async function microBench(
  fn: () => unknown,
  calls: number,
): Promise<{ calls: number; meanUs: number; p50Us: number; p99Us: number }> {
  const hist = newHistogram()
  const start = performance.now()
  let t0 = start
  for (let i = 0; i < calls; i++) {
    const r = fn()
    if (r && typeof (r as Promise<unknown>).then === 'function') await r
    const t1 = performance.now()
    hist.recordValue(Math.max(1, Math.round((t1 - t0) * 1e6)))
    t0 = t1
  }
  const total = performance.now() - start
  return {
    calls,
    meanUs: Math.round((total * 1000 * 100) / calls) / 100,
    p50Us: Math.round(hist.getValueAtPercentile(50) / 10) / 100,
    p99Us: Math.round(hist.getValueAtPercentile(99) / 10) / 100,
  }
}
