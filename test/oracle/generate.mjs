// Generates the Prisma 7 client for the oracle (test/oracle/schema.prisma → test/oracle/generated/), offline;
// see scripts/prisma-generate.mjs. Usage: node test/oracle/generate.mjs [--if-stale]   (npm run oracle:generate)
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prismaGenerator } from '../../scripts/prisma-generate.mjs'

export const oracleDir = dirname(fileURLToPath(import.meta.url))
const generator = prismaGenerator(oracleDir, 'oracle')
export const { generatedDir, isFresh, generate } = generator
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) generator.cli()
