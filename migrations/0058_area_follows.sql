-- Issue 15: following an area. A citizen (signed in, or anyone by e-mail after a double opt-in) follows a district or a
-- point with a radius and gets, at most once an hour, an e-mail digest of the demands opened, answered and closed
-- there (server/area-follows/, docs/area-follows.md, decision 0052). Only what open data publishes goes out: a
-- district-only demand (sensitive service, confidential demand) is counted in a district follow's digest and never
-- matched by a point.
CREATE TABLE area_follows (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  citizen_id bigint REFERENCES citizens (id), -- the signed-in follower; NULL for a follow made with an e-mail alone
  -- Where the digests go (lower case). NULL once the follow stopped: no address is kept for a follow that ended.
  email text,
  district_code text REFERENCES districts (code),
  point geometry(Point, 4326),
  radius_m integer CHECK (radius_m BETWEEN 100 AND 5000),
  locale text NOT NULL CHECK (locale IN ('pt-BR', 'en', 'es')),
  created_at timestamptz NOT NULL DEFAULT now(),
  confirmed_at timestamptz, -- NULL until the link of the confirmation e-mail is used (signed-in citizens: at once)
  stopped_at timestamptz,
  -- Only timeline events after this one are news to the follow (the newest event when it was confirmed).
  since_event_id bigint NOT NULL DEFAULT 0,
  last_digest_at timestamptz, -- when its last digest was written: the next waits an hour
  CHECK ((district_code IS NOT NULL AND point IS NULL AND radius_m IS NULL)
      OR (district_code IS NULL AND point IS NOT NULL AND radius_m IS NOT NULL)),
  CHECK (stopped_at IS NOT NULL OR email IS NOT NULL)
);
CREATE INDEX area_follows_district_idx ON area_follows (district_code)
  WHERE confirmed_at IS NOT NULL AND stopped_at IS NULL;
CREATE INDEX area_follows_point_idx ON area_follows USING gist ((point::geography))
  WHERE confirmed_at IS NOT NULL AND stopped_at IS NULL;
CREATE INDEX area_follows_email_idx ON area_follows (email) WHERE stopped_at IS NULL;
CREATE INDEX area_follows_citizen_idx ON area_follows (citizen_id) WHERE citizen_id IS NOT NULL;

-- One e-mail of a follow: written with its items under the follow's lock, sent once by `send-area-digest`.
CREATE TABLE area_follow_digests (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  follow_id bigint NOT NULL REFERENCES area_follows (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz -- set by the job once the relay took it; a resend after a crash has the same Message-ID
);
CREATE INDEX area_follow_digests_follow_idx ON area_follow_digests (follow_id, id);

-- The news of each follow: one row per (follow, timeline event) that matched it, waiting for its digest.
CREATE TABLE area_follow_items (
  follow_id bigint NOT NULL REFERENCES area_follows (id),
  event_id bigint NOT NULL, -- demand_events.id
  demand_id bigint NOT NULL REFERENCES demands (id),
  kind text NOT NULL CHECK (kind IN ('opened', 'answered', 'closed')),
  -- A sensitive service or a confidential demand: only counted, never listed (docs/open-data.md).
  district_only boolean NOT NULL,
  at timestamptz NOT NULL,
  digest_id bigint REFERENCES area_follow_digests (id), -- NULL while waiting
  PRIMARY KEY (follow_id, event_id)
);
CREATE INDEX area_follow_items_waiting_idx ON area_follow_items (follow_id) WHERE digest_id IS NULL;
CREATE INDEX area_follow_items_digest_idx ON area_follow_items (digest_id) WHERE digest_id IS NOT NULL;

-- The matching job's place in the timeline (the cursor of server/events/cursor.ts, as webhook_cursor).
CREATE TABLE area_follow_cursor (
  one boolean PRIMARY KEY DEFAULT true CHECK (one),
  after_event_id bigint NOT NULL,
  gaps jsonb NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Start after today's history: nobody followed an area before this.
INSERT INTO area_follow_cursor (after_event_id) SELECT COALESCE(max(id), 0) FROM demand_events;
