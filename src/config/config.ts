import { accessSync, constants, statSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './ConfigError.ts';
import { DatabaseEndpoint } from '@pos-masterdata/resilient-prisma';
import { readFileSecrets } from './fileSecrets.ts';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
/** "7d", "36h", "90m", "30s", "500ms"; "0" or "off": never. */
const duration = z.string().transform((value, ctx) => {
  if (value === '0' || value === 'off') return 0;
  const m = DURATION.exec(value.trim());
  if (!m) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 7d, 36h, 90m or 30s (or off)' });
    return z.NEVER;
  }
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
});
const flag = z.enum(['on', 'off', 'true', 'false', '1', '0']).transform((v) => v === 'on' || v === 'true' || v === '1');

/** A libpq URL, single- or multi-host, parsed once into the endpoint every part of the service is given. */
const endpoint = () =>
  z.string().transform((url, ctx) => {
    try {
      return DatabaseEndpoint.parse(url);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'cannot be parsed' });
      return z.NEVER;
    }
  });

// Every variable the service reads, with its default. Documented in README's configuration table.
const schema = z.object({
  DATABASE_URL: endpoint().optional(),
  DATABASE_READ_URL: endpoint().optional(),
  DB_MAX_REPLICA_LAG_MS: int(0, 3_600_000).default(2_000),
  DB_REPLICA_CHECK_INTERVAL_MS: int(50, 600_000).default(1_000),
  GRPC_HOST: z.string().min(1).default('127.0.0.1'),
  GRPC_PORT: int(0, 65535).default(50051),
  METRICS_PORT: z.union([z.literal('off'), int(0, 65535)]).default(9464),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DB_POOL_MAX: int(1, 200).default(10),
  DB_CONNECT_TIMEOUT_MS: int(100, 120_000).default(2_000),
  DB_QUERY_TIMEOUT_MS: int(100, 600_000).default(5_000),
  DB_STATEMENT_TIMEOUT_MS: int(0, 600_000).default(5_000),
  DB_IDLE_TIMEOUT_MS: int(1_000, 3_600_000).default(30_000),
  DB_REBUILD_MIN_INTERVAL_MS: int(0, 600_000).default(1_000),
  DB_ADMISSION_QUEUE_MAX: int(0, 1_000_000).default(10_000),
  DB_CANCEL_GRACE_MS: int(10, 60_000).default(250),
  DB_BREAKER_OPEN_AFTER_MS: int(100, 600_000).default(2_000),
  DB_BREAKER_HALF_OPEN_MS: int(50, 600_000).default(500),
  DB_RESILIENCE: flag.default(true),
  GRPC_DEFAULT_DEADLINE_MS: int(50, 600_000).default(10_000),
  GRPC_MAX_CALLS_IN_FLIGHT: int(1, 1_000_000).default(4_096),
  GRPC_MAX_CONCURRENT_STREAMS: int(1, 1_000_000).default(100),
  GRPC_MESSAGE_TIMEOUT_MS: int(100, 600_000).default(5_000),
  GRPC_MAX_METADATA_BYTES: int(1_024, 1_048_576).default(16_384),
  GRPC_MAX_RECEIVE_MESSAGE_BYTES: int(1_024, 16 * 1_048_576).default(65_536),
  GRPC_MAX_METADATA_ENTRIES: int(4, 1_000).default(64),
  GRPC_KEEPALIVE_TIME_MS: int(1_000, 86_400_000).default(60_000),
  GRPC_KEEPALIVE_TIMEOUT_MS: int(1_000, 600_000).default(20_000),
  GRPC_MAX_CONNECTION_AGE_MS: int(1_000, 2_147_483_647).default(1_800_000),
  GRPC_MAX_CONNECTION_AGE_GRACE_MS: int(0, 2_147_483_647).default(30_000),
  GRPC_MAX_CONNECTION_IDLE_MS: int(1_000, 2_147_483_647).default(300_000),
  RETRY_MIN_REMAINING_MS: int(0, 60_000).default(100),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  HEALTH_PROBE_INTERVAL_MS: int(100, 600_000).default(2_000),
  PAGE_TOKEN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  GRPC_TLS_CERT_FILE: z.string().min(1).optional(),
  GRPC_TLS_KEY_FILE: z.string().min(1).optional(),
  /** Set: callers must present a certificate signed by this CA (mutual TLS). */
  GRPC_TLS_CLIENT_CA_FILE: z.string().min(1).optional(),
  /** How often the certificate files are read again (rotation without restart). */
  GRPC_TLS_RELOAD_MS: int(100, 86_400_000).default(60_000),
  /** Which caller may read and write which tenants; unset: every caller, every tenant. */
  AUTHZ_POLICY_FILE: z.string().min(1).optional(),
  /** Bearer tokens (JWT) signed by these keys name the caller by their `sub`. */
  AUTHZ_JWKS_FILE: z.string().min(1).optional(),
  AUTHZ_JWT_ISSUER: z.string().min(1).optional(),
  AUTHZ_JWT_AUDIENCE: z.string().min(1).optional(),
  /** How often the policy and JWKS files are checked for changes (re-read without a restart). */
  AUTHZ_RELOAD_MS: int(100, 86_400_000).default(2_000),
  SEED_DEMO_DATA: flag.optional(),
  ITEM_CACHE: flag.default(true),
  /** OpenTelemetry spans per call and per database attempt (exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set). */
  TRACING: flag.default(false),
  ITEM_CACHE_MAX_ENTRIES: int(1, 100_000_000).default(200_000),
  ITEM_CACHE_MAX_BYTES: int(1_024, 2 ** 40).default(128 * 1024 * 1024),
  /** The password, read at start and again for each new connection (a rotated secret needs no restart). */
  DATABASE_PASSWORD_FILE: z.string().min(1).optional(),
  /** Where DATABASE_URL came from: its password is read again for each new connection; hosts and parameters only at start. */
  DATABASE_URL_FILE: z.string().min(1).optional(),
  DATABASE_TLS_CA_FILE: z.string().min(1).optional(),
  DATABASE_TLS_CERT_FILE: z.string().min(1).optional(),
  DATABASE_TLS_KEY_FILE: z.string().min(1).optional(),
  ITEM_CACHE_STALE_IF_ERROR_MS: int(0, 86_400_000).default(300_000),
  /** Idempotency records older than this are deleted (milliseconds after parsing; 0: kept forever). */
  UPSERT_REQUEST_RETENTION: duration.default(7 * 86_400_000),
  UPSERT_REQUEST_RETENTION_CHECK_MS: int(1_000, 86_400_000).default(600_000),
});

export type Config = z.infer<typeof schema>;

const SECRET_KEYS = new Set(['DATABASE_URL', 'DATABASE_READ_URL', 'PAGE_TOKEN_SECRET']);
const WRITER_NEVER = new Set(['standby', 'read-only']);

/**
 * Where plain reads go: DATABASE_READ_URL's hosts; else DATABASE_URL's when it asks for
 * standbys (`prefer-standby`); else nowhere but the writer (undefined), as with one host.
 */
export function readEndpoint(config: Pick<Config, 'DATABASE_URL' | 'DATABASE_READ_URL'>): DatabaseEndpoint | undefined {
  if (config.DATABASE_READ_URL) return config.DATABASE_READ_URL;
  return config.DATABASE_URL?.targetSessionAttrs === 'prefer-standby' ? config.DATABASE_URL : undefined;
}

export { ConfigError };

/** Validates the environment once at start; a bad value stops the service with a message naming it. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const secrets = readFileSecrets(env);
  const config = withDatabaseTls(parseConfig(secrets.env));
  for (const name of [
    'GRPC_TLS_CERT_FILE',
    'GRPC_TLS_KEY_FILE',
    'GRPC_TLS_CLIENT_CA_FILE',
    'AUTHZ_POLICY_FILE',
    'AUTHZ_JWKS_FILE',
  ] as const) {
    const path = config[name];
    const problem = path === undefined ? undefined : unreadable(path);
    if (problem) throw new ConfigError(`invalid configuration: ${name}: cannot read ${String(path)} (${problem})`);
  }
  return secrets.databasePassword === undefined ? config : withDatabasePassword(config, secrets.databasePassword);
}

/**
 * DATABASE_TLS_* files become the database URLs' sslrootcert, sslcert and sslkey (a URL's own
 * parameters win); a CA without an sslmode means verify-full. Every certificate and key named
 * either way must be readable now: a start-up error names the setting, not a failed handshake later.
 */
function withDatabaseTls(config: Config): Config {
  const defaults = {
    sslrootcert: config.DATABASE_TLS_CA_FILE,
    sslcert: config.DATABASE_TLS_CERT_FILE,
    sslkey: config.DATABASE_TLS_KEY_FILE,
    ...(config.DATABASE_TLS_CA_FILE ? { sslmode: 'verify-full' } : {}),
  };
  const fromEnv: Record<string, string> = {
    sslrootcert: 'DATABASE_TLS_CA_FILE',
    sslcert: 'DATABASE_TLS_CERT_FILE',
    sslkey: 'DATABASE_TLS_KEY_FILE',
  };
  const apply = (name: EndpointName, endpoint: DatabaseEndpoint): DatabaseEndpoint => {
    const own = endpoint.withDefaults(defaults);
    for (const param of ['sslrootcert', 'sslcert', 'sslkey']) {
      const path = own.param(param);
      if (path === undefined) continue;
      const setting = endpoint.param(param) === undefined ? fromEnv[param] : `${name} (${param})`;
      const problem = unreadable(path);
      if (problem) throw new ConfigError(`invalid configuration: ${setting ?? name}: cannot read ${path} (${problem})`);
    }
    return own;
  };
  return withEndpoints(config, apply);
}

type EndpointName = 'DATABASE_URL' | 'DATABASE_READ_URL';

/** The configuration with `change` applied to each database URL that is set. */
function withEndpoints(config: Config, change: (name: EndpointName, endpoint: DatabaseEndpoint) => DatabaseEndpoint): Config {
  return {
    ...config,
    ...(config.DATABASE_URL ? { DATABASE_URL: change('DATABASE_URL', config.DATABASE_URL) } : {}),
    ...(config.DATABASE_READ_URL ? { DATABASE_READ_URL: change('DATABASE_READ_URL', config.DATABASE_READ_URL) } : {}),
  };
}

function unreadable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile() ? undefined : 'not a file';
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : 'unreadable';
  }
}

/** DATABASE_PASSWORD_FILE's password, put into the database URLs (each must name a user and no password). */
function withDatabasePassword(config: Config, password: string): Config {
  if (!config.DATABASE_URL) throw new ConfigError('invalid configuration: DATABASE_PASSWORD_FILE: DATABASE_URL is not set');
  return withEndpoints(config, (name, endpoint) => {
    if (endpoint.hasPassword)
      throw new ConfigError(`invalid configuration: DATABASE_PASSWORD_FILE: ${name} carries a password too; keep one of them`);
    try {
      return endpoint.withPassword(password);
    } catch (error) {
      throw new ConfigError(`invalid configuration: ${name}: ${error instanceof Error ? error.message : 'cannot take the password'}`);
    }
  });
}

function parseConfig(env: Record<string, string | undefined>): Config {
  return parseEnv(
    schema
      .refine((c) => c.AUTHZ_JWKS_FILE === undefined || c.AUTHZ_POLICY_FILE !== undefined, {
        message: 'bearer tokens name callers for the policy: set AUTHZ_POLICY_FILE too',
        path: ['AUTHZ_JWKS_FILE'],
      })
      .refine((c) => c.GRPC_TLS_CLIENT_CA_FILE === undefined || c.GRPC_TLS_CERT_FILE !== undefined, {
        message: "mutual TLS needs the server's own certificate: set GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE too",
        path: ['GRPC_TLS_CLIENT_CA_FILE'],
      })
      .refine((c) => (c.GRPC_TLS_CERT_FILE === undefined) === (c.GRPC_TLS_KEY_FILE === undefined), {
        message: 'set both GRPC_TLS_CERT_FILE and GRPC_TLS_KEY_FILE, or neither',
        path: ['GRPC_TLS_KEY_FILE'],
      })
      .refine((c) => !WRITER_NEVER.has(c.DATABASE_URL?.targetSessionAttrs ?? 'any'), {
        message: 'target_session_attrs=standby or read-only can never serve writes: list the standbys in DATABASE_READ_URL',
        path: ['DATABASE_URL'],
      }),
    env,
  );
}

// What the clients of the service read (npm run item, npm run cart): where the service is.
const clientSchema = z.object({
  ITEM_SERVICE_ADDR: z.string().min(1).default('127.0.0.1:50051'),
  CART_PORT: int(0, 65535).default(8080),
});

export type ClientConfig = z.infer<typeof clientSchema>;

/** The configuration of the CLI and the example cart service, validated like the service's. */
export function loadClientConfig(env: Record<string, string | undefined>): ClientConfig {
  return parseEnv(clientSchema, env);
}

function parseEnv<T>(parser: z.ZodType<T>, env: Record<string, string | undefined>): T {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = parser.safeParse(present);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const key = issue.path.join('.');
    // Never echo DATABASE_URL or secrets: they carry passwords.
    const shown = SECRET_KEYS.has(key) ? '' : ` (got ${JSON.stringify(present[key])})`;
    return `${key}: ${issue.message}${shown}`;
  });
  // One line, so it stays whole in any log collector.
  throw new ConfigError(`invalid configuration: ${lines.join('; ')}`);
}
