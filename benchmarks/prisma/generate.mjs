// Generates the Prisma 7 client the benchmark compares against (schema.prisma → ./generated, git-ignored),
// offline; see scripts/prisma-generate.mjs. Usage: node benchmarks/prisma/generate.mjs [--if-stale]
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { prismaGenerator } from '../../scripts/prisma-generate.mjs'

const generator = prismaGenerator(dirname(fileURLToPath(import.meta.url)), 'bench')
export const { generatedDir, isFresh, generate } = generator
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) generator.cli()
