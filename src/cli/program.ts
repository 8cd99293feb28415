import { readFileSync } from 'node:fs'
import { Command, CommanderError } from 'commander'
import { commands } from './commands/index.js'
import { EXIT, printError, usageError } from './cli-errors.js'

/** The package's version, read from its package.json (two levels up from src/cli and dist/cli alike). */
function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }
    return pkg.version ?? '0.0.0'
  } catch {
    return '0.0.0'
  }
}

/**
 * The `tandem` program with every command of commands/index.ts. Commander's own errors (unknown option,
 * missing argument, bad choice) are thrown, not printed, so runCli turns them into one coded line.
 */
export function createProgram(): Command {
  const program = new Command('tandem')
    .description('tandem-orm: push schemas, move rows between PostgreSQL and ScyllaDB, check call shapes')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option(
      '-c, --config <path>',
      'config file (default: tandem.config.ts, .mts, .js or .mjs in the current directory)',
    )
    .helpOption('-h, --help', 'show help for the command')
    .addHelpText(
      'after',
      '\nExit codes: 0 done, 1 differences or refusals found, 2 error (one line on stderr: tandem: <CODE>: <message>).',
    )
    .showSuggestionAfterError(true)
    // settings set here are copied to every command created after them (commander's inherited settings)
    .exitOverride()
    .configureOutput({ outputError: () => {} })
  for (const register of commands) register(program)
  return program
}

/**
 * Runs the CLI on `argv` (process.argv form) and resolves to the exit code: 0 done, 1 what the command
 * reports as found (an action sets process.exitCode = 1), 2 error.
 * @example process.exitCode = await runCli(process.argv)
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const program = createProgram()
  try {
    await program.parseAsync([...argv])
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0
      if (e.exitCode === 0) return EXIT.ok
      // a command group without its subcommand: commander printed the group's help on stderr
      if (e.code === 'commander.help') return printError(usageError('missing command: pick one of those listed above'))
      return printError(usageError(e.message.replace(/^error:\s*/, '')))
    }
    return printError(e)
  }
}
