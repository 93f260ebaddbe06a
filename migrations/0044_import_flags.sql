-- What an import took in although the source contradicted itself: a city cannot drop a real request because the
-- old system recorded it badly, so the row is imported as published and the glitch is named here, counted in the
-- import's summary and findable by staff. NULL: nothing to say (every demand filed here, most imported ones).
-- Codes: closed_before_opened (the closing time precedes the opening time: SP156 writes the parecer's clock
-- minutes before the opening's on some rows).
ALTER TABLE demands ADD COLUMN import_flags text[];
CREATE INDEX demands_import_flags_idx ON demands USING gin (import_flags) WHERE import_flags IS NOT NULL;
