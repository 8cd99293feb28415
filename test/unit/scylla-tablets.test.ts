// The keyspace statement `$push` runs, per server identity and `scylla.tablets` (pure: no server). The ScyllaDB
// rows are from ScyllaDB's documentation, not from a ScyllaDB server (the local test server is Cassandra 5).
import { describe, expect, it } from 'vitest'
import { keyspaceDdl, scyllaTabletSupport, type ServerIdentity } from '../../src/cql/scylla-tablets.js'
import { TandemError } from '../../src/errors.js'

const REPL = { class: 'NetworkTopologyStrategy', datacenter1: 3 }
const BASE = `CREATE KEYSPACE IF NOT EXISTS "shop" WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3}`
const OFF = `${BASE} AND tablets = {'enabled': false}`
const ON = `${BASE} AND tablets = {'enabled': true}`

const cassandra: ServerIdentity = { product: 'cassandra', version: '5.0.8' }
const scylla = (version: string): ServerIdentity => ({ product: 'scylla', version })
const auto = (server: ServerIdentity) => keyspaceDdl('shop', REPL, 'auto', server)

describe("tablets 'auto' per server version", () => {
  it('Cassandra 5.0.8: no tablets clause (Cassandra rejects it)', () => {
    expect(auto(cassandra)).toEqual({ cql: BASE })
  })

  it('ScyllaDB 5.4 and 2024.1 (tablets experimental, off by default): nothing added', () => {
    expect(auto(scylla('5.4.9-0.20240703.7b8bd5ef1b9d'))).toEqual({ cql: BASE })
    expect(auto(scylla('2024.1.12-0.20241105.7c1b2f4b2b37'))).toEqual({ cql: BASE })
  })

  it('ScyllaDB 6.x, 2024.2, 2025.1 and 2025.3 (tablets by default, no LWT on them): tablets disabled, with a note', () => {
    for (const v of [
      '6.0.4-0.20240826.1a2b3c',
      '6.2.3-0.20250119.bff9ddde1283',
      '2024.2.0',
      '2025.1.0-0.20250325.abc',
      '2025.3.4',
    ]) {
      const out = auto(scylla(v))
      expect(out.cql).toBe(OFF)
      expect(out.note).toContain(`ScyllaDB ${v}: keyspace shop created with tablets disabled`)
    }
  })

  it('ScyllaDB 2025.4 (first with LWT on tablets) and newer: the server default is kept', () => {
    for (const v of ['2025.4.0-0.20251120.abcdef', '2026.1.2']) {
      const out = auto(scylla(v))
      expect(out.cql).toBe(BASE)
      expect(out.note).toBe(`ScyllaDB ${v} supports LWT on tablets: server default kept`)
    }
  })

  it('ScyllaDB with an unreadable version: tablets disabled (the safe side for LWT), and says why', () => {
    const out = auto(scylla('dev'))
    expect(out.cql).toBe(OFF)
    expect(out.note).toContain('its version could not be read')
  })

  it('classifies versions', () => {
    expect(scyllaTabletSupport('5.4.0')).toBe('none')
    expect(scyllaTabletSupport('2024.1.0')).toBe('none')
    expect(scyllaTabletSupport('6.0.0')).toBe('without-lwt')
    expect(scyllaTabletSupport('2025.3.9')).toBe('without-lwt')
    expect(scyllaTabletSupport('2025.4.0')).toBe('with-lwt')
    expect(scyllaTabletSupport('x')).toBeUndefined()
  })
})

describe('tablets forced', () => {
  it('true/false add the clause on any ScyllaDB version', () => {
    expect(keyspaceDdl('shop', REPL, false, scylla('2026.1.0')).cql).toBe(OFF)
    expect(keyspaceDdl('shop', REPL, true, scylla('2025.1.0')).cql).toBe(ON)
  })

  it('Cassandra: false adds nothing, true is refused with VALIDATION', () => {
    expect(keyspaceDdl('shop', REPL, false, cassandra)).toEqual({ cql: BASE })
    let err: unknown
    try {
      keyspaceDdl('shop', REPL, true, cassandra)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(TandemError)
    expect((err as TandemError).code).toBe('VALIDATION')
    expect((err as TandemError).message).toContain('Apache Cassandra 5.0.8, which has no tablets')
  })
})

describe('$ddl() (no server known)', () => {
  it('shows the Cassandra form with a comment saying what $push decides', () => {
    const out = keyspaceDdl('shop', REPL, 'auto', undefined)
    expect(out.cql).toBe(
      `${BASE} /* tablets 'auto': $push reads the server version; ScyllaDB 6.0-2025.3 gets AND tablets = {'enabled': false} (no LWT on tablets), newer ScyllaDB and Cassandra nothing */`,
    )
    expect(keyspaceDdl('shop', REPL, true, undefined).cql).toBe(
      `${BASE} /* tablets true: $push adds AND tablets = {'enabled': true} on ScyllaDB, and refuses Cassandra (no tablets) */`,
    )
  })
})
