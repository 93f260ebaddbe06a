-- Postcodes (CEP) of the city's streets, learnt from the city's own records: the street layer carries none. One row
-- per postcode and street, with the points where records of that street gave that postcode, so a point on a street
-- takes the postcode of the nearest record of the same street (a long avenue has one postcode per stretch).
CREATE TABLE postcodes (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  postcode text NOT NULL CHECK (postcode ~ '^[0-9]{8}$'), -- CEP, 8 digits, no hyphen
  normalized_name text NOT NULL, -- the street's comparable name, as streets.normalized_name
  number_min integer, -- smallest and largest house number recorded with this postcode on this street
  number_max integer,
  records integer NOT NULL, -- how many records gave this postcode on this street
  source text NOT NULL, -- where it was learnt: "sp156-2019" (docs/geocoding.md)
  geom geometry(MultiPoint, 4326) NOT NULL,
  UNIQUE (postcode, normalized_name)
);
CREATE INDEX postcodes_name_idx ON postcodes (normalized_name);
CREATE INDEX postcodes_geom_idx ON postcodes USING gist (geom);
