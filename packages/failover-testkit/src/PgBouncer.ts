import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './PostgresCluster.ts';
import { withClient } from './withClient.ts';

const run = promisify(execFile);

/** Debian's pgbouncer package is installed. */
export async function pgbouncerAvailable(): Promise<boolean> {
  return run('pgbouncer', ['--version']).then(
    () => true,
    () => false,
  );
}

export interface PgBouncerTarget {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/**
 * Debian's PgBouncer as a host process, in transaction mode and otherwise with its defaults (but
 * server_login_retry, see below), in front of one PostgreSQL server. What a failover manager
 * should do to it on a switchover: `pause()` (PAUSE: transactions in flight finish, new ones wait
 * in PgBouncer instead of failing), swap the servers, then `switchTo(port)` (rewrite the
 * [databases] entry, RELOAD, RESUME). `repoint` is the same without PAUSE, as many do it.
 */
export class PgBouncer implements AsyncDisposable {
  readonly port: number;
  readonly #dir: string;
  readonly #process: ChildProcess;
  #target: PgBouncerTarget;
  #paused = false;

  private constructor(port: number, dir: string, process: ChildProcess, target: PgBouncerTarget) {
    this.port = port;
    this.#dir = dir;
    this.#process = process;
    this.#target = target;
  }

  static async start(target: PgBouncerTarget): Promise<PgBouncer> {
    const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
    const port = await freePort();
    const owner = process.getuid?.() === 0 ? await postgresIds() : undefined;
    writeFileSync(join(dir, 'userlist.txt'), `"${target.user}" ""\n`);
    writeIni(dir, port, target);
    if (owner) for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), owner.uid, owner.gid);
    // PgBouncer writes its own log file (as the postgres user, in the directory it owns).
    const child = spawn('pgbouncer', [join(dir, 'pgbouncer.ini')], { stdio: 'ignore', detached: true, ...(owner ?? {}) });
    child.unref();
    const bouncer = new PgBouncer(port, dir, child, target);
    await bouncer.#listening();
    return bouncer;
  }

  /** PgBouncer's own log, for a failing test's message. */
  get log(): string {
    return existsSync(join(this.#dir, 'pgbouncer.log')) ? readFileSync(join(this.#dir, 'pgbouncer.log'), 'utf8') : '';
  }

  /** Point the database at another server and reload (SIGHUP), with no PAUSE before it. */
  repoint(port: number): void {
    this.#target = { ...this.#target, port };
    writeIni(this.#dir, this.port, this.#target);
    this.#process.kill('SIGHUP');
  }

  /** PAUSE: returns once every transaction in flight has finished; new ones wait in PgBouncer. */
  async pause(): Promise<void> {
    await this.#admin('PAUSE');
    this.#paused = true;
  }

  /** RESUME: the transactions waiting in PgBouncer since `pause()` run. */
  async resume(): Promise<void> {
    await this.#admin('RESUME');
    this.#paused = false;
  }

  /**
   * The password PgBouncer logs in to the server with, rewritten and RELOADed: what rotating the
   * role's password means for PgBouncer (server connections already open keep theirs).
   */
  async setPassword(password: string): Promise<void> {
    this.#target = { ...this.#target, password };
    writeIni(this.#dir, this.port, this.#target);
    await this.#admin('RELOAD');
  }

  /** The rest of the procedure: point the database at `port`, RELOAD, and RESUME if paused. */
  async switchTo(port: number): Promise<void> {
    this.#target = { ...this.#target, port };
    writeIni(this.#dir, this.port, this.#target);
    await this.#admin('RELOAD');
    if (this.#paused) await this.#admin('RESUME');
    this.#paused = false;
  }

  /** A command on PgBouncer's admin console (the `pgbouncer` database; simple query protocol). */
  async #admin(command: string): Promise<void> {
    await withClient(`postgresql://${this.#target.user}@127.0.0.1:${this.port}/pgbouncer`, (c) => c.query(command));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#process.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
    rmSync(this.#dir, { recursive: true, force: true });
  }

  async #listening(): Promise<void> {
    for (let i = 0; i < 100; i += 1) {
      const open = await new Promise<boolean>((resolve) => {
        const s = net.connect(this.port, '127.0.0.1', () => {
          s.destroy();
          resolve(true);
        });
        s.on('error', () => resolve(false));
      });
      if (open) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`PgBouncer did not start; see ${this.#dir}/pgbouncer.log`);
  }
}

// Clients are trusted (they come over loopback); PgBouncer logs in to the server with the password.
function writeIni(dir: string, port: number, t: PgBouncerTarget): void {
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    `[databases]
${t.database} = host=127.0.0.1 port=${t.port} dbname=${t.database} user=${t.user}${t.password === '' ? '' : ` password=${t.password}`}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${port}
unix_socket_dir =
auth_type = trust
auth_file = ${dir}/userlist.txt
admin_users = ${t.user}
pool_mode = transaction
; The one default changed besides pool_mode: after a failed server login PgBouncer refuses new
; server connections for server_login_retry (15 s by default), even once repointed and reloaded.
server_login_retry = 1
logfile = ${dir}/pgbouncer.log
`,
  );
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}
