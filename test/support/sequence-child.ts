// A separate process for column-types.test.ts: creates `count` gadgets of `owner` one after another on the
// given backend (schema already pushed by the parent) and prints their ids as JSON on its last line.
// Run: node --import tsx test/support/sequence-child.ts <postgres|scylla> <owner> <count>
import { createDb } from '../../src/index.js'
import { gadget } from './schema.js'
import { testUrl } from './backends.js'

const [backend, owner, count] = process.argv.slice(2) as ['postgres' | 'scylla', string, string]
const db = createDb({
  schema: { gadget },
  backend,
  postgres: { url: testUrl() },
  // small blocks, so the processes' allocations interleave
  scylla: { keyspace: 'tandem_test', sequenceBlock: 3 },
})
const ids: number[] = []
try {
  for (let i = 0; i < Number(count); i++) ids.push((await db.gadget.create({ data: { owner } })).id)
} finally {
  await db.$disconnect()
}
process.stdout.write(`${JSON.stringify(ids)}\n`)
