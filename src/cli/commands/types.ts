import { writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { readSchema } from '../../schema/read-schema.js'
import { typesDeclaration } from '../../schema/types-declaration.js'
import { contextOf, type RegisterCommand } from '../cli-context.js'

interface TypesFlags {
  out?: string
  module: string
}

/**
 * `tandem types [--out FILE]`: writes the TandemSchemaTypes declaration of the config's schema (unique keys
 * and relation key fields, which Drizzle's table types do not carry) for tandem's model types.
 */
export const registerTypes: RegisterCommand = (program: Command) => {
  program
    .command('types')
    .description(
      "write the declaration of the schema's unique keys and relation keys that tandem's model types read (findUnique wheres, compound keys, nested create data); run it again after a schema change",
    )
    .option('-o, --out <file>', 'file to write (default: stdout), e.g. src/db/tandem-types.d.ts')
    .option('--module <name>', 'module the declaration augments', 'tandem-orm')
    .action(async (flags: TypesFlags, command: Command) => {
      const { config } = await contextOf(command).config()
      const text = typesDeclaration(readSchema(config.schema), flags.module)
      if (flags.out) writeFileSync(flags.out, text)
      else process.stdout.write(text)
    })
}
