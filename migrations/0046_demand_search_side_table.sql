-- The staff search vector of a demand leaves the demands row (decision 0040): a generated column computed
-- to_tsvector three times on every insert, 70% of what writing a demand cost, so an import of a million rows paid
-- for it row by row. Now it lives in a side table filled in batches by the index-demand-search job; a demand not
-- indexed yet is listed in demand_search_pending and searched by computing its vector on the fly (server/demands/
-- search.ts), so a demand is findable from the moment it is written.

-- What staff search in a demand, as 0045 defined it: protocol first, the citizen's description next, the address.
CREATE FUNCTION demand_search_vector(protocol text, description text, address text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('simple', protocol), 'A')
      || setweight(to_tsvector('pt_unaccent', coalesce(description, '')), 'B')
      || setweight(to_tsvector('pt_unaccent', coalesce(address, '')), 'C')
$$;

CREATE TABLE demand_search (
  demand_id bigint PRIMARY KEY REFERENCES demands (id) ON DELETE CASCADE,
  search tsvector NOT NULL
);

-- Demands written but not indexed yet. No foreign key (each would cost a lookup per imported row): the job drops
-- the ids of demands gone meanwhile, and the search joins demands anyway.
CREATE TABLE demand_search_pending (
  demand_id bigint PRIMARY KEY
);

-- Existing demands keep the vectors 0045 computed for them.
INSERT INTO demand_search (demand_id, search) SELECT id, search FROM demands;
CREATE INDEX demand_search_idx ON demand_search USING gin (search);
ALTER TABLE demands DROP COLUMN search;

-- Every insert, however it is written (intake, import, tests' SQL), lists its demands as pending: one set-based
-- statement per insert statement.
CREATE FUNCTION demands_search_enqueue() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO demand_search_pending (demand_id) SELECT id FROM new_demands ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
CREATE TRIGGER demands_search_enqueue AFTER INSERT ON demands
  REFERENCING NEW TABLE AS new_demands FOR EACH STATEMENT EXECUTE FUNCTION demands_search_enqueue();

-- A change of the searched text (an erasure's redaction, a corrected address) is indexed at once, so no old word
-- stays searchable. The pending row is deleted before the vector is written: the job takes them in the same order,
-- so the two wait for each other instead of deadlocking, and a job that read the old text never overwrites this.
CREATE FUNCTION demands_search_refresh() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM demand_search_pending WHERE demand_id = NEW.id;
  INSERT INTO demand_search (demand_id, search)
  VALUES (NEW.id, demand_search_vector(NEW.protocol, NEW.description, NEW.address))
  ON CONFLICT (demand_id) DO UPDATE SET search = excluded.search;
  RETURN NULL;
END
$$;
CREATE TRIGGER demands_search_refresh AFTER UPDATE OF protocol, description, address ON demands
  FOR EACH ROW
  WHEN (OLD.protocol IS DISTINCT FROM NEW.protocol OR OLD.description IS DISTINCT FROM NEW.description
        OR OLD.address IS DISTINCT FROM NEW.address)
  EXECUTE FUNCTION demands_search_refresh();
