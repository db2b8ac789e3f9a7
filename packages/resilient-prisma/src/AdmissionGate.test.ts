import { describe, expect, it } from 'vitest';
import { AdmissionGate, AdmissionRejectedError } from './AdmissionGate.ts';

const later = (ms: number) => performance.now() + ms;
const never = new AbortController().signal;
const hold = (ms: number) => () => new Promise<number>((r) => setTimeout(() => r(ms), ms));

describe('AdmissionGate', () => {
  it('runs at most `limit` calls at once and hands slots over in arrival order', async () => {
    const gate = new AdmissionGate(2, 10);
    const order: number[] = [];
    let running = 0;
    let peak = 0;
    const work = (n: number) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      order.push(n);
      running -= 1;
    };
    await Promise.all(Array.from({ length: 6 }, (_, n) => gate.run(later(1_000), never, work(n))));
    expect(peak).toBe(2);
    expect(order.slice(2)).toEqual([2, 3, 4, 5]);
    expect(gate.active).toBe(0);
  });

  it('rejects at once when the queue is full', async () => {
    const gate = new AdmissionGate(1, 1);
    const first = gate.run(later(1_000), never, hold(20));
    const second = gate.run(later(1_000), never, hold(20));
    await expect(gate.run(later(1_000), never, hold(20))).rejects.toMatchObject({ code: 'ADMISSION_REJECTED', reason: 'queue-full' });
    await Promise.all([first, second]);
  });

  it('rejects at once a call whose deadline cannot hold the wait ahead of it', async () => {
    const gate = new AdmissionGate(1, 100);
    await gate.run(later(1_000), never, hold(50)); // learns that a call holds its slot ~50 ms
    const busy = [gate.run(later(1_000), never, hold(50)), gate.run(later(1_000), never, hold(50))];
    const started = performance.now();
    const rejected = await gate.run(later(60), never, hold(50)).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(AdmissionRejectedError);
    expect(rejected).toMatchObject({ reason: 'deadline' });
    expect(performance.now() - started).toBeLessThan(20);
    await Promise.all(busy);
  });

  it('a cancelled waiter leaves the queue at once and never runs', async () => {
    const gate = new AdmissionGate(1, 10);
    const busy = gate.run(later(1_000), never, hold(50));
    const controller = new AbortController();
    let ran = false;
    const waiting = gate.run(later(1_000), controller.signal, () => {
      ran = true;
      return Promise.resolve();
    });
    expect(gate.queued).toBe(1);
    controller.abort(new Error('cancelled by the client'));
    await expect(waiting).rejects.toThrow('cancelled by the client');
    expect(gate.queued).toBe(0);
    await busy;
    expect(ran).toBe(false);
  });

  it('a waiter whose deadline passes leaves by itself', async () => {
    const gate = new AdmissionGate(1, 10);
    const busy = gate.run(later(1_000), never, hold(100));
    await expect(gate.run(later(30), never, hold(1))).rejects.toMatchObject({ reason: 'deadline' });
    expect(gate.queued).toBe(0);
    await busy;
  });
});
