import { EventEmitter } from 'node:events';
import type { HostReport, HostTarget } from './probeHost.ts';

export interface ReplicaSetOptions {
  /** A standby further behind than this serves no reads until it catches up. */
  readonly maxLagMs: number;
  readonly intervalMs: number;
  /** The writer serves plain reads too (target_session_attrs=any). */
  readonly includeWriter?: boolean;
  readonly probe: (target: HostTarget) => Promise<HostReport>;
  /**
   * The writer's WAL position, asked when no host of the set is the writer (a read endpoint of
   * standbys only): without it a standby's lag would rest on its replay timestamp alone, which
   * grows on an idle writer although nothing is missing.
   */
  readonly writerPosition?: () => Promise<bigint | undefined>;
  /** The clock (tests move it by hand). */
  readonly now?: () => number;
}

/** Why a host serves no reads right now. */
export type Exclusion = 'writer' | 'unreachable' | 'lagging' | 'failed-call';

export interface HostStatus {
  readonly host: string;
  readonly role: 'writer' | 'standby' | 'unreachable';
  /** An upper bound on how stale the standby's data is; 0 when it has replayed everything the writer had. */
  readonly lagMs: number | undefined;
  readonly exclusion: Exclusion | undefined;
}

export interface ReplicaSetEvents {
  /** Every probe of every host (metrics keep the lag per host). */
  probed: [HostStatus];
  /** A host began or stopped serving reads. */
  changed: [HostStatus];
}

interface Tracked<T> {
  readonly target: HostTarget;
  readonly member: T;
  status: HostStatus;
  /** performance.now() when the standby last had everything the writer had (the bound on its staleness). */
  caughtUpAt: number;
  /** The WAL it had replayed at the last probe (replay only moves forward, so it has at least this now). */
  replayed: bigint;
}

/**
 * The standbys that may serve plain reads: each host is probed every interval (role, replay
 * position, age of the last replayed transaction); a standby serves while it is reachable and
 * less than `maxLagMs` behind, and a call that failed on it takes it out until a probe says
 * otherwise. With none eligible, `pick()` answers undefined and reads go to the writer: a missing
 * replica is never an error.
 */
export class ReplicaSet<T> {
  readonly events = new EventEmitter<ReplicaSetEvents>();
  readonly #hosts: Tracked<T>[];
  readonly #options: ReplicaSetOptions;
  #next = 0;
  #timer: NodeJS.Timeout | undefined;
  #round: Promise<void> | undefined;
  #writerLsn: { lsn: bigint; at: number } | undefined;

  constructor(targets: readonly HostTarget[], createMember: (target: HostTarget) => T, options: ReplicaSetOptions) {
    this.#options = options;
    this.#hosts = targets.map((target) => ({
      target,
      member: createMember(target),
      status: { host: target.label, role: 'unreachable', lagMs: undefined, exclusion: 'unreachable' },
      caughtUpAt: Number.NEGATIVE_INFINITY,
      replayed: 0n,
    }));
  }

  get members(): T[] {
    return this.#hosts.map((h) => h.member);
  }

  get statuses(): HostStatus[] {
    return this.#hosts.map((h) => h.status);
  }

  /** Probes once (so the first reads can already use standbys), then every interval. */
  async start(): Promise<void> {
    await this.probe();
    const tick = () => {
      this.#timer = setTimeout(() => void this.probe().finally(tick), this.#options.intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * The next eligible standby's member, round robin; undefined when none is eligible. With
   * `replayedAtLeast` (a read-your-writes position), only a standby known to have replayed it.
   */
  pick(replayedAtLeast?: bigint): { member: T; host: string } | undefined {
    const eligible = this.#hosts.filter(
      (h) => h.status.exclusion === undefined && (replayedAtLeast === undefined || h.replayed >= replayedAtLeast),
    );
    if (eligible.length === 0) return undefined;
    this.#next = (this.#next + 1) % eligible.length;
    const chosen = eligible[this.#next] as Tracked<T>;
    return { member: chosen.member, host: chosen.target.label };
  }

  /** A call failed on this host's connections: no reads for it until a probe finds it well. */
  suspect(host: string): void {
    const tracked = this.#hosts.find((h) => h.target.label === host);
    if (!tracked || tracked.status.exclusion !== undefined) return;
    this.#set(tracked, { ...tracked.status, exclusion: 'failed-call' });
  }

  /** One round: every host at once (a round never overlaps the previous one). */
  probe(): Promise<void> {
    this.#round ??= this.#probeAll().finally(() => {
      this.#round = undefined;
    });
    return this.#round;
  }

  async #probeAll(): Promise<void> {
    const reports = await Promise.all(this.#hosts.map((h) => this.#options.probe(h.target)));
    const found = reports.find((r) => r.state === 'writable')?.lsn;
    // Asked after the standbys: a standby measured before the writer is judged against a writer
    // position no older than its own measurement.
    const writerLsn = found ?? (await this.#options.writerPosition?.().catch(() => undefined));
    const now = (this.#options.now ?? performance.now.bind(performance))();
    const previous = this.#writerLsn;
    if (writerLsn !== undefined) this.#writerLsn = { lsn: writerLsn, at: now };
    reports.forEach((report, i) => {
      const tracked = this.#hosts[i] as Tracked<T>;
      // The writer (a member only with target_session_attrs=any) has every position.
      if (report.state !== 'unreachable') tracked.replayed = report.state === 'writable' ? 2n ** 64n : report.lsn;
      const status = this.#status(tracked, report, now, writerLsn, previous);
      this.events.emit('probed', status);
      this.#set(tracked, status);
    });
  }

  #status(
    tracked: Tracked<T>,
    report: HostReport,
    now: number,
    writerLsn: bigint | undefined,
    previous: { lsn: bigint; at: number } | undefined,
  ): HostStatus {
    const host = tracked.target.label;
    if (report.state === 'unreachable') return { host, role: 'unreachable', lagMs: undefined, exclusion: 'unreachable' };
    if (report.state === 'writable')
      return { host, role: 'writer', lagMs: 0, exclusion: this.#options.includeWriter === true ? undefined : 'writer' };
    // No writer in sight (a failover, or the writer black-holed): nothing newer can be read
    // anywhere, and a standby is the only place a read can still succeed, so the standby keeps
    // the standing it had. Dropping it here would send every read to a writer that does not answer.
    if (writerLsn === undefined && tracked.status.role === 'standby')
      return { ...tracked.status, exclusion: tracked.status.exclusion === 'failed-call' ? undefined : tracked.status.exclusion };
    // Caught up with what the writer had in this round (or the previous one): stale by at most
    // the time since.
    if (writerLsn !== undefined && report.lsn >= writerLsn) tracked.caughtUpAt = now;
    else if (previous !== undefined && report.lsn >= previous.lsn) tracked.caughtUpAt = Math.max(tracked.caughtUpAt, previous.at);
    const sinceCaughtUp = now - tracked.caughtUpAt;
    const lagMs = Math.round(Math.min(sinceCaughtUp, report.replayAgeMs ?? Number.POSITIVE_INFINITY));
    const known = Number.isFinite(lagMs) ? lagMs : undefined;
    return {
      host,
      role: 'standby',
      lagMs: known,
      exclusion: known !== undefined && known <= this.#options.maxLagMs ? undefined : 'lagging',
    };
  }

  #set(tracked: Tracked<T>, status: HostStatus): void {
    const before = tracked.status;
    tracked.status = status;
    if (before.exclusion !== status.exclusion) this.events.emit('changed', status);
  }
}
