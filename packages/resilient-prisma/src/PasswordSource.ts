import pg from 'pg';
import { classifyDbError } from './classifyDbError.ts';

/** What the provider is told when asked: after a rejection, a cached password is the wrong answer. */
export interface PasswordRequest {
  /** The server refused the last password given (28P01): fetch it anew (Vault, a secrets manager, the file). */
  readonly afterRejection: boolean;
}

/**
 * The database password, asked for each new connection: `() => readFile('/run/secrets/db', 'utf8')`,
 * or a Vault / secrets-manager client that caches and refreshes when `afterRejection` is set.
 */
export type PasswordProvider = (request: PasswordRequest) => string | Promise<string>;

/**
 * One provider shared by every connection of a database (the pools of every generation, the
 * health probes, the writer search): it remembers whether the server refused the last password,
 * so the next ask says so.
 */
export class PasswordSource {
  readonly #provider: PasswordProvider;
  #rejected = false;
  /** The pg.Client that asks this source (see clientClassOf). */
  readonly Client: typeof pg.Client;

  constructor(provider: PasswordProvider) {
    this.#provider = provider;
    this.Client = clientClassOf(this);
  }

  async ask(): Promise<string> {
    const password = await this.#provider({ afterRejection: this.#rejected });
    // `echo secret > file` leaves a newline that is not part of the password.
    return password.replace(/\r?\n$/, '');
  }

  /** How the last connection attempt ended. */
  settle(error: unknown): void {
    if (error === undefined) this.#rejected = false;
    else if (classifyDbError(error).credentialsRejected) this.#rejected = true;
  }
}

type ConnectCallback = ((err: Error) => void) | ((err: null, c: pg.Client) => void);

/**
 * A pg.Client that asks `source` for its password on connect. pg reads a function password only
 * from the config, and a URL in `connectionString` always overrides it (with '' when the URL has
 * none), so the client puts the function back after pg has parsed the URL.
 */
function clientClassOf(source: PasswordSource): typeof pg.Client {
  return class PasswordSourceClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      Object.defineProperty(this, 'password', { value: () => source.ask(), writable: true, configurable: true, enumerable: false });
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: ConnectCallback): void;
    override connect(callback?: ConnectCallback): Promise<pg.Client> | undefined {
      const connected = super.connect().then(
        (client) => {
          source.settle(undefined);
          return client;
        },
        (err: unknown) => {
          source.settle(err ?? new Error('connect failed'));
          throw err;
        },
      );
      if (!callback) return connected;
      connected.then(
        (client) => (callback as (err: null, c: pg.Client) => void)(null, client),
        (err: unknown) => (callback as (err: Error) => void)(err instanceof Error ? err : new Error(String(err))),
      );
      return undefined;
    }
  };
}
