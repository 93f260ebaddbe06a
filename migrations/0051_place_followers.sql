-- Issue 14: a citizen follows all demands at a place from a chat ("seguir os pedidos da Rua Augusta, 1200"): the
-- changes of every public demand within the radius go to them on that channel, like a follower of one demand.
CREATE TABLE place_followers (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  citizen_id bigint NOT NULL REFERENCES citizens (id),
  channel text NOT NULL, -- the demand channel the changes go out on (whatsapp, sms, telegram)
  point geometry(Point, 4326) NOT NULL,
  radius_m integer NOT NULL CHECK (radius_m BETWEEN 50 AND 1000),
  label text NOT NULL, -- the place as the citizen was told it ("R AUGUSTA, 1200 — CONSOLACAO")
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (citizen_id, channel)
);
-- notifyCitizens finds the followers around a demand's point.
CREATE INDEX place_followers_point_idx ON place_followers USING gist ((point::geography));
