#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time and inclusive time per function (file:line),
// and self time per file. Usage: node benchmarks/tools/summarize-cpuprofile.mjs FILE.cpuprofile [top=30] [filter]
// e.g. profile tandem alone on one workload:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx benchmarks/run.ts --workloads=find-unique-pk \
//     --backends=postgres --impls=tandem --concurrency=32 --duration=15 --rounds=1 --scale=none --no-planning --out=/tmp/prof
import { readFileSync } from 'node:fs'

const [file, topArg, filter] = process.argv.slice(2)
if (!file) {
  console.error('usage: summarize-cpuprofile.mjs FILE.cpuprofile [top] [path filter]')
  process.exit(2)
}
const top = Number(topArg ?? 30)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const nodes = new Map(profile.nodes.map((n) => [n.id, n]))
const dt = new Map()
for (let i = 0; i < profile.samples.length; i++)
  dt.set(profile.samples[i], (dt.get(profile.samples[i]) ?? 0) + (profile.timeDeltas[i] ?? 0))
const total = [...dt.values()].reduce((a, b) => a + b, 0)
const parent = new Map()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'nm:')
    .replace(/^.*\/work\/main\//, '')
const key = (n) =>
  `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`
const self = new Map()
const incl = new Map()
const perFile = new Map()
for (const [id, t] of dt) {
  const n = nodes.get(id)
  const k = key(n)
  self.set(k, (self.get(k) ?? 0) + t)
  const f = short(n.callFrame.url) || n.callFrame.functionName
  perFile.set(f, (perFile.get(f) ?? 0) + t)
  // inclusive: every distinct frame on the stack
  const seen = new Set()
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const kk = key(nodes.get(cur))
    if (seen.has(kk)) continue
    seen.add(kk)
    incl.set(kk, (incl.get(kk) ?? 0) + t)
  }
}
const pct = (t) => `${((t / total) * 100).toFixed(1).padStart(5)}%`
const show = (title, map) => {
  console.log(`\n${title}`)
  ;[...map]
    .filter(([k]) => !filter || k.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .forEach(([k, t]) => console.log(`${pct(t)}  ${k}`))
}
console.log(`total ${(total / 1e6).toFixed(1)} s sampled`)
show('self time by function', self)
show('self time by file', perFile)
show('inclusive time by function', incl)
