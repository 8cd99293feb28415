// The part of express-cassandra's API the benchmark uses (the package ships no types and there is no @types
// package). Every orm function has a bluebird-promisified `…Async` twin; only those are declared.
declare module 'express-cassandra' {
  import type { ClientOptions, types } from 'cassandra-driver'

  namespace ExpressCassandra {
    interface OrmOptions {
      /** false: never create the keyspace (an error if it is missing) */
      createKeyspace?: boolean
      /** false: never create a table (syncDB errors if it is missing) */
      createTable?: boolean
      /** 'safe': a model that differs from its table is an error, never an ALTER or DROP */
      migration?: 'safe' | 'alter' | 'drop'
    }
    interface ModelSchema {
      table_name?: string
      fields: Record<string, string>
      /** partition key (an array when composite) first, then the clustering columns */
      key: (string | string[])[]
      clustering_order?: Record<string, 'asc' | 'desc'>
    }
    interface FindOptions {
      /** plain row objects instead of model instances */
      raw?: boolean
    }
    type Instance<T> = T & { saveAsync(options?: { if_not_exist?: boolean; ttl?: number }): Promise<unknown> }
    interface Model<T> {
      new (values: T): Instance<T>
      findOneAsync(query: Record<string, unknown>, options?: FindOptions): Promise<Instance<T> | undefined>
      findAsync(query: Record<string, unknown>, options?: FindOptions): Promise<Instance<T>[]>
      /** compares the model with its table (and, unless migration is 'safe', creates or alters it); true if it changed anything */
      syncDBAsync(): Promise<boolean>
    }
    interface Client {
      initAsync(): Promise<unknown>
      loadSchema<T>(name: string, schema: ModelSchema): Model<T>
      closeAsync(): Promise<void>
    }
  }

  const ExpressCassandra: {
    createClient(options: {
      clientOptions: ClientOptions
      ormOptions?: ExpressCassandra.OrmOptions
    }): ExpressCassandra.Client
    uuid(): types.Uuid
    uuidFromString(s: string): types.Uuid
  }
  export = ExpressCassandra
}
