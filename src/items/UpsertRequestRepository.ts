import type { ScopedClientSource } from '../db/DbScope.ts';
import type { Prisma } from '../generated/prisma/client.ts';

export interface StoredUpsert {
  readonly fingerprint: string;
  readonly response: unknown;
}

/** The memory of applied UpsertItem and UpsertStore request ids, written in the same transaction as the write. */
export class UpsertRequestRepository {
  readonly #scope: ScopedClientSource;

  constructor(scope: ScopedClientSource) {
    this.#scope = scope;
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
