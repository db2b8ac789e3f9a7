import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DatabaseEndpoint, DatabaseUrlError } from './DatabaseEndpoint.ts';

const SECRET = 's3cr3t-Pa55';

describe('DatabaseEndpoint.parse', () => {
  it('reads libpq multi-host URLs with per-host ports and the default port', () => {
    const e = DatabaseEndpoint.parse(
      `postgresql://app:${SECRET}@h1:5433,h2,h3:6000/orders?target_session_attrs=read-write&sslmode=verify-full`,
    );
    expect(e.hosts).toEqual([
      { host: 'h1', port: 5433 },
      { host: 'h2', port: 5432 },
      { host: 'h3', port: 6000 },
    ]);
    expect(e.targetSessionAttrs).toBe('read-write');
    expect(e.multiHost).toBe(true);
    // One host per URL for pg, the other parameters kept, target_session_attrs (ours) dropped.
    expect(e.urlFor({ host: 'h2', port: 5432 })).toBe(`postgresql://app:${SECRET}@h2:5432/orders?sslmode=verify-full&uselibpqcompat=true`);
  });

  it('reads IPv6 literals in brackets, with and without a port', () => {
    const e = DatabaseEndpoint.parse('postgres://u@[::1]:5433,[fe80::1%25eth0],127.0.0.1/db');
    expect(e.hosts).toEqual([
      { host: '::1', port: 5433 },
      { host: 'fe80::1%25eth0', port: 5432 },
      { host: '127.0.0.1', port: 5432 },
    ]);
    expect(e.urlFor({ host: '::1', port: 5433 })).toBe('postgres://u@[::1]:5433/db');
    expect(String(e)).toBe('postgres://u@[::1]:5433,[fe80::1%25eth0]:5432,127.0.0.1:5432/db');
  });

  it.each(['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'] as const)('accepts target_session_attrs=%s', (tsa) => {
    const e = DatabaseEndpoint.parse(`postgresql://u@h1,h2/db?target_session_attrs=${tsa}`);
    expect(e.targetSessionAttrs).toBe(tsa);
    expect(e.targetSessionAttrsGiven).toBe(true);
  });

  it('defaults like libpq: target_session_attrs=any, one host', () => {
    const e = DatabaseEndpoint.parse('postgresql://u@db.example:5432/db');
    expect(e.targetSessionAttrs).toBe('any');
    expect(e.targetSessionAttrsGiven).toBe(false);
    expect(e.multiHost).toBe(false);
    expect(e.primaryUrl).toBe('postgresql://u@db.example:5432/db');
  });

  it.each([
    ['http://h1/db', /must look like postgresql:\/\//],
    [`postgresql://u:${SECRET}@h1,,h2/db`, /host 2 is empty/],
    [`postgresql://u:${SECRET}@h1,/db`, /host 2 is empty/],
    [`postgresql://u:${SECRET}@h1:99999/db`, /host 1: the port is not a number/],
    [`postgresql://u:${SECRET}@h1:5432,h2:x/db`, /host 2: the port is not a number/],
    [`postgresql://u:${SECRET}@[::1/db`, /closing \]/],
    [`postgresql://u:${SECRET}@::1/db`, /IPv6 address in brackets/],
    [`postgresql://u:${SECRET}@:5432/db`, /host 1 has a port but no name/],
    [`postgresql://u:${SECRET}@h1/db?target_session_attrs=master`, /target_session_attrs must be one of/],
    // An unencoded / in the password cuts the authority short: the error must not show what follows.
    [`postgresql://u:pa/${SECRET}@h1/db`, /port is not a number/],
  ])('refuses %s with an error naming the problem and never the password', (url, message) => {
    let error: unknown;
    try {
      DatabaseEndpoint.parse(url);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DatabaseUrlError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(SECRET);
  });

  it('never shows the password when logged, inspected or serialised', () => {
    const e = DatabaseEndpoint.parse(`postgresql://app:${SECRET}@h1,h2/db?target_session_attrs=primary&sslpassword=${SECRET}`);
    expect(String(e)).toBe('postgresql://app@h1:5432,h2:5432/db?target_session_attrs=primary');
    expect(JSON.stringify({ e })).not.toContain(SECRET);
    expect(inspect(e, { showHidden: true, depth: 5 })).not.toContain(SECRET);
  });
});

describe('DatabaseEndpoint TLS', () => {
  it("gives pg libpq's sslmode meanings (require encrypts without verifying), and leaves pg's no-verify alone", () => {
    expect(DatabaseEndpoint.parse('postgresql://u@h/d?sslmode=require').primaryUrl).toBe(
      'postgresql://u@h:5432/d?sslmode=require&uselibpqcompat=true',
    );
    expect(DatabaseEndpoint.parse('postgresql://u@h/d?sslmode=no-verify').primaryUrl).toBe('postgresql://u@h:5432/d?sslmode=no-verify');
    expect(DatabaseEndpoint.parse('postgresql://u@h/d').primaryUrl).toBe('postgresql://u@h:5432/d');
  });

  it('refuses an sslmode libpq does not know, naming the ones it does', () => {
    expect(() => DatabaseEndpoint.parse('postgresql://u@h/d?sslmode=maybe')).toThrow(
      /sslmode must be one of disable, prefer, require, verify-ca, verify-full, no-verify/,
    );
  });

  it("takes the TLS files as defaults under the URL's own parameters, and describes the mode without key material", () => {
    const e = DatabaseEndpoint.parse('postgresql://u:pw@h1,h2/d?sslmode=verify-full&target_session_attrs=read-write').withDefaults({
      sslrootcert: '/etc/ca.crt',
      sslcert: '/etc/client.crt',
      sslkey: undefined,
    });
    expect(e.param('sslrootcert')).toBe('/etc/ca.crt');
    expect(e.targetSessionAttrs).toBe('read-write');
    expect(e.hosts).toHaveLength(2);
    expect(e.tlsDescription).toBe('sslmode=verify-full, CA from /etc/ca.crt, client certificate');
    const own = DatabaseEndpoint.parse('postgresql://u@h/d?sslrootcert=/mine.crt').withDefaults({ sslrootcert: '/other.crt' });
    expect(own.param('sslrootcert')).toBe('/mine.crt');
  });
});
