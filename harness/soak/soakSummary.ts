import type { SoakReport } from '@pos-masterdata/failover-testkit';

/** The soak's figures as a few lines of text: for the console, the test log and the README. */
export function soakSummary(report: SoakReport, serviceSurvived: boolean): string {
  const kinds = Object.entries(report.faultsByKind)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${String(n)}`)
    .join(', ');
  const recoveries = report.faults.map((f) => f.firstSuccessMs).filter((ms): ms is number => ms !== undefined);
  const worst = recoveries.length === 0 ? 0 : Math.max(...recoveries);
  const injectErrors = report.faults.filter((f) => f.error !== undefined);
  const byKind: Record<string, number> = {};
  for (const v of report.violations) byKind[v.kind] = (byKind[v.kind] ?? 0) + 1;
  return [
    `seed ${String(report.seed)}, ${String(Math.round(report.durationMs / 1000))} s`,
    `faults ${String(report.faults.length)}: ${kinds}${
      injectErrors.length > 0
        ? ` (${String(injectErrors.length)} could not be injected: ${injectErrors
            .map((f) => f.error ?? '')
            .join('; ')
            .slice(0, 300)})`
        : ''
    }`,
    `calls ${String(report.calls.length)}: ok ${String(report.outcomes.ok)}, failed ${String(report.outcomes.failed)}, unknown ${String(report.outcomes.unknown)}; writes of unknown outcome ${String(report.unknownWrites.total)} (stored ${String(report.unknownWrites.stored)})`,
    `not ok by answer: ${Object.entries(report.failures)
      .slice(0, 6)
      .map(([text, n]) => `${String(n)} × ${text}`)
      .join(' | ')}`,
    `first success after a fault: worst ${String(Math.round(worst))} ms; longest without an OK answer ${String(Math.round(report.longestWithoutOk.ms))} ms; connections at most ${String(report.peakConnections ?? '–')} (ceiling ${String(report.ceiling ?? '–')})`,
    `violations ${String(report.violations.length)}${
      report.violations.length > 0
        ? ` ${JSON.stringify(byKind)}: ${report.violations
            .slice(0, 5)
            .map((v) => v.message)
            .join(' | ')}`
        : ''
    }; service ${serviceSurvived ? 'ran throughout' : 'DID NOT SURVIVE'}`,
  ].join('\n');
}
