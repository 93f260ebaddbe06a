-- The city's areas and streets. All geometry is WGS84 (SRID 4326), lon/lat.

CREATE TABLE subprefeituras (
  code text PRIMARY KEY,
  name text NOT NULL,
  geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX subprefeituras_geom_idx ON subprefeituras USING gist (geom);

CREATE TABLE districts (
  code text PRIMARY KEY,
  name text NOT NULL,
  subprefeitura_code text NOT NULL REFERENCES subprefeituras (code),
  geom geometry(MultiPolygon, 4326) NOT NULL
);
CREATE INDEX districts_geom_idx ON districts USING gist (geom);

-- Other spellings of an area's name seen in source data ("PIRITUBA-JARAGUA" for PIRITUBA), normalised.
CREATE TABLE area_aliases (
  kind text NOT NULL CHECK (kind IN ('district', 'subprefeitura')),
  alias text NOT NULL, -- upper case, no accents, single spaces
  code text NOT NULL,
  PRIMARY KEY (kind, alias)
);

-- Fiscal blocks (quadras fiscais) of the property-tax cadastre, identified by sector and block codes.
CREATE TABLE blocks (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sector text NOT NULL, -- setor, 3 digits
  block text NOT NULL, -- quadra, 3 digits
  lots integer, -- number of lots in the block
  geom geometry(MultiPolygon, 4326) NOT NULL,
  UNIQUE (sector, block)
);
CREATE INDEX blocks_geom_idx ON blocks USING gist (geom);

-- Street centrelines for offline geocoding.
CREATE TABLE streets (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL, -- official name as published, abbreviated type first: "R AUGUSTA"
  street_type text, -- the type word, abbreviated: R, AV, AL, PC, TV, ES, VE ...
  normalized_name text NOT NULL, -- the name without its type word and particles, upper case, no accents
  num_min integer, -- smallest house number known on the street, when known
  num_max integer,
  geom geometry(LineString, 4326) NOT NULL
);
CREATE INDEX streets_geom_idx ON streets USING gist (geom);
CREATE INDEX streets_normalized_name_trgm_idx ON streets USING gin (normalized_name gin_trgm_ops);
