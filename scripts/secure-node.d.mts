// Types for scripts/secure-node.mjs (the local Cassandra node with password authentication and client TLS).
export interface SecureEnv {
  /** 127.0.0.5:9042 */
  SCYLLA_HOSTS: string
  SCYLLA_DATACENTER: string
  /** the `tandem` role */
  SCYLLA_USERNAME: string
  /** random per machine, kept in .local/cassandra-secure/tandem.password */
  SCYLLA_PASSWORD: string
  /** absolute path of the generated CA certificate (PEM) */
  SCYLLA_TLS_CA: string
}
export const SECURE_HOST: string
export const SECURE_PORT: number
/** The generated files: ca, caKey, serverCert, serverKey, keystore, clientCert, clientKey. */
export const certificateFiles: Readonly<
  Record<'ca' | 'caKey' | 'serverCert' | 'serverKey' | 'keystore' | 'clientCert' | 'clientKey', string>
>
/** Starts (or reuses) the secured node and its `tandem` role; progress goes to stderr. */
export function upSecure(): Promise<SecureEnv>
/** Stops the secured node if it runs. Idempotent. */
export function downSecure(): Promise<void>
/** The lines `up --secure` prints for the secured node (no I/O but the password file). */
export function secureEnv(): SecureEnv
