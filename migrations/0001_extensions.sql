-- The extensions every later migration relies on. PostGIS for places, pg_trgm for fuzzy street and service names,
-- unaccent for matching Portuguese text typed without accents.
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
