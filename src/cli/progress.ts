import cliProgress from 'cli-progress'

/**
 * Progress of a long command, per model (migrate, sync, push's lookup fill). `total` may be unknown
 * (then rows and rows/s are shown without a bar's end or ETA).
 * @example const p = createProgress(); p.start('user', 5000); p.update('user', 1200); p.finish('user'); p.stop()
 */
export interface Progress {
  /** a model's work begins; `total` rows expected, if known */
  start(model: string, total?: number): void
  /** `done` rows so far (absolute, not an increment) */
  update(model: string, done: number): void
  /** the model's work is done: its final count is shown */
  finish(model: string): void
  /** the run is over: the bars are closed, the last line printed, timers stopped */
  stop(): void
}

export interface ProgressOptions {
  /** where progress goes; default stderr, so stdout keeps only the command's result */
  stream?: NodeJS.WriteStream
  /** bars on a terminal, lines otherwise; default: whether `stream` is a TTY */
  tty?: boolean
  /** how often a plain line is printed when not on a terminal; default 5000 ms */
  intervalMs?: number
  /** clock (tests) */
  now?: () => number
}

interface ModelState {
  total: number | undefined
  done: number
  started: number
  finished: number | undefined
  bar: cliProgress.SingleBar | undefined
}

const rate = (s: ModelState, now: number) => {
  const seconds = ((s.finished ?? now) - s.started) / 1000
  return seconds > 0 ? s.done / seconds : 0
}

function seconds(s: number): string {
  if (!Number.isFinite(s)) return '?'
  if (s < 60) return `${Math.round(s)}s`
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`
}

/** `user 1200/5000 rows, 340 rows/s, ETA 11s` (or `user 5000 rows in 12s (406 rows/s), done`) */
function describe(model: string, s: ModelState, now: number): string {
  const r = rate(s, now)
  const rows = s.total === undefined ? `${s.done}` : `${s.done}/${s.total}`
  if (s.finished !== undefined)
    return `${model} ${rows} rows in ${seconds((s.finished - s.started) / 1000)} (${Math.round(r)} rows/s), done`
  const eta = s.total !== undefined && r > 0 ? `, ETA ${seconds((s.total - s.done) / r)}` : ''
  return `${model} ${rows} rows, ${Math.round(r)} rows/s${eta}`
}

/**
 * The progress reporter: on a terminal a cli-progress bar per model (rows, rows/s, ETA); otherwise one plain
 * line every `intervalMs` with every model still running, one line per finished model, and nothing when idle.
 */
export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr
  const tty = options.tty ?? stream.isTTY === true
  const now = options.now ?? Date.now
  const models = new Map<string, ModelState>()
  const width = () => Math.max(8, ...[...models.keys()].map((m) => m.length))

  let bars: cliProgress.MultiBar | undefined
  let timer: NodeJS.Timeout | undefined
  let changed = false

  const line = (text: string) => stream.write(`${text}\n`)
  const printRunning = () => {
    if (!changed) return
    changed = false
    const running = [...models].filter(([, s]) => s.finished === undefined)
    if (running.length) line(`progress: ${running.map(([m, s]) => describe(m, s, now())).join('; ')}`)
  }

  if (tty)
    bars = new cliProgress.MultiBar(
      {
        stream,
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        format: (opts, params, payload: { model: string }) => {
          const s = models.get(payload.model)
          if (!s) return ''
          const name = payload.model.padEnd(width())
          const r = Math.round(rate(s, now()))
          if (s.total === undefined) return `${name} ${s.done} rows | ${r} rows/s`
          const size = opts.barsize ?? 30
          const filled = Math.round(Math.min(1, params.progress) * size)
          const bar = '█'.repeat(filled) + '░'.repeat(size - filled)
          const eta = s.finished !== undefined ? 'done' : r > 0 ? `ETA ${seconds((s.total - s.done) / r)}` : 'ETA ?'
          return `${name} ${bar} ${s.done}/${s.total} rows | ${r} rows/s | ${eta}`
        },
      },
      cliProgress.Presets.shades_classic,
    )
  else {
    timer = setInterval(printRunning, options.intervalMs ?? 5000)
    timer.unref()
  }

  const stateOf = (model: string): ModelState => {
    const s = models.get(model)
    if (s) return s
    // update() before start(): start it now rather than lose the count
    progress.start(model)
    return models.get(model)!
  }

  const progress: Progress = {
    start(model, total) {
      const s: ModelState = { total, done: 0, started: now(), finished: undefined, bar: undefined }
      models.set(model, s)
      if (bars) s.bar = bars.create(total ?? 0, 0, { model })
      else changed = true
    },
    update(model, done) {
      const s = stateOf(model)
      s.done = done
      if (s.bar) s.bar.update(done, { model })
      else changed = true
    },
    finish(model) {
      const s = stateOf(model)
      s.finished = now()
      if (s.total === undefined || s.total < s.done) s.total = s.done
      if (s.bar) {
        s.bar.setTotal(s.total)
        s.bar.update(s.done, { model })
      } else line(describe(model, s, now()))
    },
    stop() {
      if (timer) clearInterval(timer)
      timer = undefined
      if (bars) bars.stop()
      else printRunning()
      bars = undefined
    },
  }
  return progress
}
