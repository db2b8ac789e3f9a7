import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { probeHost } from '@pos-masterdata/resilient-prisma';
import type { ClusterEvent } from './FailoverCluster.ts';
import { freePort } from './PostgresCluster.ts';
import { patroniConfig, type PatroniTimings } from './patroniConfig.ts';
import type { PostgresFixture } from './PostgresFixture.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const PASSWORD = 'patroni-drill';

export interface Member {
  readonly name: string;
  readonly role: 'leader' | 'sync_standby' | 'replica';
  readonly port: number;
}

interface Node {
  readonly name: string;
  readonly port: number;
  readonly restPort: number;
  readonly config: string;
  readonly dataDir: string;
  process: ChildProcess | undefined;
}

/**
 * A real Patroni cluster on this machine: one etcd and three Patroni nodes (Debian's packages),
 * each managing its own PostgreSQL on a loopback port, synchronous mode on so a failover never
 * loses an acknowledged commit. No proxy and no DNS name: clients list the three hosts.
 * Host processes rather than containers: the three nodes and etcd start in about 15 s here.
 */
export class PatroniCluster implements PostgresFixture {
  readonly events: ClusterEvent[] = [];
  readonly origin = performance.now();
  readonly #dir: string;
  readonly #nodes: Node[];
  readonly #etcd: ChildProcess;
  readonly #stopped = new Set<number>();

  private constructor(dir: string, nodes: Node[], etcd: ChildProcess) {
    this.#dir = dir;
    this.#nodes = nodes;
    this.#etcd = etcd;
  }

  /**
   * Forms the cluster; a cluster that does not form (seen once in CI in many runs, with its logs
   * gone) is reported with the tail of every log and formed once more from scratch.
   */
  static async start(timings: PatroniTimings = { ttl: 6, loopWait: 1, retryTimeout: 2 }): Promise<PatroniCluster> {
    try {
      return await PatroniCluster.#form(timings);
    } catch (error) {
      console.error(`${error instanceof Error ? error.message : String(error)}\nforming the Patroni cluster once more`);
      return PatroniCluster.#form(timings);
    }
  }

  static async #form(timings: PatroniTimings): Promise<PatroniCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'patroni-'));
    const owner = await postgresUser();
    if (owner) chownSync(dir, owner.uid, owner.gid);
    // Distinct: a port freed by one freePort() call can come back from the next.
    const taken = new Set<number>();
    const port = async (): Promise<number> => {
      for (;;) {
        const p = await freePort();
        if (!taken.has(p)) {
          taken.add(p);
          return p;
        }
      }
    };
    const [client, peer] = [await port(), await port()];
    const etcd = launch(
      dir,
      'etcd',
      'etcd',
      [
        '--name',
        'e1',
        '--data-dir',
        join(dir, 'etcd'),
        '--listen-client-urls',
        `http://127.0.0.1:${client}`,
        '--advertise-client-urls',
        `http://127.0.0.1:${client}`,
        '--listen-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-advertise-peer-urls',
        `http://127.0.0.1:${peer}`,
        '--initial-cluster',
        `e1=http://127.0.0.1:${peer}`,
      ],
      owner,
    );
    const nodes: Node[] = [];
    for (const name of ['n1', 'n2', 'n3']) {
      const node = {
        name,
        port: await port(),
        restPort: await port(),
        config: join(dir, `${name}.yml`),
        dataDir: join(dir, name),
        process: undefined,
      };
      writeFileSync(node.config, patroniConfig({ ...node, dir, etcdPort: client, password: PASSWORD, timings }));
      if (owner) chownSync(node.config, owner.uid, owner.gid);
      nodes.push(node);
    }
    const cluster = new PatroniCluster(dir, nodes, etcd);
    try {
      for (const node of nodes) node.process = launch(dir, node.name, 'patroni', [node.config], owner);
      await cluster.#until(
        async () => {
          const m = await cluster.members();
          return m.length === 3 && m.some((x) => x.role === 'leader') && m.some((x) => x.role === 'sync_standby');
        },
        90_000,
        'the Patroni cluster did not form (leader and sync standby)',
      );
    } catch (error) {
      const tails = ['etcd', ...nodes.map((n) => n.name)].map((name) => `--- ${name}.log\n${logTail(join(dir, `${name}.log`))}`);
      await cluster[Symbol.asyncDispose]();
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tails.join('\n')}`, { cause: error });
    }
    return cluster;
  }

  /** libpq's multi-host form, as a user would write it: the writer among the three. */
  url(database = 'postgres'): string {
    return `postgresql://postgres:${PASSWORD}@${this.#nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}/${database}?target_session_attrs=read-write`;
  }

  /** The same hosts for plain reads (standbys preferred). */
  readUrl(database = 'postgres'): string {
    return this.url(database).replace('?target_session_attrs=read-write', '');
  }

  /** Each node's own URL (as the superuser), for counting what the service holds there. */
  hostUrls(): string[] {
    return this.#nodes.map((n) => this.#hostUrl(n.port));
  }

  /** One host only: what a service gets from a DNS name or an address nobody moves after a failover. */
  async leaderUrl(): Promise<string> {
    return this.#hostUrl((await this.member('leader')).port);
  }

  /** The members as Patroni's REST API reports them. */
  async members(): Promise<Member[]> {
    for (const node of this.#nodes) {
      if (this.#stopped.has(node.port) || !node.process) continue;
      try {
        const res = await fetch(`http://127.0.0.1:${node.restPort}/cluster`, { signal: AbortSignal.timeout(1_000) });
        const body = (await res.json()) as { members: { name: string; role: string; port: number; state: string }[] };
        return body.members
          .filter((m) => m.state === 'running' || m.state === 'streaming')
          .map((m) => ({ name: m.name, role: m.role as Member['role'], port: m.port }));
      } catch {
        // ask the next node
      }
    }
    return [];
  }

  async member(role: Member['role']): Promise<Member> {
    const found = (await this.members()).find((m) => m.role === role);
    if (!found) throw new Error(`no ${role} in the cluster`);
    return found;
  }

  /** Planned: `patronictl switchover` to the synchronous standby (the only candidate synchronous mode allows). */
  async switchover(): Promise<void> {
    const [leader, candidate] = [await this.member('leader'), await this.member('sync_standby')];
    this.#event(`switchover ${leader.name} -> ${candidate.name}`);
    await run(
      'patronictl',
      ['-c', this.#node(leader).config, 'switchover', '--leader', leader.name, '--candidate', candidate.name, '--force'],
      { timeout: 60_000 },
    );
    await this.#awaitWriter(leader.port);
  }

  /** The leader's node dies: Patroni and PostgreSQL killed (-9), the leader key expires, the sync standby is promoted. */
  async killLeader(): Promise<void> {
    const leader = await this.member('leader');
    this.#event(`kill -9 leader ${leader.name}`);
    await this.#signal(this.#node(leader), 'SIGKILL');
    await this.#awaitWriter(leader.port);
  }

  /** A replica's node dies (the asynchronous one: commits do not wait for it). */
  async killReplica(): Promise<void> {
    const replica = await this.member('replica');
    this.#event(`kill -9 replica ${replica.name}`);
    await this.#signal(this.#node(replica), 'SIGKILL');
  }

  /** The leader stops answering (SIGSTOP of Patroni and every PostgreSQL process): sockets stay open, nothing comes back. */
  async blackholeLeader(): Promise<void> {
    const leader = await this.member('leader');
    this.#event(`black-hole leader ${leader.name}`);
    await this.#signal(this.#node(leader), 'SIGSTOP');
    await this.#awaitWriter(leader.port);
  }

  /**
   * Pauses WAL replay on the asynchronous replica; returns its host:port. Patroni resumes a paused
   * replay on its next loop, so the cluster goes into maintenance mode (`patronictl pause`) first.
   */
  async pauseReplay(): Promise<string> {
    const replica = await this.member('replica');
    await run('patronictl', ['-c', this.#node(replica).config, 'pause', '--wait'], { timeout: 30_000 });
    await this.#sql(replica.port, 'SELECT pg_wal_replay_pause()');
    this.#event(`replay paused on ${replica.name}`);
    return `127.0.0.1:${replica.port}`;
  }

  async resumeReplay(): Promise<void> {
    for (const node of this.#nodes) await this.#sql(node.port, 'SELECT pg_wal_replay_resume()').catch(() => undefined);
    await run('patronictl', ['-c', (this.#nodes[0] as Node).config, 'resume', '--wait'], { timeout: 30_000 });
    this.#event('replay resumed');
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const node of this.#nodes) await this.#signal(node, 'SIGCONT').catch(() => undefined);
    for (const node of this.#nodes) node.process?.kill('SIGTERM');
    await this.#until(
      () => Promise.resolve(this.#nodes.every((n) => !n.process || n.process.exitCode !== null || n.process.signalCode !== null)),
      10_000,
      '',
    ).catch(() => undefined);
    for (const node of this.#nodes) await this.#signal(node, 'SIGKILL').catch(() => undefined);
    this.#etcd.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #node(member: Member): Node {
    const node = this.#nodes.find((n) => n.port === member.port);
    if (!node) throw new Error(`unknown member ${member.name}`);
    return node;
  }

  /** Signals a node's Patroni and its PostgreSQL (the postmaster and every backend). */
  async #signal(node: Node, signal: NodeJS.Signals): Promise<void> {
    const pids = [node.process?.pid];
    const pidFile = join(node.dataDir, 'postmaster.pid');
    const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : undefined;
    if (postmaster) {
      pids.push(postmaster);
      const { stdout } = await run('pgrep', ['-P', String(postmaster)]).catch(() => ({ stdout: '' }));
      pids.push(...stdout.split('\n').filter(Boolean).map(Number));
    }
    for (const pid of pids) {
      try {
        if (pid) process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
    if (signal === 'SIGSTOP') this.#stopped.add(node.port);
    if (signal === 'SIGCONT') this.#stopped.delete(node.port);
    if (signal === 'SIGKILL') node.process = undefined;
  }

  /** Records when a host other than `oldPort` accepts writes (what "recovered" means for the drill). */
  async #awaitWriter(oldPort: number): Promise<void> {
    await this.#until(
      async () => {
        const others = this.#nodes.filter((n) => n.port !== oldPort);
        const reports = await Promise.all(
          others.map((n) =>
            probeHost(
              { host: { host: '127.0.0.1', port: n.port }, label: n.name, config: { connectionString: this.#hostUrl(n.port) } },
              500,
            ),
          ),
        );
        return reports.some((r) => r.state === 'writable');
      },
      60_000,
      'no new leader accepted writes within 60 s',
    );
    this.#event('new primary accepts connections');
  }

  async #sql(port: number, sql: string): Promise<void> {
    await run('psql', [this.#hostUrl(port), '-tAc', sql], { timeout: 10_000 });
  }

  #hostUrl(port: number): string {
    return `postgresql://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`;
  }

  #event(name: string): void {
    this.events.push({ at: performance.now() - this.origin, name });
  }

  async #until(check: () => Promise<boolean>, timeoutMs: number, message: string): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (performance.now() < end) {
      if (await check()) return;
      await sleep(50);
    }
    throw new Error(`${message}; logs in ${this.#dir}`);
  }
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  return { uid: await id('-u'), gid: await id('-g') };
}

/** Starts a long-running process (as postgres when this is root), its output in `dir/name.log`. */
function launch(dir: string, name: string, command: string, args: string[], owner: { uid: number; gid: number } | undefined): ChildProcess {
  const log = openSync(join(dir, `${name}.log`), 'a');
  const child = spawn(command, args, {
    cwd: dir,
    stdio: ['ignore', log, log],
    detached: true,
    env: { ...process.env, HOME: dir, PGPASSFILE: join(dir, `${name}.pgpass`) },
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
  });
  closeSync(log);
  child.unref();
  return child;
}

/** The last lines of a log file, for a failure message (the directory is removed afterwards). */
function logTail(file: string, lines = 15): string {
  if (!existsSync(file)) return '(none)';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
