// The layout rules of src/ (README, "Development"), checked on the import statements themselves: no import
// cycles between files or between folders; the schema reader depends on nothing but the error module; the
// front end (src/adapter) knows no backend.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src')

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  )
}

/** file (relative to src) → the src files it imports (type-only imports too: they are dependencies of the design) */
const graph = new Map<string, string[]>()
for (const file of filesUnder(SRC)) {
  const text = readFileSync(file, 'utf8')
  const targets = [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)].map((m) =>
    relative(SRC, resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts'))),
  )
  graph.set(relative(SRC, file), [...new Set(targets)])
}

/** A folder of src (top-level files are their own unit) */
const unitOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : file)

function cycles(edges: Map<string, string[]>): string[][] {
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (n: string) => {
    state.set(n, 'open')
    stack.push(n)
    for (const m of edges.get(n) ?? []) {
      if (state.get(m) === 'open') found.push([...stack.slice(stack.indexOf(m)), m])
      else if (!state.has(m)) visit(m)
    }
    stack.pop()
    state.set(n, 'done')
  }
  for (const n of edges.keys()) if (!state.has(n)) visit(n)
  return found
}

describe('src layout', () => {
  it('reads every source file', () => {
    expect(graph.size).toBeGreaterThan(30)
    expect(graph.get('create-db.ts')).toContain('cql/scylla-backend.ts')
  })

  it('has no import cycle between files', () => {
    expect(cycles(graph)).toEqual([])
  })

  it('has no import cycle between folders', () => {
    const folders = new Map<string, string[]>()
    for (const [file, targets] of graph) {
      const from = unitOf(file)
      const list = folders.get(from) ?? []
      for (const t of targets) if (unitOf(t) !== from && !list.includes(unitOf(t))) list.push(unitOf(t))
      folders.set(from, list)
    }
    expect(cycles(folders)).toEqual([])
  })

  it('src/schema depends on nothing else in src but the error module', () => {
    const outside = [...graph]
      .filter(([f]) => f.startsWith('schema/'))
      .flatMap(([f, ts]) => ts.filter((t) => !t.startsWith('schema/') && t !== 'errors.ts').map((t) => `${f} → ${t}`))
    expect(outside).toEqual([])
  })

  it('the front end (src/adapter) knows no backend and no credits', () => {
    const wrong = [...graph]
      .filter(([f]) => f.startsWith('adapter/'))
      .flatMap(([f, ts]) => ts.filter((t) => /^(postgres|cql|credits)\//.test(t)).map((t) => `${f} → ${t}`))
    expect(wrong).toEqual([])
  })

  it('the two backends do not import each other', () => {
    const wrong = [...graph].flatMap(([f, ts]) =>
      ts
        .filter(
          (t) =>
            (f.startsWith('postgres/') && t.startsWith('cql/')) || (f.startsWith('cql/') && t.startsWith('postgres/')),
        )
        .map((t) => `${f} → ${t}`),
    )
    expect(wrong).toEqual([])
  })

  it('data movement (src/move) knows no backend: it works on RowStores', () => {
    const wrong = [...graph]
      .filter(([f]) => f.startsWith('move/'))
      .flatMap(([f, ts]) =>
        ts.filter((t) => /^(postgres|cql)\//.test(t) || t === 'create-db.ts').map((t) => `${f} → ${t}`),
      )
    expect(graph.has('move/migrate.ts')).toBe(true)
    expect(wrong).toEqual([])
  })
})
