// Makes sure dist/ (the built package the benchmark runs, see tandem.ts) is at least as new as src/: rebuilds it
// with `tsc -p tsconfig.build.json` (the package's own build) when a source file changed since the last build.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))

function newest(dir: string, ext: RegExp): number {
  let latest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) latest = Math.max(latest, newest(p, ext))
    else if (ext.test(entry.name)) latest = Math.max(latest, statSync(p).mtimeMs)
  }
  return latest
}

/** True when dist/ was built after the last change under src/. */
export function isBuilt(): boolean {
  const dist = join(root, 'dist')
  if (!existsSync(join(dist, 'index.js')) || !existsSync(join(dist, 'credits', 'index.js'))) return false
  return newest(join(root, 'src'), /\.ts$/) <= newest(dist, /\.js$/)
}

export function ensureBuilt(log: (line: string) => void): void {
  if (isBuilt()) return
  log('building tandem (src/ is newer than dist/): tsc -p tsconfig.build.json')
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
  })
  if (r.status !== 0)
    throw new Error(
      `building tandem failed (exit ${r.status ?? r.signal}); fix src/ or run npm run build:\n${r.stdout}${r.stderr}`,
    )
}
