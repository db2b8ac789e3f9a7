/** Why the database refuses the service for good, until somebody changes a setting. */
export type MisconfigurationReason =
  'startup_parameter' | 'authentication' | 'database_missing' | 'tls' | 'tls_off' | 'tls_ca' | 'tls_host';

/** For each reason, what to change: for the operator's log (never sent to callers). */
export type MisconfigurationHints = Readonly<Record<MisconfigurationReason, string>>;

/**
 * The layer's own wording names no setting of any service ("the connection URL"); a service passes
 * its own (`hints` in the Database options) to name the variable its operators set.
 */
export const DEFAULT_HINTS: MisconfigurationHints = {
  startup_parameter:
    'the server or a pooler in front of it (PgBouncer) refused the connection startup: if it names a startup parameter, ' +
    "remove that parameter from the connection URL or add it to the pooler's ignore_startup_parameters",
  authentication: 'authentication failed: check the user and password in the connection URL and pg_hba.conf',
  database_missing: 'the database in the connection URL does not exist: create it or fix the name',
  tls: 'the TLS handshake with the database failed: check sslmode and the certificates of the connection URL',
  tls_off:
    'the database server does not accept TLS, but sslmode asks for it: turn ssl on in the server, or set sslmode=disable (only on a network you trust)',
  tls_ca: "the database's certificate is not signed by a CA this service trusts: give that CA (sslrootcert= in the connection URL)",
  tls_host:
    "the database's certificate does not name the host in the connection URL: connect by a name the certificate holds, or use sslmode=verify-ca (CA only)",
};
