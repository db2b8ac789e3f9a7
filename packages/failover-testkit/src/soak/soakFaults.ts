import { writeFile } from 'node:fs/promises';
import type { LocalFailoverCluster } from '../LocalFailoverCluster.ts';
import type { PgBouncer } from '../PgBouncer.ts';
import { withClient } from '../withClient.ts';
import type { SoakFault } from './soakTypes.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The faults a LocalFailoverCluster can suffer: a swap and a kill -9 (never at once with anything
 * else), and terminations, black holes and paused replay (which may overlap). `applicationPrefix`:
 * whose backends terminate-all kills (your service's application_name; default all but the kit's).
 */
export function clusterFaults(cluster: LocalFailoverCluster, options: { applicationPrefix?: string } = {}): SoakFault[] {
  return [
    { name: 'swap', inject: () => cluster.swap() },
    { name: 'kill-primary', inject: (holdMs) => cluster.killPrimary(holdMs), holdMs: [0, 1_500] },
    { name: 'terminate-all', inject: () => cluster.terminateAll(options.applicationPrefix ?? ''), overlaps: true, weight: 2 },
    { name: 'blackhole', inject: (holdMs) => cluster.blackhole(holdMs), overlaps: true, holdMs: [500, 2_500] },
    { name: 'pause-replay', inject: (holdMs) => cluster.pauseReplay(holdMs), overlaps: true, holdMs: [1_000, 5_000] },
  ];
}

/** `LOCK TABLE <table> IN ACCESS EXCLUSIVE MODE` held for the fault's hold: a migration, or a forgotten session. */
export function heldLockFault(adminUrl: () => string, table: string): SoakFault {
  return {
    name: 'held-lock',
    overlaps: true,
    holdMs: [500, 4_000],
    inject: (holdMs) =>
      withClient(adminUrl(), async (c) => {
        await c.query('BEGIN');
        await c.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
        await sleep(holdMs);
        await c.query('COMMIT');
      }),
  };
}

/**
 * PgBouncer's PAUSE for the fault's hold, then RESUME: what a switchover procedure or an operator
 * does. PAUSE waits for the transactions in flight; new ones wait in PgBouncer, not failing.
 */
export function pgbouncerPauseFault(bouncer: PgBouncer): SoakFault {
  return {
    name: 'pgbouncer-pause',
    overlaps: true,
    holdMs: [300, 2_500],
    inject: async (holdMs) => {
      await bouncer.pause();
      await sleep(holdMs);
      await bouncer.resume();
    },
  };
}

/**
 * The role's password changes, then the file your service reads it from (the order a Vault agent
 * or a Kubernetes secret update gives): connections made after it must use the new one.
 * `alsoTo`: whatever else logs in as the role and must follow (PgBouncer's `setPassword`).
 */
export function passwordRotationFault(options: {
  adminUrl: () => string;
  role: string;
  file: string;
  alsoTo?: (password: string) => Promise<void>;
}): SoakFault {
  let n = 0;
  // One rotation at a time: two ALTER ROLE at once fail ("tuple concurrently updated").
  let last = Promise.resolve();
  const rotate = async () => {
    n += 1;
    const password = `rotated-${String(Date.now())}-${String(n)}`;
    await withClient(options.adminUrl(), (c) => c.query(`ALTER ROLE "${options.role.replace(/"/g, '""')}" PASSWORD '${password}'`));
    await writeFile(options.file, `${password}\n`);
    await options.alsoTo?.(password);
  };
  return {
    name: 'rotate-password',
    overlaps: true,
    holdMs: [0, 0],
    inject: () => {
      last = last.catch(() => undefined).then(rotate);
      return last;
    },
  };
}
