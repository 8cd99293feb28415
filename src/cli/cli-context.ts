import type { Command } from 'commander'
import { loadConfig, type LoadedConfig } from './config-loader.js'

/**
 * Adds one command (its subcommands, options, help and action) to the program. Each file of
 * src/cli/commands exports one; src/cli/commands/index.ts lists them.
 * @example export const registerPush: RegisterCommand = (program) => { program.command('push')… }
 */
export type RegisterCommand = (program: Command) => void

/** What every command's action gets from the global options. */
export interface CliContext {
  /** `--config PATH` as given, if given */
  readonly configPath: string | undefined
  /** the config file and its schema, loaded once (throws CONFIG) */
  config(): Promise<LoadedConfig>
}

const contexts = new WeakMap<Command, CliContext>()

/**
 * The context of the running command: global options are read from the command and its parents.
 * @example .action(async (opts, command) => { const { config } = await contextOf(command).config() })
 */
export function contextOf(command: Command): CliContext {
  const known = contexts.get(command)
  if (known) return known
  const { config: configPath } = command.optsWithGlobals<{ config?: string }>()
  let loaded: Promise<LoadedConfig> | undefined
  const context: CliContext = {
    configPath,
    config: () => (loaded ??= loadConfig(configPath)),
  }
  contexts.set(command, context)
  return context
}
