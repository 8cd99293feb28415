// Types for benchmarks/prisma/generate.mjs.
export const generatedDir: string
export function isFresh(): boolean
export function generate(options?: { ifStale?: boolean; quiet?: boolean }): boolean
