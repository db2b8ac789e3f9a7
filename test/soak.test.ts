import { mkdirSync, writeFileSync } from 'node:fs';
import { randomSeed, soakReportHtml } from '@pos-masterdata/failover-testkit';
import { describe, expect, it } from 'vitest';
import { soakService } from '../harness/soak/soakService.ts';
import { soakSummary } from '../harness/soak/soakSummary.ts';

// The seeded fault soak, short: the service in its own process, every fault the soak knows drawn
// from a fixed seed and from a random one (printed, to replay a failure), the history checked
// against the database by the independent checker. `npm run soak -- --minutes 60` runs it longer.

const FIXED_SEED = 20261203;

describe('seeded fault soak of the item service (checked against the database)', () => {
  it.each([
    ['the fixed seed', FIXED_SEED, 100_000],
    ['a random seed', randomSeed(), 60_000],
  ])(
    '%s (%i): 0 violations, every fault injected, the service never restarted',
    async (_label, seed, durationMs) => {
      const { report, serviceSurvived } = await soakService({ seed, durationMs });
      console.log(`[soak] ${soakSummary(report, serviceSurvived).replace(/\n/g, '\n[soak] ')}`);
      mkdirSync('reports', { recursive: true });
      writeFileSync(`reports/soak-${String(seed)}.html`, soakReportHtml(report, `npm run soak -- --seed ${String(seed)}`));
      expect(report.violations, `replay: npm run soak -- --seed ${String(seed)} --minutes ${String(durationMs / 60_000)}`).toEqual([]);
      expect(report.faults.filter((f) => f.error !== undefined)).toEqual([]);
      expect(report.faults.length).toBeGreaterThanOrEqual(5);
      expect(report.outcomes.ok).toBeGreaterThan(200);
      expect(report.peakConnections).toBeGreaterThan(0);
      expect(serviceSurvived).toBe(true);
    },
    300_000,
  );
});
