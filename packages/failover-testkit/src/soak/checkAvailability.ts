import type { SoakCall, Violation } from './soakTypes.ts';

export interface AvailabilityRules {
  /** When each fault ran (ms after the soak's start). */
  readonly faults: readonly { readonly startedAt: number; readonly endedAt: number }[];
  /** Once the last fault has been over this long, every call must succeed (or be refused by design). */
  readonly recoveryMs: number;
  /** The longest the service may go without answering any call OK. */
  readonly maxOutageMs: number;
}

/** A call that counts against the service: not OK, and not refused as it refuses with no fault at all (a conflict). */
export function failedForAFault(call: SoakCall): boolean {
  return call.outcome !== 'ok' && call.byDesign !== true;
}

/** The longest stretch in which no call was answered OK: from the first call's start, between OK answers, to the last call's end. */
export function longestWithoutOk(calls: readonly SoakCall[]): { readonly from: number; readonly ms: number } {
  if (calls.length === 0) return { from: 0, ms: 0 };
  let from = calls.reduce((first, c) => Math.min(first, c.start), Number.POSITIVE_INFINITY);
  const last = calls.reduce((latest, c) => Math.max(latest, c.end), from);
  const oks = calls.filter((c) => c.outcome === 'ok').map((c) => c.end);
  oks.sort((a, b) => a - b);
  let longest = { from, ms: 0 };
  for (const end of [...oks, last]) {
    if (end - from > longest.ms) longest = { from, ms: end - from };
    from = Math.max(from, end);
  }
  return longest;
}

/**
 * A service that never fails a write wrongly but stopped serving passes every other rule: failed
 * calls are allowed. So it must answer OK at least every `maxOutageMs`, and once the faults are
 * over (`recoveryMs` after the last one ended) every call must succeed, or be refused as the
 * service refuses with no fault at all (`byDesign`: a conflict between two writers).
 */
export function checkAvailability(calls: readonly SoakCall[], rules: AvailabilityRules): Violation[] {
  const out: Violation[] = [];
  const gap = longestWithoutOk(calls);
  if (gap.ms > rules.maxOutageMs)
    out.push({
      kind: 'outage',
      at: gap.from,
      message: `no call was answered OK for ${String(Math.round(gap.ms))} ms from ${String(Math.round(gap.from))} ms (at most ${String(rules.maxOutageMs)} ms)`,
    });
  if (rules.faults.length === 0) return out;
  const calm = rules.faults.reduce((latest, f) => Math.max(latest, f.endedAt), 0) + rules.recoveryMs;
  const late = calls.filter((c) => c.start >= calm);
  const bad = late.filter(failedForAFault);
  const first = bad[0];
  if (late.length === 0)
    out.push({
      kind: 'not-recovered',
      message: `no call started ${String(rules.recoveryMs)} ms after the last fault ended: nothing shows the service recovered (settle longer)`,
    });
  else if (first !== undefined)
    out.push({
      kind: 'not-recovered',
      at: first.start,
      callId: first.id,
      message: `${String(bad.length)} of ${String(late.length)} calls started over ${String(rules.recoveryMs)} ms after the last fault ended were refused not by design (the first: ${first.error ?? 'no reason'})`,
    });
  return out;
}
