-- UpsertStore shares the idempotency records of UpsertItem (one request_id space per tenant);
-- its records belong to no item.
ALTER TABLE "upsert_request" ALTER COLUMN "item_id" DROP NOT NULL;
