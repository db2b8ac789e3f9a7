-- Every UPDATE that changes an item raises its version by one, whatever the writer sent. The
-- change notification (item_change_notify, an AFTER trigger: it sees the raised version) and
-- every cache trust the version, so a writer that leaves it alone (a SQL tool, a script) must
-- not be able to change an item unseen. The service's own optimistic write (WHERE version =
-- expected, SET version = version + 1) gets exactly the number it asked for, so expected_version
-- keeps its meaning. An UPDATE that changes nothing keeps the version: there is nothing to see.
CREATE OR REPLACE FUNCTION masterdata_item_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.version := OLD.version;
  IF NEW IS DISTINCT FROM OLD THEN
    NEW.version := OLD.version + 1;
  END IF;
  RETURN NEW;
END;
$$;

CREATE TRIGGER item_version_on_update
  BEFORE UPDATE ON "item"
  FOR EACH ROW EXECUTE FUNCTION masterdata_item_version();
