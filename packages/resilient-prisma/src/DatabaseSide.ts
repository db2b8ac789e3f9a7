import type { EventEmitter } from 'node:events';
import { PrismaPg } from '@prisma/adapter-pg';
import { hostLabel, type DatabaseEndpoint, type TargetSessionAttrs } from './DatabaseEndpoint.ts';
import { AdmissionGate } from './AdmissionGate.ts';
import type { DbErrorClass } from './classifyDbError.ts';
import { createPgPool, hostTargets, type PgPoolSettings } from './createPgPool.ts';
import type { DatabaseEvents, PoolRole } from './DatabaseEvents.ts';
import type { PrismaClientLike } from './DbScope.ts';
import { WriterFinder } from './WriterFinder.ts';
import { probeHost, type HostTarget } from './probeHost.ts';
import { ReplicaSet } from './ReplicaSet.ts';
import { ResilientPool } from './ResilientPool.ts';

export interface SideSettings<C> extends Omit<PgPoolSettings, 'requireWritable' | 'applicationName' | 'host'> {
  /** Makes the user's PrismaClient over the layer's adapter: `(adapter) => new PrismaClient({ adapter })`. */
  readonly createClient: (adapter: PrismaPg) => C;
  /** Connections show up in pg_stat_activity as `<name>-read`, `<name>-write`, `<name>-health`. */
  readonly applicationName: string;
  readonly minRebuildIntervalMs: number;
  /** Calls that may wait for one of the pool's connections; the admission queue's bound. */
  readonly admissionQueueMax: number;
  /** How long a timed-out statement's connection has to answer a cancel request. */
  readonly cancelGraceMs: number;
  /** Standbys for plain reads; none: every read on the writer. */
  readonly readEndpoint?: DatabaseEndpoint;
  readonly maxReplicaLagMs: number;
  readonly replicaProbeIntervalMs: number;
}

/** A pool of connections to one place (the writer, or one standby) and the Prisma client over it. */
export interface SideMember<C> {
  readonly pool: ResilientPool;
  readonly prisma: C;
}

/** Where one attempt runs: the member, and the host it reaches (for metrics and exclusion). */
export interface Route<C> {
  readonly member: SideMember<C>;
  readonly host: string | undefined;
  readonly replica: boolean;
}

// Which hosts of the read endpoint serve plain reads, by its target_session_attrs (libpq's words).
// A read never fails for want of a standby: with none eligible it goes to the writer.
const READ_ROUTING: Readonly<Record<TargetSessionAttrs, 'writer' | 'standbys' | 'any-host'>> = {
  'read-write': 'writer',
  primary: 'writer',
  standby: 'standbys',
  'read-only': 'standbys',
  'prefer-standby': 'standbys',
  any: 'any-host',
};

/**
 * One side of the database (read or write): its admission gate, the member that follows the
 * writer and, for reads, the standbys. Consistent reads and writes always run on the writer.
 */
export class DatabaseSide<C extends PrismaClientLike> {
  readonly role: PoolRole;
  readonly gate: AdmissionGate;
  readonly writer: SideMember<C>;
  readonly replicas: ReplicaSet<SideMember<C>> | undefined;
  readonly #settings: SideSettings<C>;
  /** The one host of a single-host endpoint (a multi-host writer pool names its own once located). */
  readonly #firstHost: string | undefined;

  constructor(role: PoolRole, settings: SideSettings<C>, events: EventEmitter<DatabaseEvents>, queryTimeout: () => number | undefined) {
    this.role = role;
    this.#settings = settings;
    const first = settings.endpoint.hosts[0];
    this.#firstHost = first && hostLabel(first);
    const member = (pool: ResilientPool): SideMember<C> => {
      pool.events.on('rebuild', (e) => events.emit('rebuild', { ...e, pool: role }));
      pool.events.on('rebuildSkipped', (e) => events.emit('rebuildSkipped', { pool: role, why: e.why }));
      pool.events.on('clientError', (e) => events.emit('clientError', { pool: role, generation: e.generation, message: e.error.message }));
      pool.events.on('located', (e) => events.emit('writerFound', { pool: role, ...e }));
      return { pool, prisma: settings.createClient(new PrismaPg(pool)) };
    };
    const applicationName = `${settings.applicationName}-${role}`;
    const targets = hostTargets({ ...settings, applicationName });
    // Several hosts: each generation asks them all which one is the writer now (no DNS, no proxy).
    const finder = new WriterFinder(targets, settings.connectTimeoutMs);
    const locate = settings.resilient && settings.endpoint.multiHost ? () => finder.find() : undefined;
    this.writer = member(this.#pool(queryTimeout, role === 'write', settings.endpoint, locate));
    // Each call works on at most one connection at a time, so `max` calls at once never wait for one.
    this.gate = new AdmissionGate(settings.max, settings.admissionQueueMax);
    this.gate.events.on('admitted', (e) => events.emit('admitted', { pool: role, ...e }));
    this.gate.events.on('rejected', (e) => events.emit('admissionRejected', { pool: role, ...e }));

    const reads = settings.readEndpoint;
    const routing = reads && READ_ROUTING[reads.targetSessionAttrsGiven ? reads.targetSessionAttrs : 'prefer-standby'];
    if (role !== 'read' || !reads || !settings.resilient || routing === 'writer') return;
    const probeSettings = { ...settings, endpoint: reads, applicationName: `${settings.applicationName}-replica-probe` };
    const probeTargets = new Map(hostTargets(probeSettings).map((t) => [t.label, t]));
    const writeOnly = hostTargets({ ...settings, applicationName: probeSettings.applicationName }).filter(
      (t) => !probeTargets.has(t.label),
    );
    this.replicas = new ReplicaSet(
      hostTargets({ ...settings, endpoint: reads, applicationName }),
      (target) => member(this.#pool(queryTimeout, false, reads, undefined, target)),
      {
        maxLagMs: settings.maxReplicaLagMs,
        intervalMs: settings.replicaProbeIntervalMs,
        includeWriter: routing === 'any-host',
        probe: (target) => probeHost(probeTargets.get(target.label) ?? target, settings.connectTimeoutMs),
        // Standbys alone in the read endpoint: how far the writer is comes from the write endpoint
        // (its hosts at once, so one that does not answer costs one connect timeout, not one each).
        ...(writeOnly.length === 0
          ? {}
          : {
              writerPosition: async () => {
                const reports = await Promise.all(writeOnly.map((target) => probeHost(target, settings.connectTimeoutMs)));
                return reports.find((r) => r.state === 'writable')?.lsn;
              },
            }),
      },
    );
    this.replicas.events.on('probed', (e) => events.emit('replicaProbed', e));
    this.replicas.events.on('changed', (e) => events.emit('replicaChanged', e));
  }

  /** Where a call's attempt runs: a plain read on a standby (one that has replayed `readAfter`, if given), else the writer. */
  route(plainRead: boolean, readAfter?: bigint): Route<C> {
    const standby = plainRead ? this.replicas?.pick(readAfter) : undefined;
    if (standby) return { member: standby.member, host: standby.host, replica: true };
    return { member: this.writer, host: this.writer.pool.host ?? this.#firstHost, replica: false };
  }

  /** A failure that casts doubt on the host (connection-level): no more reads there until it is probed well. */
  reportFailure(route: Route<C>, classification: DbErrorClass): void {
    if (route.replica && route.host !== undefined && classification.probeHealth) this.replicas?.suspect(route.host);
  }

  async start(): Promise<void> {
    await this.replicas?.start();
  }

  /** Bounded: a connection that hangs (black hole, no timeouts) cannot hold shutdown. */
  async close(): Promise<void> {
    this.replicas?.stop();
    const members = [this.writer, ...(this.replicas?.members ?? [])];
    await Promise.allSettled(
      members.map(async (m) => {
        await Promise.race([m.prisma.$disconnect(), new Promise((r) => setTimeout(r, 2_000).unref())]);
        await m.pool.end();
      }),
    );
  }

  #pool(
    queryTimeout: () => number | undefined,
    requireWritable: boolean,
    endpoint: DatabaseEndpoint,
    locate?: () => Promise<HostTarget>,
    target?: HostTarget,
  ): ResilientPool {
    const s = this.#settings;
    return new ResilientPool({
      createInner: () =>
        createPgPool({
          ...s,
          endpoint,
          ...(target ? { host: target.host } : {}),
          requireWritable: requireWritable && s.resilient,
          applicationName: `${s.applicationName}-${this.role}`,
        }),
      minRebuildIntervalMs: s.resilient ? s.minRebuildIntervalMs : Number.POSITIVE_INFINITY,
      keepConnectionOnSqlError: s.resilient,
      cancelGraceMs: s.cancelGraceMs,
      reaskRejectedPassword: s.resilient && s.password !== undefined,
      ...(s.resilient ? { queryTimeout } : {}),
      ...(locate ? { locate } : {}),
    });
  }
}
