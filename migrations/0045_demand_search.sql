-- Staff full-text search over demands (decision 0037): PostgreSQL's own text search, in Portuguese, accents and case
-- ignored ("calcada" finds "calçada"), words reduced to their stem ("buracos" finds "buraco").
--
-- One configuration: Portuguese with unaccent run before the Snowball stemmer. A configuration named by a constant
-- makes to_tsvector immutable, so it can feed a generated column (a wrapper function around unaccent() is the other
-- way; this one also applies to the query words, in websearch_to_tsquery, with no second function to keep equal).
CREATE TEXT SEARCH CONFIGURATION pt_unaccent (COPY = portuguese);
ALTER TEXT SEARCH CONFIGURATION pt_unaccent
  ALTER MAPPING FOR hword, hword_part, word WITH unaccent, portuguese_stem;

-- What staff search in a demand: its protocol, the citizen's description and the address as given. Never the
-- citizen's name, CPF, phone or e-mail: those stay in citizens, searched only by roles that may see them
-- (GET /api/v1/citizens?contact=). The protocol is weighted first, the description next.
ALTER TABLE demands ADD COLUMN search tsvector GENERATED ALWAYS AS (
  setweight(to_tsvector('simple', protocol), 'A')
  || setweight(to_tsvector('pt_unaccent', coalesce(description, '')), 'B')
  || setweight(to_tsvector('pt_unaccent', coalesce(address, '')), 'C')
) STORED;
CREATE INDEX demands_search_idx ON demands USING gin (search);

-- The answer the department gave the citizen (never the internal note).
ALTER TABLE work_orders ADD COLUMN answer_search tsvector GENERATED ALWAYS AS (
  to_tsvector('pt_unaccent', coalesce(answer, ''))
) STORED;
CREATE INDEX work_orders_answer_search_idx ON work_orders USING gin (answer_search);

-- The service's name in every language: "poda" finds the demands of the pruning service. (Its keywords are not
-- here: array_to_string is not immutable.) Small table, no index: its hits are joined to demands by service.
ALTER TABLE services ADD COLUMN search tsvector GENERATED ALWAYS AS (
  to_tsvector('pt_unaccent', coalesce(name ->> 'pt-BR', '') || ' ' || coalesce(name ->> 'en', '') || ' '
    || coalesce(name ->> 'es', ''))
) STORED;
