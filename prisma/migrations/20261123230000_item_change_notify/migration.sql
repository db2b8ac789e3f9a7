-- Every change to an item is announced on channel masterdata_item when its transaction commits
-- (NOTIFY is transactional), whoever made it: each service instance drops its cached copy.
-- Payload: tenant_id, store_code, item_code, version (0: deleted), separated by tabs.
CREATE OR REPLACE FUNCTION masterdata_item_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pg_notify('masterdata_item', OLD.tenant_id || E'\t' || OLD.store_code || E'\t' || OLD.item_code || E'\t0');
    RETURN OLD;
  END IF;
  IF TG_OP = 'UPDATE' AND (OLD.tenant_id, OLD.store_code, OLD.item_code) IS DISTINCT FROM (NEW.tenant_id, NEW.store_code, NEW.item_code) THEN
    PERFORM pg_notify('masterdata_item', OLD.tenant_id || E'\t' || OLD.store_code || E'\t' || OLD.item_code || E'\t0');
  END IF;
  PERFORM pg_notify('masterdata_item', NEW.tenant_id || E'\t' || NEW.store_code || E'\t' || NEW.item_code || E'\t' || NEW.version);
  RETURN NEW;
END;
$$;

CREATE TRIGGER item_change_notify
  AFTER INSERT OR UPDATE OR DELETE ON "item"
  FOR EACH ROW EXECUTE FUNCTION masterdata_item_notify();
