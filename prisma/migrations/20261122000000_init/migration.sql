-- CreateTable
CREATE TABLE "store" (
    "tenant_id" VARCHAR(64) NOT NULL,
    "store_code" VARCHAR(64) NOT NULL,
    "name" VARCHAR(200) NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "store_pkey" PRIMARY KEY ("tenant_id","store_code")
);

-- CreateTable
CREATE TABLE "item" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" VARCHAR(64) NOT NULL,
    "store_code" VARCHAR(64) NOT NULL,
    "item_code" VARCHAR(64) NOT NULL,
    "barcode" VARCHAR(32),
    "description" VARCHAR(256) NOT NULL,
    "short_description" VARCHAR(40) NOT NULL,
    "unit_price" DECIMAL(12,4) NOT NULL,
    "unit_cost" DECIMAL(12,4),
    "tax_code" VARCHAR(16) NOT NULL,
    "category_code" VARCHAR(64),
    "active" BOOLEAN NOT NULL DEFAULT true,
    "discountable" BOOLEAN NOT NULL DEFAULT true,
    "sold_by_weight" BOOLEAN NOT NULL DEFAULT false,
    "minimum_age" SMALLINT,
    "version" INTEGER NOT NULL DEFAULT 1,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "item_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "upsert_request" (
    "tenant_id" VARCHAR(64) NOT NULL,
    "request_id" VARCHAR(128) NOT NULL,
    "fingerprint" CHAR(64) NOT NULL,
    "item_id" BIGINT NOT NULL,
    "response" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "upsert_request_pkey" PRIMARY KEY ("tenant_id","request_id")
);

-- CreateIndex
CREATE INDEX "item_tenant_id_store_code_category_code_idx" ON "item"("tenant_id", "store_code", "category_code");

-- CreateIndex
CREATE INDEX "item_tenant_id_barcode_idx" ON "item"("tenant_id", "barcode");

-- CreateIndex
CREATE UNIQUE INDEX "item_tenant_id_store_code_item_code_key" ON "item"("tenant_id", "store_code", "item_code");

-- CreateIndex
CREATE INDEX "upsert_request_created_at_idx" ON "upsert_request"("created_at");

-- AddForeignKey
ALTER TABLE "item" ADD CONSTRAINT "item_tenant_id_store_code_fkey" FOREIGN KEY ("tenant_id", "store_code") REFERENCES "store"("tenant_id", "store_code") ON DELETE RESTRICT ON UPDATE CASCADE;
