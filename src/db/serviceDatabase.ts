import { PrismaPg } from '@prisma/adapter-pg';
import { Database, DEFAULT_HINTS, type DatabaseOptions, type MisconfigurationHints } from '@pos-masterdata/resilient-prisma';
import { PrismaClient } from '../generated/prisma/client.ts';

/** The layer over this service's own generated client. */
export type ServiceDatabase = Database<PrismaClient>;

/** The hints in this service's words: they name the variables its operators set. */
export const SERVICE_HINTS: MisconfigurationHints = {
  ...DEFAULT_HINTS,
  startup_parameter:
    'the server or a pooler in front of it (PgBouncer) refused the connection startup: if it names a startup parameter, ' +
    "remove that parameter from DATABASE_URL or add it to the pooler's ignore_startup_parameters",
  authentication:
    'authentication failed: check the user in DATABASE_URL, the password (DATABASE_PASSWORD_FILE, or in DATABASE_URL / DATABASE_URL_FILE) and pg_hba.conf',
  database_missing: 'the database in DATABASE_URL does not exist: create it or fix the name',
  tls: 'the TLS handshake with the database failed: check sslmode and the certificates in DATABASE_URL',
  tls_off:
    'the database server does not accept TLS, but sslmode asks for it: turn ssl on in the server, or set sslmode=disable in DATABASE_URL (only on a network you trust)',
  tls_ca:
    "the database's certificate is not signed by a CA this service trusts: give that CA in DATABASE_TLS_CA_FILE or sslrootcert= in DATABASE_URL",
  tls_host:
    "the database's certificate does not name the host in DATABASE_URL: connect by a name the certificate holds, or use sslmode=verify-ca (CA only)",
};

/**
 * This service's client for the layer. 'minimal': Prisma's default formats ('pretty',
 * 'colorless') capture a call site, an Error and its stack, on every query to print a code frame
 * if it fails. Nothing here prints them (toServiceError converts, the classifier reads codes and
 * causes): a point read paid ~9 µs of CPU for it in profiles, about 3 % of the whole call.
 */
export const createServiceClient = (adapter: PrismaPg): PrismaClient => new PrismaClient({ adapter, errorFormat: 'minimal' });

/** The Database of this service: its client, its application_name (`masterdata-read`, …), its wording. */
export function createServiceDatabase(options: Omit<DatabaseOptions<PrismaClient>, 'createClient'>): ServiceDatabase {
  return new Database({ applicationName: 'masterdata', hints: SERVICE_HINTS, ...options, createClient: createServiceClient });
}
