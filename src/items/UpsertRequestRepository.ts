import { createHash } from 'node:crypto';
import type { ScopedClientSource } from '@pos-masterdata/resilient-prisma';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { DomainError } from './DomainError.ts';

export interface StoredUpsert {
  readonly fingerprint: string;
  readonly response: unknown;
}

/** The memory of applied UpsertItem and UpsertStore request ids, written in the same transaction as the write. */
export class UpsertRequestRepository {
  readonly #scope: ScopedClientSource<PrismaClient>;

  constructor(scope: ScopedClientSource<PrismaClient>) {
    this.#scope = scope;
  }

  /**
   * What became of this request id before: the stored answer when it was applied to the same
   * `content` (a replay), nothing when it is new; a `request_reused` refusal for other content.
   * The fingerprint is for `record` once the new request is applied.
   */
  async previous(tenantId: string, requestId: string, content: unknown): Promise<{ fingerprint: string; response: unknown }> {
    const fingerprint = createHash('sha256').update(JSON.stringify(content)).digest('hex');
    const earlier = await this.find(tenantId, requestId);
    if (earlier && earlier.fingerprint !== fingerprint) {
      throw new DomainError(
        'request_reused',
        `request_id "${requestId}" was already used for a different request; use a new request_id for new content`,
      );
    }
    return { fingerprint, response: earlier?.response };
  }

  find(tenantId: string, requestId: string): Promise<StoredUpsert | null> {
    return this.#scope.db().upsertRequest.findUnique({
      where: { tenantId_requestId: { tenantId, requestId } },
      select: { fingerprint: true, response: true },
    });
  }

  /** `itemId` null: the request wrote a store. */
  async record(
    tenantId: string,
    requestId: string,
    fingerprint: string,
    itemId: bigint | null,
    response: Prisma.InputJsonValue,
  ): Promise<void> {
    await this.#scope.db().upsertRequest.create({ data: { tenantId, requestId, fingerprint, itemId, response } });
  }

  /**
   * Deletes up to `limit` records created before `cutoff`, oldest first, and says how many.
   * SKIP LOCKED: instances sweeping at the same time share the work instead of queueing on it.
   */
  async deleteOlderThan(cutoff: Date, limit: number): Promise<number> {
    return this.#scope.db().$executeRawUnsafe(
      `DELETE FROM upsert_request WHERE (tenant_id, request_id) IN (
         SELECT tenant_id, request_id FROM upsert_request WHERE created_at < $1 ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      cutoff,
      limit,
    );
  }
}
