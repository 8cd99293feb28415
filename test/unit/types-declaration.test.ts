import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { readSchema } from '../../src/schema/read-schema.js'
import { typesDeclaration } from '../../src/schema/types-declaration.js'
import * as schema from '../support/schema.js'

describe('typesDeclaration (`tandem types`)', () => {
  const text = typesDeclaration(readSchema(schema), '../../src/adapter/schema-types.js')

  it('declares the unique keys readSchema finds, compound keys included, and relation key fields', () => {
    expect(text).toContain(`member: {\n      unique: ['id'] | ['profileId', 'serverId']`)
    expect(text).toContain(`setting: {\n      unique: ['scope', 'key']`)
    expect(text).toContain(`unique: ['id'] | ['userId']`)
    expect(text).toContain(`owns: {\n        profile: ['profileId']\n        server: ['serverId']\n      }`)
    expect(text).toContain(`fills: {\n        servers: ['profileId']\n        members: ['profileId']\n      }`)
    expect(typesDeclaration(readSchema(schema))).toContain(`declare module 'tandem-orm' {`)
  })

  it('is the declaration the type tests use (test/types/tandem-types.generated.ts is up to date)', () => {
    const committed = readFileSync(new URL('../types/tandem-types.generated.ts', import.meta.url), 'utf8')
    expect(committed).toBe(text)
  })
})
