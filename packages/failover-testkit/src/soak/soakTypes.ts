/** One kind of fault the soak may inject: a swap, a black hole, your own held lock… */
export interface SoakFault {
  /** How the schedule, the report and the replay name it: `swap`, `kill-primary`, `rotate-password`. */
  readonly name: string;
  /** Injects the fault, holds it `holdMs` where that means something, heals it; resolves once it is over. */
  readonly inject: (holdMs: number) => Promise<void>;
  /** May start while another fault that overlaps is under way (a black hole during a burst); default false. */
  readonly overlaps?: boolean;
  /** How often it is drawn, relative to the others; default 1. */
  readonly weight?: number;
  /** The range its hold is drawn from; default [500, 3000] ms. */
  readonly holdMs?: readonly [number, number];
}

/** One fault of the schedule, as drawn from the seed. */
export interface SoakStep {
  readonly index: number;
  /** Planned start, ms after the soak's start (a step that does not overlap waits for the ones running). */
  readonly at: number;
  readonly fault: string;
  readonly holdMs: number;
  /** Drawn to start while the previous fault still runs. */
  readonly overlapping: boolean;
}

/** What a call's caller can know: answered OK, refused (nothing written), or no knowing. */
export type CallOutcome = 'ok' | 'failed' | 'unknown';

/** One call of the history, as the caller saw it. */
export interface SoakCall {
  readonly id: number;
  readonly worker: number;
  readonly op: 'write' | 'read';
  readonly key: string;
  /** A write's idempotency key, unique in the soak. */
  readonly writeId?: string;
  /** A read sent with the read-your-writes token of this acknowledged write. */
  readonly readAfter?: { readonly writeId: string; readonly version: number };
  /** ms after the soak's start */
  readonly start: number;
  readonly end: number;
  readonly outcome: CallOutcome;
  /** The version written (an acknowledged write) or seen (a read). */
  readonly version?: number;
  /** What refused it, for the report (a status and its message). */
  readonly error?: string;
  /** Refused as your service refuses with no fault at all (a conflict): not held against its recovery. */
  readonly byDesign?: boolean;
}

/** One key as the database holds it: its version, and every write applied to it with the version it made. */
export interface KeyState {
  readonly version: number;
  readonly writes: ReadonlyMap<string, number>;
}

/** Every key of the workload, read from the database itself, not through your service. */
export type SoakState = ReadonlyMap<string, KeyState>;

/**
 * Your service's calls, as the soak drives them. Keys exist before the soak (create them first);
 * every write bumps its key's version by one and is recorded under its idempotency key.
 */
export interface SoakWorkload {
  readonly keys: readonly string[];
  /** Writes `key` with this idempotency key; resolves with the version written and, if your service gives one, a read-your-writes token. */
  write(key: string, writeId: string): Promise<{ readonly version: number; readonly token?: string | undefined }>;
  /** Reads `key`, after the write that gave `token` when one is given. */
  read(key: string, token: string | undefined): Promise<{ readonly version: number }>;
  /** A rejected write: `failed` only if your service's answer promises nothing was written. */
  outcomeOf(error: unknown): 'failed' | 'unknown';
  /**
   * A refusal your service gives with no fault at all (two writers of one key: a conflict), so
   * that calls refused so once the faults are over do not count as a service that has not
   * recovered. Default: none is.
   */
  refusedByDesign?(error: unknown): boolean;
  /** The database's own view of every key (plain SQL, independent of the layer under test). */
  inspect(): Promise<SoakState>;
}

export type ViolationKind =
  'lost' | 'failed-but-committed' | 'applied-twice' | 'went-back' | 'stale-token-read' | 'over-ceiling' | 'outage' | 'not-recovered';

export interface Violation {
  readonly kind: ViolationKind;
  readonly message: string;
  /** ms after the soak's start */
  readonly at?: number;
  readonly callId?: number;
}
