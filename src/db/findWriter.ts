import { hostLabel, type DatabaseEndpoint } from '../config/DatabaseEndpoint.ts';
import { classifyDbError } from './classifyDbError.ts';
import { probeHost, type HostTarget } from './probeHost.ts';

/** Every host answered, and none of them is writable: a failover is in progress (or nobody was promoted). */
export class NoWritableHostError extends Error {
  override readonly name = 'NoWritableHostError';
  // Classified read_only: retry once the writer is back, probe health, no breaker.
  readonly code = 'READ_ONLY_SERVER';
}

/**
 * Finds the host that is the writer now: asks every host at once, on fresh connections bounded by
 * `timeoutMs`, and returns the first that is writable without waiting for the others (a
 * black-holed host costs nothing while another answers). With no writer it throws what tells the
 * operator most: a refusal of this service (authentication, TLS) before "only standbys" before
 * "nobody answered".
 */
export async function findWriter(targets: readonly HostTarget[], timeoutMs: number): Promise<HostTarget> {
  const failures: unknown[] = [];
  let standbys = 0;
  return new Promise<HostTarget>((resolve, reject) => {
    let pending = targets.length;
    const settle = () => {
      pending -= 1;
      if (pending > 0) return;
      const refusal = failures.find((e) => classifyDbError(e).hint !== undefined);
      if (refusal !== undefined) reject(asError(refusal));
      else if (standbys > 0) reject(new NoWritableHostError(`no writable host among ${targets.map((t) => t.label).join(', ')}: ${standbys} answered as read-only (a failover in progress?)`));
      else reject(asError(failures[0] ?? 'no database host configured'));
    };
    if (targets.length === 0) settle();
    for (const target of targets) {
      void probeHost(target, timeoutMs).then((report) => {
        if (report.state === 'writable') resolve(target);
        else if (report.state === 'read-only') standbys += 1;
        else failures.push(report.error);
        settle();
      });
    }
  });
}

const asError = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** The writer's single-host URL, for one-off work at start (migrations, seeding); a single host as it is. */
export async function writerUrl(endpoint: DatabaseEndpoint, timeoutMs = 5_000): Promise<string> {
  if (!endpoint.multiHost) return endpoint.primaryUrl;
  const targets = endpoint.hosts.map((host) => ({ host, label: hostLabel(host), config: { connectionString: endpoint.urlFor(host) } }));
  const writer = await findWriter(targets, timeoutMs);
  return endpoint.urlFor(writer.host);
}
