import { execFile } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PostgresFixture } from './PostgresFixture.ts';
import { withClient } from './withClient.ts';

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the postgres user (it refuses to run as root). */
async function pgExec(binary: string, args: string[]): Promise<string> {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(BIN, binary), ...args]] : [join(BIN, binary), args];
  const { stdout } = await run(cmd, argv, { timeout: 60_000 });
  return stdout;
}

/** A temp dir for a server's files, owned by the postgres user when we run as root (`owner`: to chown what goes in). */
async function serverDir(prefix: string): Promise<{ dir: string; owner: readonly [number, number] | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  if (!asRoot) return { dir, owner: undefined };
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  const owner = [await id('-u'), await id('-g')] as const;
  chownSync(dir, owner[0], owner[1]);
  return { dir, owner };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A throwaway PostgreSQL server of its own (initdb in a temp dir, a free port, trust auth,
 * fsync off), so a test may restart, stop or make read-only a server nobody else uses.
 */
export class PostgresCluster implements PostgresFixture {
  readonly dir: string;
  readonly port: number;
  readonly #extra: string;

  private constructor(dir: string, port: number, extra: string) {
    this.dir = dir;
    this.port = port;
    this.#extra = extra;
  }

  /**
   * `tls`: serve TLS with this certificate and key (ssl=on; plaintext is still accepted). `port`:
   * default, any free one. `passwordAuth`: every role but `postgres` logs in over TCP with a
   * password (scram-sha-256), as a production server asks; `postgres` stays trusted, to administer.
   */
  static async start(
    options: { tls?: { cert: string; key: string }; port?: number; passwordAuth?: boolean } = {},
  ): Promise<PostgresCluster> {
    const { dir, owner } = await serverDir('pgcluster-');
    let extra = '';
    if (options.tls) {
      // The server reads its key only if nobody else may: a copy of its own, mode 0600.
      copyFileSync(options.tls.cert, join(dir, 'server.crt'));
      copyFileSync(options.tls.key, join(dir, 'server.key'));
      chmodSync(join(dir, 'server.key'), 0o600);
      if (owner) for (const f of ['server.crt', 'server.key']) chownSync(join(dir, f), owner[0], owner[1]);
      // Also on 127.0.0.2, an address the certificate does not name (the wrong-host test).
      extra = ` -c ssl=on -c ssl_cert_file='${join(dir, 'server.crt')}' -c ssl_key_file='${join(dir, 'server.key')}' -c listen_addresses=127.0.0.1,127.0.0.2`;
    }
    const cluster = new PostgresCluster(dir, options.port ?? (await freePort()), extra);
    await pgExec('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    if (options.passwordAuth === true) {
      const hba = join(dir, 'data', 'pg_hba.conf');
      writeFileSync(
        hba,
        `local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost replication postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n`,
      );
      if (owner) chownSync(hba, owner[0], owner[1]);
    }
    await cluster.#ctl(['start', '-w']);
    return cluster;
  }

  /**
   * Serves another certificate and key from now on (a renewal, or a new CA): the files are
   * replaced and the configuration reloaded; sessions already open keep theirs.
   */
  async rotateTls(tls: { cert: string; key: string }): Promise<void> {
    for (const [from, to] of [
      [tls.cert, 'server.crt'],
      [tls.key, 'server.key'],
    ] as const) {
      copyFileSync(from, join(this.dir, to));
      chmodSync(join(this.dir, to), 0o600);
    }
    if (asRoot) {
      const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
      const [uid, gid] = [await id('-u'), await id('-g')];
      for (const f of ['server.crt', 'server.key']) chownSync(join(this.dir, f), uid, gid);
    }
    await withClient(this.url(), (c) => c.query('SELECT pg_reload_conf()'));
  }

  url(database = 'postgres'): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  get endpoint(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  async restart(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await this.#ctl(['restart', '-w', '-m', mode]);
  }

  async stop(mode: 'immediate' | 'fast' = 'immediate'): Promise<void> {
    await this.#ctl(['stop', '-w', '-m', mode]);
  }

  async start(): Promise<void> {
    await this.#ctl(['start', '-w']);
  }

  /**
   * Freezes the server (SIGSTOP to the postmaster and every backend): sockets stay open, nothing
   * answers, as a stalled VM or a long GC-like pause looks from outside. `thaw()` continues it.
   */
  async freeze(): Promise<void> {
    await this.#signal('STOP');
  }

  async thaw(): Promise<void> {
    await this.#signal('CONT');
  }

  /** kill -9 of the postmaster and every backend: a machine that died. `start()` recovers it (crash recovery). */
  async kill(): Promise<void> {
    await this.#signal('KILL');
    // The postmaster is gone before its children notice; wait until the port is free for start().
    for (let i = 0; i < 100 && (await this.#listening()); i += 1) await new Promise((r) => setTimeout(r, 50));
    // Where nothing reaps orphans (a container whose PID 1 is no init), the dead postmaster stays a
    // zombie, and a new one refuses to start while its lock file names a PID that still exists.
    for (const lock of [join(this.dir, 'data', 'postmaster.pid'), join(this.dir, `.s.PGSQL.${String(this.port)}.lock`)])
      rmSync(lock, { force: true });
  }

  /** A standby becomes a primary (pg_promote, waiting for it). */
  async promote(): Promise<void> {
    await withClient(this.url(), (c) => c.query('SELECT pg_promote(wait => true)'));
  }

  #listening(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = net.connect(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  async #signal(signal: 'STOP' | 'CONT' | 'KILL'): Promise<void> {
    const postmaster = Number(readFileSync(join(this.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = await run('pgrep', ['-P', String(postmaster)]).then(
      ({ stdout }) =>
        stdout
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map(Number),
      () => [] as number[],
    );
    for (const pid of [postmaster, ...children]) {
      try {
        process.kill(pid, `SIG${signal}`);
      } catch {
        // a backend that ended meanwhile
      }
    }
  }

  /**
   * A streaming standby of this server (pg_basebackup -R, hot standby) on a port of its own:
   * plain reads there see what it has replayed. Dispose it before this one.
   */
  async startStandby(): Promise<PostgresCluster> {
    const { dir } = await serverDir('pgstandby-');
    const standby = new PostgresCluster(dir, await freePort(), '');
    await pgExec('pg_basebackup', [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      '-U',
      'postgres',
      '-D',
      join(dir, 'data'),
      '-R',
      '-X',
      'stream',
      '--no-sync',
      // Without it the backup waits for a spread checkpoint: minutes on a server just promoted.
      '--checkpoint=fast',
    ]);
    await standby.#ctl(['start', '-w']);
    return standby;
  }

  /** On a standby: stops applying WAL (it keeps receiving it), so it falls behind on purpose. */
  async pauseReplay(): Promise<void> {
    await withClient(this.url(), (c) => c.query('SELECT pg_wal_replay_pause()'));
  }

  async resumeReplay(): Promise<void> {
    await withClient(this.url(), (c) => c.query('SELECT pg_wal_replay_resume()'));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.thaw().catch(() => undefined);
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  #ctl(args: string[]): Promise<string> {
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='${this.dir}' -c fsync=off -c max_connections=200${this.#extra}`;
    return pgExec('pg_ctl', [...args, '-D', join(this.dir, 'data'), '-l', join(this.dir, 'log'), '-o', options]);
  }
}
