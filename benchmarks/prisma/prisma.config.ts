// Prisma CLI config for the benchmark client (used only by generate.mjs). Generation needs no database.
import { defineConfig } from 'prisma/config'

export default defineConfig({
  schema: './schema.prisma',
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost/tandem_bench' },
})
