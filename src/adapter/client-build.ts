import type { SchemaInfo } from '../schema/model.js'
import type { Backend } from './backend.js'
import {
  addClientMethods,
  checkExtension,
  extendedModel,
  type ClientExtension,
  type ModelCalls,
} from './client-extensions.js'
import type { ModelDelegate } from './model-delegate.js'
import { nestedTransactionRefused, transactionOf } from './transaction.js'

/** What createDb hands the client builder: how to make delegates, and what a client has besides its models. */
export interface ClientParts {
  readonly schema: SchemaInfo
  /** the model delegates over a backend (the client's, or a transaction's) */
  delegatesOn(backend: Backend): ReadonlyMap<string, ModelDelegate>
  /** a client's other members (`$push`, `$backend`, …), copied onto each client built */
  readonly controls: object
  /** a transaction client's other members (what the Backend offers inside a transaction) */
  txControls(tx: Backend): object
  /** called with each client built outside a transaction (so backendOf knows it) */
  register(client: object): void
}

/**
 * A client over `backend`: its model clients (through the extensions' hooks and result fields, if any),
 * `$transaction` (refused inside a transaction: no nesting), `$extends` and the extensions' client methods.
 * `target`, when given, is the object made into the client (createDb's own, so its identity stays).
 */
export function buildClient(
  parts: ClientParts,
  backend: Backend,
  extensions: readonly ClientExtension[],
  inTx: boolean,
  target: Record<string, unknown> = {},
): Record<string, unknown> {
  const client = Object.assign(target, inTx ? parts.txControls(backend) : parts.controls)
  for (const [name, delegate] of parts.delegatesOn(backend))
    // the hooks call the delegate's methods by name with untyped arguments (validated at run time)
    client[name] =
      extensions.length === 0
        ? delegate
        : extendedModel(parts.schema, delegate.model, delegate as unknown as ModelCalls, backend, extensions)
  client.$transaction = inTx
    ? nestedTransactionRefused
    : transactionOf(backend, (tx) => buildClient(parts, tx, extensions, true))
  // as Prisma's transaction client, tx has no $extends (extend the client the transaction starts from)
  if (!inTx)
    client.$extends = (extension: unknown) =>
      buildClient(parts, backend, [...extensions, checkExtension(parts.schema, extension)], false)
  addClientMethods(client, extensions)
  if (!inTx) parts.register(client)
  return client
}
