import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, readEndpoint } from './config.ts';

describe('loadConfig', () => {
  it('applies defaults to an empty environment', () => {
    expect(loadConfig({})).toMatchObject({ GRPC_HOST: '127.0.0.1', GRPC_PORT: 50051, DB_RESILIENCE: true, METRICS_PORT: 9464 });
  });

  it('names every bad variable and what it should be', () => {
    const error = (() => {
      try {
        loadConfig({ GRPC_PORT: 'abc', DB_POOL_MAX: '0', DB_RESILIENCE: 'maybe' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/GRPC_PORT: .*\(got "abc"\)/);
    expect(message).toMatch(/DB_POOL_MAX: .*>=1/);
    expect(message).toMatch(/DB_RESILIENCE/);
  });

  it('never echoes a database URL back', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' })).toThrow(/DATABASE_URL: must look like postgresql:\/\//);
    try {
      loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('parses DATABASE_URL and DATABASE_READ_URL into endpoints, and names a bad one without its password', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://app:hunter2@h1,h2:5433/db?target_session_attrs=read-write' });
    expect(config.DATABASE_URL?.hosts).toEqual([
      { host: 'h1', port: 5432 },
      { host: 'h2', port: 5433 },
    ]);
    expect(readEndpoint(config)).toBeUndefined();
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgresql://app:hunter2@h1,,h2/db' })).toThrow(
      /^invalid configuration: DATABASE_READ_URL: host 2 is empty[^\n]*$/,
    );
    try {
      loadConfig({ DATABASE_READ_URL: 'postgresql://app:hunter2@h1,,h2/db' });
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });

  it('reads from standbys only when asked: DATABASE_READ_URL, or prefer-standby on DATABASE_URL', () => {
    const both = loadConfig({ DATABASE_URL: 'postgresql://u@h1,h2/db', DATABASE_READ_URL: 'postgresql://u@h2,h3/db' });
    expect(readEndpoint(both)?.hosts.map((h) => h.host)).toEqual(['h2', 'h3']);
    expect(readEndpoint(loadConfig({ DATABASE_URL: 'postgresql://u@h1,h2/db?target_session_attrs=prefer-standby' }))?.hosts).toHaveLength(
      2,
    );
    expect(readEndpoint(loadConfig({ DATABASE_URL: 'postgresql://u@h1,h2/db' }))).toBeUndefined();
  });

  it('refuses a DATABASE_URL that can never reach the writer', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://u@h1,h2/db?target_session_attrs=standby' })).toThrow(
      /DATABASE_URL: target_session_attrs=standby or read-only can never serve writes/,
    );
  });

  it('reads UPSERT_REQUEST_RETENTION as a duration (7 days by default, off for never) and names a bad one', () => {
    expect(loadConfig({}).UPSERT_REQUEST_RETENTION).toBe(7 * 86_400_000);
    expect(loadConfig({ UPSERT_REQUEST_RETENTION: '36h' }).UPSERT_REQUEST_RETENTION).toBe(36 * 3_600_000);
    expect(loadConfig({ UPSERT_REQUEST_RETENTION: 'off' }).UPSERT_REQUEST_RETENTION).toBe(0);
    expect(() => loadConfig({ UPSERT_REQUEST_RETENTION: 'a week' })).toThrow(/UPSERT_REQUEST_RETENTION: must be a duration such as 7d/);
  });

  it('accepts METRICS_PORT=off', () => {
    expect(loadConfig({ METRICS_PORT: 'off' }).METRICS_PORT).toBe('off');
  });
});

describe('secrets from files (_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads DATABASE_URL_FILE and PAGE_TOKEN_SECRET_FILE, without the trailing newline', () => {
    const config = loadConfig({
      DATABASE_URL_FILE: file('url', 'postgresql://svc:pw@db1:5432,db2:5432/masterdata?target_session_attrs=read-write\n'),
      PAGE_TOKEN_SECRET_FILE: file('token', 'a-page-token-secret-of-32-chars!\n'),
    });
    expect(config.DATABASE_URL?.hosts.map((h) => h.host)).toEqual(['db1', 'db2']);
    expect(config.DATABASE_URL?.targetSessionAttrs).toBe('read-write');
    expect(config.PAGE_TOKEN_SECRET).toBe('a-page-token-secret-of-32-chars!');
  });

  it('puts DATABASE_PASSWORD_FILE into the database URLs, percent-encoded, on every host', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgresql://svc@db1:5432,db2:5433/masterdata',
      DATABASE_READ_URL: 'postgresql://reader@db2:5433/masterdata',
      DATABASE_PASSWORD_FILE: file('pw', 'p@ss/w:rd\n'),
    });
    expect(config.DATABASE_URL?.urlFor({ host: 'db2', port: 5433 })).toBe('postgresql://svc:p%40ss%2Fw%3Ard@db2:5433/masterdata');
    expect(config.DATABASE_READ_URL?.primaryUrl).toBe('postgresql://reader:p%40ss%2Fw%3Ard@db2:5433/masterdata');
    expect(String(config.DATABASE_URL)).not.toContain('p%40ss');
  });

  it('stops with one line naming the variable and the path, never the content', () => {
    const missing = join(dir, 'nope');
    expect(() => loadConfig({ DATABASE_URL_FILE: missing })).toThrow(`DATABASE_URL_FILE: cannot read ${missing} (ENOENT)`);
    expect(() => loadConfig({ DATABASE_PASSWORD_FILE: dir })).toThrow(/DATABASE_PASSWORD_FILE: cannot read .* \(EISDIR\)/);
    expect(() => loadConfig({ PAGE_TOKEN_SECRET: 'x'.repeat(20), PAGE_TOKEN_SECRET_FILE: file('t2', 'y'.repeat(20)) })).toThrow(
      /PAGE_TOKEN_SECRET_FILE: PAGE_TOKEN_SECRET is set too/,
    );
    const secret = file('pw2', 'hunter2-secret');
    const both = (() => {
      try {
        loadConfig({ DATABASE_URL: 'postgresql://svc:other@db/x', DATABASE_PASSWORD_FILE: secret });
      } catch (e) {
        return (e as Error).message;
      }
      return '';
    })();
    expect(both).toMatch(/DATABASE_PASSWORD_FILE: DATABASE_URL carries a password too/);
    expect(both).not.toMatch(/hunter2|other/);
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://db/x', DATABASE_PASSWORD_FILE: secret })).toThrow(/DATABASE_URL: names no user/);
  });
});
