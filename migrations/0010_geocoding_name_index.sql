-- The geocoder looks a street up by its exact comparable name before it tries trigram similarity, and reads each
-- piece's length to place a house number by São Paulo's metric numbering (number ≈ metres from the street's start).
CREATE INDEX streets_normalized_name_idx ON streets (normalized_name);
ALTER TABLE streets
  ADD COLUMN length_m real GENERATED ALWAYS AS (ST_Length(geom::geography)) STORED; -- metres along the centreline
