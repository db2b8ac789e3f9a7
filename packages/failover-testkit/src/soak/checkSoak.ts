import { checkAvailability, type AvailabilityRules } from './checkAvailability.ts';
import type { KeyState, SoakCall, SoakState, Violation } from './soakTypes.ts';

export interface SoakEvidence {
  readonly calls: readonly SoakCall[];
  /** The database before the first call, and after the last one settled. */
  readonly before: SoakState;
  readonly after: SoakState;
  /** Connections counted on the server (pg_stat_activity), with when. */
  readonly connections?: readonly { readonly at: number; readonly count: number }[];
  readonly ceiling?: number | undefined;
  /** When the faults ran and how soon the service must serve again; without them, availability is not checked. */
  readonly availability?: AvailabilityRules;
}

/**
 * The checker, independent of the layer under test: it reads only the callers' history and the
 * database's own state. Every acknowledged write is stored, once, with the version it was answered
 * with; no write answered "failed" is stored; each key's version went up by exactly the writes
 * stored; what a caller saw never goes back (acknowledged writes, and reads with a token, in real
 * time); a token read sees its write; connections stay under the ceiling; the service answered OK
 * at least every `maxOutageMs` and every call once the faults had been over `recoveryMs`.
 */
export function checkSoak(evidence: SoakEvidence): Violation[] {
  const violations: Violation[] = [];
  const { calls, before, after } = evidence;
  for (const call of calls) {
    if (call.op !== 'write' || call.writeId === undefined) continue;
    const stored = after.get(call.key)?.writes.get(call.writeId);
    if (call.outcome === 'ok' && stored === undefined)
      violations.push({
        kind: 'lost',
        at: call.end,
        callId: call.id,
        message: `write ${call.writeId} to ${call.key} was acknowledged (version ${String(call.version)}) but is not stored`,
      });
    else if (call.outcome === 'ok' && stored !== call.version)
      violations.push({
        kind: 'lost',
        at: call.end,
        callId: call.id,
        message: `write ${call.writeId} to ${call.key} was answered version ${String(call.version)}, the database holds it as version ${String(stored)}`,
      });
    if (call.outcome === 'failed' && stored !== undefined)
      violations.push({
        kind: 'failed-but-committed',
        at: call.end,
        callId: call.id,
        message: `write ${call.writeId} to ${call.key} was answered failed (${call.error ?? 'no reason'}) but is stored as version ${String(stored)}`,
      });
  }
  for (const [key, state] of after) violations.push(...appliedOnce(key, before.get(key), state));
  violations.push(...neverBack(calls));
  for (const call of calls) {
    if (call.op === 'read' && call.outcome === 'ok' && call.readAfter !== undefined && (call.version ?? 0) < call.readAfter.version)
      violations.push({
        kind: 'stale-token-read',
        at: call.start,
        callId: call.id,
        message: `a read of ${call.key} with the token of version ${String(call.readAfter.version)} saw version ${String(call.version)}`,
      });
  }
  if (evidence.availability) violations.push(...checkAvailability(calls, evidence.availability));
  const { ceiling } = evidence;
  if (ceiling !== undefined)
    for (const sample of evidence.connections ?? [])
      if (sample.count > ceiling)
        violations.push({
          kind: 'over-ceiling',
          at: sample.at,
          message: `${String(sample.count)} connections on the server, over the ceiling of ${String(ceiling)}`,
        });
  return violations;
}

/** Each key went up by exactly the writes stored during the soak, each with a version of its own. */
function appliedOnce(key: string, was: KeyState | undefined, now: KeyState): Violation[] {
  const base = was?.version ?? 0;
  const versions = [...now.writes].filter(([id]) => was?.writes.has(id) !== true).map(([, v]) => v);
  const distinct = new Set(versions);
  const out: Violation[] = [];
  if (distinct.size !== versions.length) out.push({ kind: 'applied-twice', message: `${key}: two stored writes carry the same version` });
  if (now.version - base !== versions.length)
    out.push({
      kind: 'applied-twice',
      message: `${key}: the version went from ${String(base)} to ${String(now.version)}, but ${String(versions.length)} writes are stored (a write applied twice, or one applied unrecorded)`,
    });
  if (versions.some((v) => v <= base || v > now.version))
    out.push({
      kind: 'applied-twice',
      message: `${key}: a stored write carries a version outside ${String(base + 1)}..${String(now.version)}`,
    });
  return out;
}

/**
 * For each key, what was seen never goes back: a call that started after another one ended (an
 * acknowledged write, or a token read) sees at least that version, and a write makes a newer one.
 * Plain reads may be served by a standby behind the writer: they are not held to it.
 */
function neverBack(calls: readonly SoakCall[]): Violation[] {
  const seen = calls.filter((c) => c.outcome === 'ok' && c.version !== undefined && (c.op === 'write' || c.readAfter !== undefined));
  const byKey = new Map<string, SoakCall[]>();
  for (const c of seen) {
    const list = byKey.get(c.key);
    if (list) list.push(c);
    else byKey.set(c.key, [c]);
  }
  const out: Violation[] = [];
  for (const [key, list] of byKey) {
    const byEnd = [...list].sort((a, b) => a.end - b.end);
    const byStart = [...list].sort((a, b) => a.start - b.start);
    let i = 0;
    let highest = Number.NEGATIVE_INFINITY;
    let highestCall: SoakCall | undefined;
    for (const call of byStart) {
      while (i < byEnd.length && (byEnd[i]?.end ?? Infinity) < call.start) {
        const done = byEnd[i];
        if (done?.version !== undefined && done.version > highest) {
          highest = done.version;
          highestCall = done;
        }
        i += 1;
      }
      const version = call.version ?? 0;
      const back = call.op === 'write' ? version <= highest : version < highest;
      if (back)
        out.push({
          kind: 'went-back',
          at: call.start,
          callId: call.id,
          message: `${key}: call ${String(call.id)} (${call.op}) saw version ${String(version)} after call ${String(highestCall?.id)} had seen ${String(highest)}`,
        });
    }
  }
  return out;
}
