/** libpq's `target_session_attrs` values (PostgreSQL 14+). */
export const TARGET_SESSION_ATTRS = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const;
export type TargetSessionAttrs = (typeof TARGET_SESSION_ATTRS)[number];

export interface DatabaseHost {
  /** As written in the URL, without brackets: `db1.example`, `10.0.0.5`, `::1`. */
  readonly host: string;
  readonly port: number;
}

export class DatabaseUrlError extends Error {
  override readonly name = 'DatabaseUrlError';
}

const SCHEME = /^(postgres(?:ql)?):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/;
const DEFAULT_PORT = 5432;
/** libpq's modes (pg cannot fall back to plaintext, so prefer encrypts or fails), and pg's no-verify. */
export const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'] as const;

/**
 * A database as libpq's multi-host URL names it: `postgresql://user:pw@h1:5432,[::1]:5433/db?target_session_attrs=read-write`.
 * Parsed once at start and passed unchanged to the pools, the health monitor and the migrator.
 * The password lives in a private field: logging the object, or JSON.stringify, shows the
 * redacted form only.
 */
export class DatabaseEndpoint {
  readonly hosts: readonly DatabaseHost[];
  readonly targetSessionAttrs: TargetSessionAttrs;
  /** Was `target_session_attrs` written in the URL (else libpq's default, `any`)? */
  readonly targetSessionAttrsGiven: boolean;
  readonly #scheme: string;
  readonly #userinfo: string;
  readonly #path: string;
  /** The URL's parameters but target_session_attrs: never mutated (copied to derive an endpoint). */
  readonly #params: URLSearchParams;
  /** The query pg connects with: the parameters, with libpq's sslmode meanings switched on. */
  readonly #connectQuery: string;

  private constructor(scheme: string, userinfo: string, hosts: DatabaseHost[], path: string, params: URLSearchParams, tsa: string | null) {
    this.#scheme = scheme;
    this.#userinfo = userinfo;
    this.hosts = hosts;
    this.#path = path;
    params.delete('target_session_attrs');
    this.#params = params;
    this.#connectQuery = connectQuery(params);
    this.targetSessionAttrsGiven = tsa !== null;
    this.targetSessionAttrs = (tsa ?? 'any') as TargetSessionAttrs;
  }

  /** Parses a URL; a bad one throws a DatabaseUrlError that names the problem and never echoes the password. */
  static parse(url: string): DatabaseEndpoint {
    const m = SCHEME.exec(url.trim());
    if (!m) throw new DatabaseUrlError('must look like postgresql://user:password@host1:5432,host2:5432/database');
    const [, scheme = 'postgresql', authority = '', path = '', query = ''] = m;
    const at = authority.lastIndexOf('@');
    const userinfo = at >= 0 ? authority.slice(0, at) : '';
    const hostList = at >= 0 ? authority.slice(at + 1) : authority;
    const hosts = hostList === '' ? [{ host: '', port: DEFAULT_PORT }] : splitHosts(hostList).map(parseHost);
    const params = new URLSearchParams(query.slice(1));
    const tsa = params.get('target_session_attrs');
    if (tsa !== null && !(TARGET_SESSION_ATTRS as readonly string[]).includes(tsa)) {
      throw new DatabaseUrlError(`target_session_attrs must be one of ${TARGET_SESSION_ATTRS.join(', ')}`);
    }
    if (params.has('host') && hosts.length > 1) throw new DatabaseUrlError('list the hosts in the URL or in ?host=, not both');
    const sslmode = params.get('sslmode');
    if (sslmode !== null && !(SSL_MODES as readonly string[]).includes(sslmode)) {
      throw new DatabaseUrlError(`sslmode must be one of ${SSL_MODES.join(', ')} (libpq's meanings; no-verify: encrypt, development only)`);
    }
    return new DatabaseEndpoint(scheme, userinfo, hosts, path, params, tsa);
  }

  /** The URL's password, decoded (for a provider that reads a rotated URL file); never logged. */
  get password(): string | undefined {
    const colon = this.#userinfo.indexOf(':');
    return colon < 0 ? undefined : decodeURIComponent(this.#userinfo.slice(colon + 1));
  }

  /** Does the URL carry a password? */
  get hasPassword(): boolean {
    return this.#userinfo.includes(':');
  }

  /** The same endpoint with `password` (from DATABASE_PASSWORD_FILE, say); the user must be in the URL. */
  withPassword(password: string): DatabaseEndpoint {
    const colon = this.#userinfo.indexOf(':');
    const user = colon >= 0 ? this.#userinfo.slice(0, colon) : this.#userinfo;
    if (user === '') throw new DatabaseUrlError('names no user, so a password cannot be added to it');
    return this.#rebuild(`${user}:${encodeURIComponent(password)}`, new URLSearchParams(this.#params));
  }

  /** This endpoint's URL again, with other userinfo or parameters, parsed anew. */
  #rebuild(userinfo: string, params: URLSearchParams): DatabaseEndpoint {
    if (this.targetSessionAttrsGiven) params.set('target_session_attrs', this.targetSessionAttrs);
    const query = params.toString();
    const hosts = this.hosts.map(hostLabel).join(',');
    const user = userinfo === '' ? '' : `${userinfo}@`;
    return DatabaseEndpoint.parse(`${this.#scheme}://${user}${hosts}${this.#path}${query === '' ? '' : `?${query}`}`);
  }

  get multiHost(): boolean {
    return this.hosts.length > 1;
  }

  /** A single-host URL for `host` (what pg connects with); carries the password: never log it. */
  urlFor(host: DatabaseHost): string {
    const user = this.#userinfo === '' ? '' : `${this.#userinfo}@`;
    const name = host.host.includes(':') ? `[${host.host}]` : host.host;
    const address = name === '' ? '' : `${name}:${host.port}`;
    return `${this.#scheme}://${user}${address}${this.#path}${this.#connectQuery}`;
  }

  /** A URL parameter (sslmode, sslrootcert…), as written. */
  param(name: string): string | undefined {
    return this.#params.get(name) ?? undefined;
  }

  /** The same endpoint with these URL parameters added where the URL has none of its own. */
  withDefaults(defaults: Readonly<Record<string, string | undefined>>): DatabaseEndpoint {
    const params = new URLSearchParams(this.#params);
    for (const [key, value] of Object.entries(defaults)) if (value !== undefined && !params.has(key)) params.set(key, value);
    return this.#rebuild(this.#userinfo, params);
  }

  /** How connections are protected, for the start-up log: the mode and where the CA comes from, never key material. */
  get tlsDescription(): string {
    const mode = this.param('sslmode');
    if (mode === undefined) return 'no TLS asked for (sslmode unset: plaintext)';
    const ca = this.param('sslrootcert');
    const client = this.param('sslcert') === undefined ? '' : ', client certificate';
    return `sslmode=${mode}${ca === undefined ? '' : `, CA from ${ca}`}${client}`;
  }

  /** The first host's URL: for a single-host endpoint, the endpoint itself. */
  get primaryUrl(): string {
    return this.urlFor(this.hosts[0] ?? { host: '', port: DEFAULT_PORT });
  }

  /** Safe to log: user, hosts, database and target_session_attrs; no password, no other parameters (they may name keys). */
  toString(): string {
    const colon = this.#userinfo.indexOf(':');
    const user = this.#userinfo === '' ? '' : `${colon >= 0 ? this.#userinfo.slice(0, colon) : this.#userinfo}@`;
    const hosts = this.hosts.map((h) => hostLabel(h)).join(',');
    const tsa = this.targetSessionAttrsGiven ? `?target_session_attrs=${this.targetSessionAttrs}` : '';
    return `${this.#scheme}://${user}${hosts}${this.#path}${tsa}`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `DatabaseEndpoint(${this.toString()})`;
  }
}

/** The URL's query as pg must read it: libpq's sslmode meanings (pg 8 alone reads require as verify-full). */
function connectQuery(own: URLSearchParams): string {
  const params = new URLSearchParams(own);
  const mode = params.get('sslmode');
  if (mode !== null && mode !== 'no-verify' && !params.has('uselibpqcompat')) params.set('uselibpqcompat', 'true');
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}

/** `host:port`, with IPv6 in brackets: how logs and metric labels name a host. */
export function hostLabel(h: DatabaseHost): string {
  return `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;
}

/** Commas separate hosts, except inside an IPv6 literal's brackets. */
function splitHosts(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i += 1) {
    const c = list[i];
    if (c === '[') depth += 1;
    else if (c === ']') depth -= 1;
    else if (c === ',' && depth === 0) {
      out.push(list.slice(start, i));
      start = i + 1;
    }
  }
  out.push(list.slice(start));
  return out;
}

function parseHost(text: string, index: number): DatabaseHost {
  const where = `host ${index + 1}`;
  if (text === '') throw new DatabaseUrlError(`${where} is empty (two commas in a row, or a trailing comma)`);
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new DatabaseUrlError(`${where}: an IPv6 address needs a closing ]`);
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) throw new DatabaseUrlError(`${where}: expected :port after ]`);
    portText = rest === '' ? undefined : rest.slice(1);
  } else {
    const parts = text.split(':');
    if (parts.length > 2) throw new DatabaseUrlError(`${where}: write an IPv6 address in brackets, as [::1]:5432`);
    host = parts[0] ?? '';
    portText = parts[1];
  }
  if (host === '') throw new DatabaseUrlError(`${where} has a port but no name`);
  if (portText === undefined || portText === '') return { host, port: DEFAULT_PORT };
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65_535)
    throw new DatabaseUrlError(`${where}: the port is not a number from 1 to 65535 (a password with / ? # or @ must be percent-encoded)`);
  return { host, port };
}
