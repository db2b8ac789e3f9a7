import { credentials, loadPackageDefinition, makeGenericClientConstructor, type ServiceDefinition } from '@grpc/grpc-js';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ChannelPool } from './ChannelPool.ts';
import { clientConstructor } from './clientConstructor.ts';

// Any generated client fits; a generic one with no methods is enough to count channels.
const OrderClient = makeGenericClientConstructor({}, 'orders.v1.OrderService');
const orderClient = (pool: ChannelPool, target: string) => pool.client(OrderClient, target);

describe('ChannelPool', () => {
  it('hands every request-scoped client the same channel', () => {
    const pool = new ChannelPool();
    const clients = Array.from({ length: 50 }, () => orderClient(pool, '127.0.0.1:1'));
    expect(new Set(clients.map((c) => c.getChannel())).size).toBe(1);
    expect(pool.stats('127.0.0.1:1')).toMatchObject({ created: 1, reused: 49, live: 1 });
    pool.close();
  });

  it('creates exactly one channel under concurrent first use', async () => {
    const pool = new ChannelPool();
    const channels = await Promise.all(
      Array.from({ length: 20 }, async () => {
        await Promise.resolve();
        return pool.channel('127.0.0.1:2');
      }),
    );
    expect(new Set(channels).size).toBe(1);
    expect(pool.stats('127.0.0.1:2').created).toBe(1);
    pool.close();
  });

  it('keys by target, credentials and channel options, never by anything else', () => {
    const pool = new ChannelPool();
    const creds = credentials.createInsecure();
    pool.channel('a:1', creds);
    pool.channel('a:1', creds);
    pool.channel('b:1', creds);
    pool.channel('a:1', credentials.createInsecure());
    pool.channel('a:1', { rootCerts: null });
    pool.channel('a:1', creds, { 'grpc.primary_user_agent': 'x' });
    expect(pool.stats('a:1').created).toBe(3);
    expect(pool.stats('b:1').created).toBe(1);
    pool.close();
  });

  it('equal TLS bytes given per request share one channel and one credentials object', () => {
    const pool = new ChannelPool();
    const pem = Buffer.from('-----BEGIN CERTIFICATE-----\nnot parsed until connect\n-----END CERTIFICATE-----\n');
    const channels = Array.from({ length: 10 }, () => pool.channel('tls:443', { rootCerts: Buffer.from(pem) }));
    expect(new Set(channels).size).toBe(1);
    expect(pool.credentials({ rootCerts: Buffer.from(pem) })).toBe(pool.credentials({ rootCerts: pem }));
    expect(pool.stats('tls:443').created).toBe(1);
    pool.close();
  });

  it('raises the alarm (callback and metric) when one target gets too many channels', async () => {
    const registry = new Registry();
    const alarms: number[] = [];
    const pool = new ChannelPool({ alarmThreshold: 2, registry, onAlarm: (_t, live) => alarms.push(live) });
    for (let i = 0; i < 4; i++) pool.channel('c:1', credentials.createInsecure(), { 'grpc.primary_user_agent': `per-request-${i}` });
    expect(alarms).toEqual([3, 4]);
    expect(await registry.getSingleMetricAsString('grpc_client_channel_alarms_total')).toContain(
      'grpc_client_channel_alarms_total{target="c:1"} 2',
    );
    pool.close();
  });

  it('a client closing itself does not close the shared channel; the pool closes all', () => {
    const pool = new ChannelPool();
    const a = orderClient(pool, '127.0.0.1:3');
    const b = orderClient(pool, '127.0.0.1:3');
    a.close();
    expect(() => b.getChannel().getConnectivityState(false)).not.toThrow();
    pool.close();
    expect(pool.stats('127.0.0.1:3').live).toBe(0);
    expect(() => pool.channel('127.0.0.1:3')).toThrow(/closed/);
  });
});

describe('clientConstructor', () => {
  it('finds a service client class in what loadPackageDefinition returned, or says which name it lacks', () => {
    const service: ServiceDefinition = {};
    const loaded = loadPackageDefinition({ 'orders.v1.OrderService': service });
    const pool = new ChannelPool();
    const client = pool.client(clientConstructor(loaded, 'orders.v1.OrderService'), '127.0.0.1:1');
    expect(typeof client.close).toBe('function');
    expect(() => clientConstructor(loaded, 'orders.v1.Nope')).toThrow(/"orders\.v1\.Nope" is not a service/);
    pool.close();
  });
});
