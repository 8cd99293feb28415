// The ScyllaDB peers a Cassandra user would otherwise pick, beside the raw driver: cassandra-driver's own Mapper
// (`cassandra.mapping.Mapper`) and express-cassandra. Everything peer-specific is here. Each gets its own client
// with the raw driver's options (clients.ts `cqlClientOptions`) and maps the tables tandem's `$push()` created and
// seed.ts filled (`profile`, `message` in the benchmark keyspace). Neither creates or alters anything:
// express-cassandra runs with createKeyspace and createTable off and migration 'safe', and its syncDB is only used to
// check, before the run, that the models below match the tables.
import cassandra from 'cassandra-driver'
import ExpressCassandra from 'express-cassandra'

type Uuid = cassandra.types.Uuid

/** A profile as the Mapper returns it (UnderscoreCqlToCamelCaseMappings); ids may be given as strings. */
export interface MapperProfile {
  id: Uuid | string
  userId: string
  name: string
  email: string | null
  createdAt: Date
  updatedAt: Date
}
export interface MapperMessage {
  channelId: Uuid | string
  createdAt: Date
  id: Uuid | string
  authorId: Uuid | string
  content: string
}

/** express-cassandra models are named by their CQL columns; uuids must be `Uuid`s (its validator). */
export interface EcProfile {
  id: Uuid
  user_id: string
  name: string
  email: string | null
  created_at: Date
  updated_at: Date
}
export interface EcMessage {
  channel_id: Uuid
  created_at: Date
  id: Uuid
  author_id: Uuid
  content: string
}

export interface ScyllaPeers {
  mapper: {
    profile: cassandra.mapping.ModelMapper<MapperProfile>
    message: cassandra.mapping.ModelMapper<MapperMessage>
  }
  expressCassandra: { Profile: ExpressCassandra.Model<EcProfile>; Message: ExpressCassandra.Model<EcMessage> }
  /** Connects both once the keyspace and tables exist, and checks express-cassandra's models against the tables. */
  connect(): Promise<void>
  close(): Promise<void>
}

/** Creates the peers' clients and models; nothing connects before `connect()`. */
export function openScyllaPeers(options: cassandra.ClientOptions, keyspace: string): ScyllaPeers {
  const clientOptions = { ...options, keyspace }

  const mapperClient = new cassandra.Client(clientOptions)
  const camel = new cassandra.mapping.UnderscoreCqlToCamelCaseMappings()
  const mapper = new cassandra.mapping.Mapper(mapperClient, {
    models: { Profile: { tables: ['profile'], mappings: camel }, Message: { tables: ['message'], mappings: camel } },
  })

  const ec = ExpressCassandra.createClient({
    clientOptions,
    ormOptions: { createKeyspace: false, createTable: false, migration: 'safe' },
  })
  const Profile = ec.loadSchema<EcProfile>('Profile', {
    table_name: 'profile',
    fields: {
      id: 'uuid',
      user_id: 'text',
      name: 'text',
      email: 'text',
      created_at: 'timestamp',
      updated_at: 'timestamp',
    },
    key: ['id'],
  })
  const Message = ec.loadSchema<EcMessage>('Message', {
    table_name: 'message',
    fields: { channel_id: 'uuid', created_at: 'timestamp', id: 'uuid', author_id: 'uuid', content: 'text' },
    key: [['channel_id'], 'created_at', 'id'],
    clustering_order: { created_at: 'desc', id: 'desc' },
  })

  return {
    mapper: { profile: mapper.forModel<MapperProfile>('Profile'), message: mapper.forModel<MapperMessage>('Message') },
    expressCassandra: { Profile, Message },
    async connect() {
      await mapperClient.connect()
      await ec.initAsync()
      // with migration 'safe' and createTable off, syncDB only compares: a model that differs from its table is an error
      for (const model of [Profile, Message]) await model.syncDBAsync()
    },
    async close() {
      await Promise.allSettled([mapperClient.shutdown(), ec.closeAsync()])
    },
  }
}
