// npm run soak — a seeded fault soak of the item service (in a process of its own) on a local
// primary and standby: swaps, kill -9, terminations, black holes, paused replay, held locks,
// bursts, password and certificate rotation, drawn from the seed; an independent check of every
// call against the database. Writes reports/soak.html; exits 1 on any violation.
//   npm run soak -- --minutes 60            a random seed, printed
//   npm run soak -- --seed 20261203         replay a run
//   npm run soak -- --pgbouncer             the writer behind PgBouncer, PAUSE/RESUME among the faults
//   npm run soak -- --resilience-off        the same service with DB_RESILIENCE=off: what the checker finds without the layer
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { randomSeed, soakReportHtml } from '@pos-masterdata/failover-testkit';
import { soakReplay } from '../harness/soak/soakReplay.ts';
import { soakService } from '../harness/soak/soakService.ts';
import { soakSummary } from '../harness/soak/soakSummary.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '5' },
    seed: { type: 'string' },
    pgbouncer: { type: 'boolean', default: false },
    'resilience-off': { type: 'boolean', default: false },
    out: { type: 'string', default: 'reports/soak.html' },
  },
});
const minutes = Number(values.minutes);
const seed = values.seed === undefined ? randomSeed() : Number(values.seed);
if (!Number.isFinite(minutes) || minutes <= 0 || !Number.isInteger(seed)) {
  console.error('--minutes must be a positive number and --seed a whole number');
  process.exit(2);
}
const replay = soakReplay(seed, minutes, { pgbouncer: values.pgbouncer, resilience: !values['resilience-off'] });
console.error(`soak: seed ${String(seed)}, ${String(minutes)} min (replay: ${replay})`);
let lastLine = performance.now();
const { report, serviceSurvived } = await soakService({
  seed,
  durationMs: minutes * 60_000,
  pgbouncer: values.pgbouncer,
  resilience: !values['resilience-off'],
  onProgress: (line) => {
    if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(70)}`);
    else if (performance.now() - lastLine > 60_000 && !line.startsWith('fault')) {
      // A log (CI, nohup): a line a minute.
      lastLine = performance.now();
      console.error(line);
    }
  },
});
if (process.stderr.isTTY) process.stderr.write('\n');
console.log(soakSummary(report, serviceSurvived));
mkdirSync('reports', { recursive: true });
writeFileSync(values.out, soakReportHtml(report, replay));
// The report without the history of every call and every connection sample, for a script to read.
writeFileSync(
  `${values.out.replace(/\.html$/, '')}.json`,
  JSON.stringify({ ...report, calls: report.calls.length, connections: report.connections.length, serviceSurvived, replay }, null, 1),
);
console.log(`wrote ${values.out} and its .json`);
process.exit(report.violations.length === 0 && serviceSurvived ? 0 : 1);
