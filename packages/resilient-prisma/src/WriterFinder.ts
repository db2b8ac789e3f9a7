import { hostLabel, type DatabaseEndpoint } from './DatabaseEndpoint.ts';
import { classifyDbError } from './classifyDbError.ts';
import { probeHost, type HostReport, type HostTarget } from './probeHost.ts';

/** Every host answered, and none of them is writable: a failover is in progress (or nobody was promoted). */
export class NoWritableHostError extends Error {
  override readonly name = 'NoWritableHostError';
  // Classified read_only: retry once the writer is back, probe health, no breaker.
  readonly code = 'READ_ONLY_SERVER';
}

/**
 * Finds the host that is the writer now: asks every host at once, on fresh connections bounded by
 * `timeoutMs`, and answers with the first that is writable without waiting for the others.
 *
 * A host that did not answer last time (black-holed, frozen) is still asked, but nobody waits
 * for it: with every other host answered read-only the search fails at once, and the next one
 * starts as soon as the caller asks (during a failover, the moment a standby is promoted). At most
 * one question per host is in flight, so a frozen host does not collect a socket per search.
 */
export class WriterFinder {
  readonly #targets: readonly HostTarget[];
  readonly #timeoutMs: number;
  readonly #pending = new Map<string, Promise<HostReport>>();
  readonly #silent = new Set<string>();

  constructor(targets: readonly HostTarget[], timeoutMs: number) {
    this.#targets = targets;
    this.#timeoutMs = timeoutMs;
  }

  find(): Promise<HostTarget> {
    const failures: unknown[] = [];
    let standbys = 0;
    return new Promise<HostTarget>((resolve, reject) => {
      // Hosts whose answer is awaited; those silent last time are asked but not awaited.
      let awaited = this.#targets.filter((t) => !this.#silent.has(t.label)).length || this.#targets.length;
      const all = awaited === this.#targets.length;
      const settle = (waitedFor: boolean) => {
        if (!waitedFor) return;
        awaited -= 1;
        if (awaited > 0) return;
        // A refusal of this service (authentication, TLS) tells the operator most, then "only standbys", then "nobody answered".
        const refusal = failures.find((e) => classifyDbError(e).hint !== undefined);
        if (refusal !== undefined) reject(asError(refusal));
        else if (standbys > 0)
          reject(
            new NoWritableHostError(
              `no writable host among ${this.#targets.map((t) => t.label).join(', ')}: ${standbys} answered as read-only (a failover in progress?)`,
            ),
          );
        else reject(asError(failures[0] ?? 'no database host answered in time'));
      };
      if (this.#targets.length === 0) reject(new Error('no database host configured'));
      for (const target of this.#targets) {
        const waitedFor = all || !this.#silent.has(target.label);
        void this.#ask(target).then((report) => {
          if (report.state === 'writable') resolve(target);
          else if (report.state === 'read-only') standbys += 1;
          else failures.push(report.error);
          settle(waitedFor);
        });
      }
    });
  }

  #ask(target: HostTarget): Promise<HostReport> {
    let pending = this.#pending.get(target.label);
    if (!pending) {
      const started = performance.now();
      pending = probeHost(target, this.#timeoutMs).then((report) => {
        this.#pending.delete(target.label);
        // Silent: no answer at all within the bound (a refusal is an answer).
        if (report.state === 'unreachable' && performance.now() - started >= this.#timeoutMs) this.#silent.add(target.label);
        else this.#silent.delete(target.label);
        return report;
      });
      this.#pending.set(target.label, pending);
    }
    return pending;
  }
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** The writer's single-host URL, for one-off work at start (migrations, seeding); a single host as it is. */
export async function writerUrl(endpoint: DatabaseEndpoint, timeoutMs = 5_000): Promise<string> {
  if (!endpoint.multiHost) return endpoint.primaryUrl;
  const targets = endpoint.hosts.map((host) => ({ host, label: hostLabel(host), config: { connectionString: endpoint.urlFor(host) } }));
  const writer = await new WriterFinder(targets, timeoutMs).find();
  return endpoint.urlFor(writer.host);
}
