import { mkdirSync, writeFileSync } from 'node:fs';
import { pgbouncerAvailable, randomSeed, soakReportHtml } from '@pos-masterdata/failover-testkit';
import { describe, expect, it } from 'vitest';
import { soakReplay } from '../harness/soak/soakReplay.ts';
import { soakService } from '../harness/soak/soakService.ts';
import { soakSummary } from '../harness/soak/soakSummary.ts';

// The seeded fault soak, short: the service in its own process, every fault the soak knows drawn
// from a fixed seed and from random ones (printed, to replay a failure), directly and with the
// writer behind PgBouncer, the history checked against the database by the independent checker.
// `npm run soak -- --minutes 60` runs it longer.

const FIXED_SEED = 20261203;
// Debian's pgbouncer: CI installs it (and test/pgbouncer.test.ts fails there without it).
const withPgBouncer = (await pgbouncerAvailable()) || process.env.CI === 'true';

describe('seeded fault soak of the item service (checked against the database)', () => {
  const runs: [label: string, seed: number, durationMs: number, pgbouncer: boolean][] = [
    ['the fixed seed', FIXED_SEED, 100_000, false],
    ['a random seed', randomSeed(), 60_000, false],
  ];
  if (withPgBouncer) runs.push(['a random seed behind PgBouncer', randomSeed(), 60_000, true]);
  it.each(runs)(
    '%s (%i): 0 violations, every fault injected, the service never restarted',
    async (_label, seed, durationMs, pgbouncer) => {
      const { report, serviceSurvived } = await soakService({ seed, durationMs, pgbouncer });
      console.log(`[soak] ${soakSummary(report, serviceSurvived).replace(/\n/g, '\n[soak] ')}`);
      const replay = soakReplay(seed, durationMs / 60_000, { pgbouncer });
      mkdirSync('reports', { recursive: true });
      writeFileSync(`reports/soak-${String(seed)}.html`, soakReportHtml(report, replay));
      expect(report.violations, `replay: ${replay}`).toEqual([]);
      expect(report.faults.filter((f) => f.error !== undefined)).toEqual([]);
      expect(report.faults.length).toBeGreaterThanOrEqual(5);
      expect(report.outcomes.ok).toBeGreaterThan(200);
      expect(report.peakConnections).toBeGreaterThan(0);
      expect(serviceSurvived).toBe(true);
    },
    300_000,
  );
});
