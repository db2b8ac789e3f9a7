import type { EventEmitter } from 'node:events';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client.ts';
import { AdmissionGate } from './AdmissionGate.ts';
import { createPgPool, type PgPoolSettings } from './createPgPool.ts';
import type { DatabaseEvents, PoolRole } from './DatabaseEvents.ts';
import { ResilientPool } from './ResilientPool.ts';

export interface SideSettings extends Omit<PgPoolSettings, 'requireWritable' | 'applicationName'> {
  readonly minRebuildIntervalMs: number;
  /** Calls that may wait for one of the pool's connections; the admission queue's bound. */
  readonly admissionQueueMax: number;
  /** How long a timed-out statement's connection has to answer a cancel request. */
  readonly cancelGraceMs: number;
}

/** One pool of the database (read or write): its connections, its Prisma client and its admission gate. */
export interface DatabaseSide {
  readonly role: PoolRole;
  readonly pool: ResilientPool;
  readonly prisma: PrismaClient;
  readonly gate: AdmissionGate;
}

export function createSide(
  role: PoolRole,
  settings: SideSettings,
  events: EventEmitter<DatabaseEvents>,
  queryTimeout: () => number | undefined,
): DatabaseSide {
  const pool = new ResilientPool({
    createInner: () => createPgPool({ ...settings, requireWritable: role === 'write' && settings.resilient, applicationName: `masterdata-${role}` }),
    minRebuildIntervalMs: settings.resilient ? settings.minRebuildIntervalMs : Number.POSITIVE_INFINITY,
    keepConnectionOnSqlError: settings.resilient,
    cancelGraceMs: settings.cancelGraceMs,
    ...(settings.resilient ? { queryTimeout } : {}),
  });
  pool.events.on('rebuild', (e) => events.emit('rebuild', { ...e, pool: role }));
  pool.events.on('rebuildSkipped', (e) => events.emit('rebuildSkipped', { pool: role, why: e.why }));
  pool.events.on('clientError', (e) => events.emit('clientError', { pool: role, generation: e.generation, message: e.error.message }));
  // Each call works on at most one connection at a time, so `max` calls at once never wait for one.
  const gate = new AdmissionGate(settings.max, settings.admissionQueueMax);
  gate.events.on('admitted', (e) => events.emit('admitted', { pool: role, ...e }));
  gate.events.on('rejected', (e) => events.emit('admissionRejected', { pool: role, ...e }));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return { role, pool, prisma, gate };
}
