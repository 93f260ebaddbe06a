-- Classification criteria that the thematic managers edit: when a demand's text holds one of a rule's phrases
-- (and it came on one of the rule's channels, from one of its areas, when those are given), the rule's service
-- is proposed: first of all ('override') or with its weight added to the text suggester's score ('boost').
CREATE TABLE classification_rules (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id bigint NOT NULL REFERENCES services (id),
  -- Keywords or phrases as the manager typed them; matched as whole words, without case or accents.
  phrases text[] NOT NULL CHECK (cardinality(phrases) BETWEEN 1 AND 50),
  channels text[] NOT NULL DEFAULT '{}', -- demand channels the rule applies to; empty: every channel
  area_codes text[] NOT NULL DEFAULT '{}', -- district or subprefeitura codes; empty: the whole city
  effect text NOT NULL DEFAULT 'boost' CHECK (effect IN ('boost', 'override')),
  -- Added to the score when boosting; among matching overrides the heavier comes first.
  weight real NOT NULL DEFAULT 0.5 CHECK (weight > 0 AND weight <= 10),
  active boolean NOT NULL DEFAULT true,
  note text, -- why the rule exists, for the next manager
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint REFERENCES staff_users (id) -- who created or last changed the rule
);
CREATE INDEX classification_rules_service_idx ON classification_rules (service_id);
