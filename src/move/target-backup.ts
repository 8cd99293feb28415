import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { once } from 'node:events'
import type { Model } from '../schema/model.js'
import type { RowStore } from './row-store.js'
import { toJsonRow } from './json-rows.js'

/**
 * Writes every row of a model in `store` to `<dir>/<model>.jsonl`, one JSON object per line (Dates as ISO
 * text, bigints as decimal text: see json-rows.ts), page by page so memory stays bounded. Returns the file
 * and how many rows it holds.
 * @example await backupModel(target, schema.models.get('user')!, './backup') // { file: 'backup/user.jsonl', rows: 1200 }
 */
export async function backupModel(
  store: RowStore,
  model: Model,
  dir: string,
  pageSize = 1000,
  onProgress?: (rows: number) => void,
): Promise<{ file: string; rows: number }> {
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${model.name}.jsonl`)
  const out = createWriteStream(file, { encoding: 'utf8' })
  const failed = new Promise<never>((_, reject) => out.once('error', reject))
  failed.catch(() => undefined) // observed through the races below
  let rows = 0
  try {
    let cursor: string | undefined
    do {
      const page = await Promise.race([store.scan(model, cursor, pageSize), failed])
      let chunk = ''
      for (const row of page.rows) chunk += `${JSON.stringify(toJsonRow(model, row))}\n`
      rows += page.rows.length
      if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed])
      onProgress?.(rows)
      cursor = page.next
    } while (cursor)
  } finally {
    out.end()
  }
  await Promise.race([once(out, 'finish'), failed])
  return { file, rows }
}
