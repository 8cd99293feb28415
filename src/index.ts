export { createDb } from './create-db.js'
export type {
  CreateDbOptions,
  DbControls,
  DualDb,
  DualDbControls,
  Health,
  ScyllaCallOptions,
  ScyllaScope,
  SingleDb,
  TandemDb,
} from './create-db.js'
export type { DualOptions } from './dual/dual-options.js'
export type { DualControls, MismatchEvent, SwitchEvent } from './dual/dual-backend.js'
export type { DualStatus, InstanceRecord } from './dual/dual-control.js'
export { defineConfig } from './config.js'
export type { TandemConfig } from './config.js'
export { TandemError } from './errors.js'
export type { ErrorCode } from './errors.js'
export type { PushOptions, PushProgress, PushReport, SchemaChange, Statement } from './adapter/backend.js'
export type {
  ModelClient,
  WhereInput,
  FieldFilter,
  Selected,
  WhereUniqueInput,
  OrderByInput,
  CreateInput,
  UpdateInput,
  ModelTypes,
  JsonFilter,
  ListFilter,
  TandemSchemaTypes,
} from './adapter/types.js'
export { typesDeclaration } from './schema/types-declaration.js'
export type { TandemPromise } from './adapter/lazy-call.js'
export type { IsolationLevel } from './adapter/backend.js'
export type { TransactionOptions } from './adapter/transaction.js'
export type {
  BatchTransactionOptions,
  ClientScope,
  ComputedOf,
  ExtendedClient,
  Extension,
  HookArgs,
  QueryHook,
  QueryHookParams,
  ResultFieldDefinition,
  TransactionClient,
} from './adapter/extension-types.js'
export type { LayoutOptions, ModelLayout } from './schema/scylla-layout.js'
export type { ScyllaOptions } from './cql/scylla-backend.js'
export type { PemSource, ScyllaPolicies, ScyllaTlsOptions } from './cql/scylla-connection.js'
export type { PostgresOptions } from './postgres/postgres-backend.js'
export { readSchema } from './schema/read-schema.js'
export { withLayout } from './schema/scylla-layout.js'
export { Prisma, Sql, empty, join, raw, sql } from './raw/sql-template.js'
export type { RawMethods } from './raw/raw-client.js'
export type { RawRow } from './raw/raw-values.js'
export type { EventMethods } from './observe/client-events.js'
export type { LogDefinition, LogEvent, LogLevel, QueryEvent } from './observe/telemetry.js'
