import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';
import { redactUrl } from './redactUrl.ts';

describe('loadConfig', () => {
  it('applies defaults to an empty environment', () => {
    expect(loadConfig({})).toMatchObject({ GRPC_HOST: '127.0.0.1', GRPC_PORT: 50051, DB_RESILIENCE: true, METRICS_PORT: 9464 });
  });

  it('names every bad variable and what it should be', () => {
    const error = (() => { try { loadConfig({ GRPC_PORT: 'abc', DB_POOL_MAX: '0', DB_RESILIENCE: 'maybe' }); } catch (e) { return e; } return undefined; })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/GRPC_PORT: .*\(got "abc"\)/);
    expect(message).toMatch(/DB_POOL_MAX: .*>=1/);
    expect(message).toMatch(/DB_RESILIENCE/);
  });

  it('never echoes a database URL back', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' })).toThrow(/DATABASE_URL: must start with postgresql:\/\//);
    try { loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/x' }); } catch (e) { expect((e as Error).message).not.toContain('hunter2'); }
  });

  it('accepts METRICS_PORT=off', () => {
    expect(loadConfig({ METRICS_PORT: 'off' }).METRICS_PORT).toBe('off');
  });
});

describe('redactUrl', () => {
  it('drops password and query', () => {
    expect(redactUrl('postgresql://app:s3cret@db.internal:5432/items?sslmode=require&password=x')).toBe('postgresql://app@db.internal:5432/items');
  });
});
