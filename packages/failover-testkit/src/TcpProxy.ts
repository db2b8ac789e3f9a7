import net from 'node:net';

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

type Mode = 'forward' | 'blackhole';

interface Pair {
  readonly client: net.Socket;
  readonly server: net.Socket;
  frozen: boolean;
}

/**
 * A TCP proxy the test controls: the stable endpoint a service connects to, which can be
 * pointed elsewhere, frozen (black hole: packets vanish, sockets stay open), reset (RST),
 * closed (FIN), or made to lose the connection exactly when a COMMIT passes through.
 */
export class TcpProxy implements AsyncDisposable {
  readonly #server: net.Server;
  readonly #pairs = new Set<Pair>();
  readonly #held = new Set<net.Socket>();
  #target: Endpoint;
  #mode: Mode = 'forward';
  #commitTrap: 'before-commit' | 'after-commit' | undefined;
  #onTrapped: (() => void) | undefined;
  #commitTrapped = 0;

  private constructor(target: Endpoint) {
    this.#target = target;
    this.#server = net.createServer((client) => this.#accept(client));
  }

  /** Listens on 127.0.0.1, on `options.port` (default: any free port). */
  static async start(target: Endpoint, options: { port?: number } = {}): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(options.port ?? 0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  get commitsTrapped(): number {
    return this.#commitTrapped;
  }

  /** New connections go to `target`; existing ones stay where they are (like a DNS or VIP switch). */
  pointTo(target: Endpoint): void {
    this.#target = target;
  }

  /** Stop forwarding in both directions without closing anything; new connections hang too. */
  blackhole(): void {
    this.#mode = 'blackhole';
    for (const pair of this.#pairs) pair.frozen = true;
  }

  /** Freeze the connections open now (their server vanished without a word); new ones are forwarded. */
  blackholeExisting(): void {
    for (const pair of this.#pairs) pair.frozen = true;
  }

  /** Forward new connections again; connections already frozen or held stay as they are. */
  forwardNew(): void {
    this.#mode = 'forward';
  }

  heal(): void {
    this.#mode = 'forward';
    this.resetAll();
  }

  resetAll(): void {
    for (const pair of this.#pairs) this.#drop(pair, 'reset');
    for (const socket of this.#held) socket.resetAndDestroy();
    this.#held.clear();
  }

  closeAll(): void {
    for (const pair of this.#pairs) this.#drop(pair, 'fin');
  }

  /**
   * Lose the next connection that sends COMMIT: 'before-commit' drops it before the server
   * sees it (the transaction rolls back); 'after-commit' lets the server commit and drops the
   * answer. Either way the client sees the same lost connection. `onTrapped` runs the moment the
   * COMMIT is caught: what a test does to the server then happens at COMMIT, not by a timer's guess.
   */
  trapNextCommit(when: 'before-commit' | 'after-commit', onTrapped?: () => void): void {
    this.#commitTrap = when;
    this.#onTrapped = onTrapped;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: net.Socket): void {
    if (this.#mode === 'blackhole') {
      // Accepted by the kernel, answered by nobody: the client waits until it gives up.
      client.on('error', () => undefined);
      this.#held.add(client);
      client.on('close', () => this.#held.delete(client));
      return;
    }
    const server = net.connect(this.#target.port, this.#target.host);
    const pair: Pair = { client, server, frozen: false };
    this.#pairs.add(pair);
    // A client that closes (or destroys) its socket closes the server's, as a real path does: else
    // the backend stays in pg_stat_activity with nobody holding it. Through a black hole the server
    // hears nothing: the pair stays until heal() resets it.
    const clientGone = () => {
      if (pair.frozen) return;
      this.#pairs.delete(pair);
      server.destroy();
    };
    client.on('error', clientGone).on('close', clientGone);
    server.on('error', () => client.destroy()).on('close', () => client.destroy());
    client.on('data', (chunk) => {
      if (pair.frozen) return;
      if (this.#commitTrap && isCommit(chunk)) {
        const when = this.#commitTrap;
        this.#commitTrap = undefined;
        this.#commitTrapped += 1;
        const onTrapped = this.#onTrapped;
        this.#onTrapped = undefined;
        onTrapped?.();
        if (when === 'before-commit') {
          this.#drop(pair, 'reset');
          return;
        }
        pair.frozen = true; // the server's answer never reaches the client
        server.write(chunk);
        setTimeout(() => this.#drop(pair, 'reset'), 100);
        return;
      }
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      if (!pair.frozen) client.write(chunk);
    });
  }

  #drop(pair: Pair, how: 'reset' | 'fin'): void {
    this.#pairs.delete(pair);
    if (how === 'reset') {
      pair.client.resetAndDestroy();
      pair.server.destroy();
    } else {
      pair.client.end();
      pair.server.end();
    }
  }
}

/** A Parse (extended protocol, unnamed statement) or Query message whose SQL text is exactly COMMIT. */
function isCommit(chunk: Buffer): boolean {
  if (chunk.includes('\u0000COMMIT\u0000')) return true;
  const q = chunk.indexOf('COMMIT\u0000');
  return q >= 5 && chunk[q - 5] === 0x51; // 'Q' + int32 length
}
