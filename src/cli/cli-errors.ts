import { TandemError } from '../errors.js'

/** Exit codes of every `tandem` command (API.md, "Configuration file and CLI"). */
export const EXIT = {
  /** done (and verified where the command verifies) */
  ok: 0,
  /** differences or refusals found: the command ran, the answer is "no" */
  found: 1,
  /** an error: bad flags, a missing config, an unreachable database, … */
  error: 2,
} as const

/** One line, whatever the message held: a person reads it, a script greps it. */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim()
}

/** `tandem: <CODE>: <message>`: a TandemError's code, a Node error's code (ENOENT, …), else ERROR. */
export function errorLine(error: unknown): string {
  if (error instanceof TandemError) return `tandem: ${error.code}: ${oneLine(error.message)}`
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return `tandem: ${typeof code === 'string' && code ? code : 'ERROR'}: ${oneLine(error.message)}`
  }
  return `tandem: ERROR: ${oneLine(String(error))}`
}

/**
 * Prints the error as one coded line on stderr and returns the exit code for it (2).
 * @example process.exitCode = printError(new TandemError('CONFIG', 'no tandem.config.ts in /app'))
 */
export function printError(error: unknown, write: (line: string) => void = (l) => process.stderr.write(l)): number {
  write(`${errorLine(error)}\n`)
  if (process.env.TANDEM_DEBUG && error instanceof Error && error.stack) write(`${error.stack}\n`)
  return EXIT.error
}

/** A usage error (bad flag, bad value): VALIDATION, exit 2. */
export function usageError(message: string): TandemError {
  return new TandemError('VALIDATION', message)
}
