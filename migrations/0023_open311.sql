-- Open311 GeoReport v2 server (docs/open311.md, decision 0010): what a request filed through Open311 keeps beyond
-- the demand itself, and the index the public update feed (`servicerequestupdates`) reads by time.

-- One row per demand filed through POST requests: the client application that filed it (only that client may
-- change its status through POST servicerequestupdates), the token GET tokens/{token} resolves, the media URL the
-- client published, and the FixMyStreet-style reference attributes (fixmystreet_id, report_url, title) it sent.
CREATE TABLE open311_requests (
  demand_id bigint PRIMARY KEY REFERENCES demands (id),
  api_client_id bigint REFERENCES api_clients (id),
  token text NOT NULL UNIQUE, -- random, public: it resolves only to the protocol number, which is public too
  media_url text, -- as the client sent it: already public on the client's side
  client_refs jsonb NOT NULL DEFAULT '{}', -- {"fixmystreet_id": "…", "report_url": "…", "title": "…"}
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The update feed lists public timeline events between two instants, across every demand.
CREATE INDEX demand_events_public_at_idx ON demand_events (at, id) WHERE visibility = 'public';

-- Updates posted by a client application (POST servicerequestupdates) are internal timeline events; a retry with
-- the same client update id is answered with the first event instead of a second one.
CREATE INDEX demand_events_open311_update_idx ON demand_events (demand_id, (data ->> 'clientUpdateId'))
  WHERE type = 'demand.open311_update';
