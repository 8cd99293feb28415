// Prisma CLI config for the oracle (used only by generate.mjs). Generation needs no database; the datasource
// URL is here only so other CLI commands could be pointed at the test database by hand.
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: './schema.prisma',
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/tandem_test' },
})
