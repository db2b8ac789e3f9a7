import { describe, expect, it } from 'vitest';
import { classifyDbError } from './classifyDbError.ts';
import { CircuitOpenError, DatabaseBreaker } from './DatabaseBreaker.ts';
import { DbFailure } from './DbFailure.ts';

const refused = () =>
  Promise.reject(new DbFailure(classifyDbError({ code: 'ECONNREFUSED' }), { phase: 'work', retryable: false, cause: null }));
const lost = () => Promise.reject(new DbFailure(classifyDbError({ code: '57P01' }), { phase: 'work', retryable: false, cause: null }));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DatabaseBreaker', () => {
  it('stays closed through a blip: failures must last openAfterMs', async () => {
    const breaker = new DatabaseBreaker({ openAfterMs: 200, halfOpenAfterMs: 50 });
    for (let i = 0; i < 10; i++) await expect(breaker.execute(refused)).rejects.toBeInstanceOf(DbFailure);
    expect(breaker.isOpen).toBe(false);
    await breaker.execute(() => Promise.resolve(1));
    await sleep(210);
    await expect(breaker.execute(refused)).rejects.toBeInstanceOf(DbFailure);
    expect(breaker.isOpen).toBe(false); // the success reset the clock
  });

  it('opens after an outage, fails fast, then one probe call closes it', async () => {
    const breaker = new DatabaseBreaker({ openAfterMs: 100, halfOpenAfterMs: 50 });
    const events: string[] = [];
    breaker.events.on('open', (e) => events.push(`open:${e.by}`));
    breaker.events.on('close', () => events.push('close'));
    await expect(breaker.execute(refused)).rejects.toBeInstanceOf(DbFailure);
    await sleep(110);
    await expect(breaker.execute(refused)).rejects.toBeInstanceOf(DbFailure);
    await expect(breaker.execute(refused)).rejects.toBeInstanceOf(DbFailure);
    expect(breaker.isOpen).toBe(true);
    let touched = false;
    await expect(
      breaker.execute(() => {
        touched = true;
        return Promise.resolve();
      }),
    ).rejects.toBeInstanceOf(CircuitOpenError);
    expect(touched).toBe(false);
    await sleep(60);
    await breaker.execute(() => Promise.resolve('probe'));
    expect(breaker.isOpen).toBe(false);
    expect(events).toEqual(['open:calls', 'close']);
  });

  it('a lost connection (failover) never counts towards opening it', async () => {
    const breaker = new DatabaseBreaker({ openAfterMs: 0, halfOpenAfterMs: 50 });
    for (let i = 0; i < 10; i++) await expect(breaker.execute(lost)).rejects.toBeInstanceOf(DbFailure);
    expect(breaker.isOpen).toBe(false);
  });

  it('is opened and closed by the health monitor', async () => {
    const breaker = new DatabaseBreaker({ openAfterMs: 50, halfOpenAfterMs: 1_000 });
    breaker.report(false);
    expect(breaker.isOpen).toBe(false);
    await sleep(60);
    breaker.report(false);
    expect(breaker.isOpen).toBe(true);
    await expect(breaker.execute(() => Promise.resolve(1))).rejects.toBeInstanceOf(CircuitOpenError);
    breaker.report(true);
    expect(breaker.isOpen).toBe(false);
    await expect(breaker.execute(() => Promise.resolve(1))).resolves.toBe(1);
  });
});
