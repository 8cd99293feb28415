// The CLI's progress reporter: plain lines when not on a terminal (a fake clock, no sleeping), bars on one.
import { Writable } from 'node:stream'
import { describe, expect, it, vi } from 'vitest'
import { createProgress } from '../../src/cli/progress.js'

function sink(tty: boolean) {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString()
      done()
    },
  }) as unknown as NodeJS.WriteStream
  Object.assign(stream, {
    isTTY: tty,
    columns: 120,
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
  })
  return { stream, text: () => text }
}

describe('createProgress', () => {
  it('prints one line per interval with rows, rows/s and ETA, and one per finished model, when not a TTY', () => {
    vi.useFakeTimers()
    try {
      let now = 0
      const out = sink(false)
      const p = createProgress({ stream: out.stream, intervalMs: 5000, now: () => now })
      p.start('user', 1000)
      p.start('post')
      now = 2000
      p.update('user', 200)
      p.update('post', 50)
      vi.advanceTimersByTime(5000)
      expect(out.text()).toBe('progress: user 200/1000 rows, 100 rows/s, ETA 8s; post 50 rows, 25 rows/s\n')
      // nothing new: no line
      vi.advanceTimersByTime(5000)
      expect(out.text().split('\n')).toHaveLength(2)
      now = 10_000
      p.update('user', 1000)
      p.finish('user')
      expect(out.text()).toContain('user 1000/1000 rows in 10s (100 rows/s), done\n')
      p.finish('post')
      p.stop()
      expect(out.text().trimEnd().split('\n').at(-1)).toBe('post 50/50 rows in 10s (5 rows/s), done')
    } finally {
      vi.useRealTimers()
    }
  })

  it('draws a bar per model on a TTY', () => {
    const out = sink(true)
    const p = createProgress({ stream: out.stream, now: () => 1000 })
    p.start('message', 10)
    p.update('message', 5)
    p.finish('message')
    p.stop()
    expect(out.text()).toMatch(/message .*█+░+ 5\/10 rows \| \d+ rows\/s/)
  })
})
