-- Issue 17: field quality monitoring. One questionnaire model for every channel (the inspectors' tablets now; the
-- citizen auditors' calls and chats later), the inspection routes managers plan, the one table of answers, and the
-- quality score of every fiscal block per service that combines them with demands and satisfaction.

-- A demand an inspector opens from the field arrives by its own channel.
ALTER TABLE demands DROP CONSTRAINT demands_channel_check;
ALTER TABLE demands ADD CONSTRAINT demands_channel_check CHECK (channel IN ('phone', 'web', 'app', 'whatsapp', 'sms',
  'telegram', 'chat', 'email', 'counter', 'social', 'open311', 'import', 'field'));

-- The inspector (fiscal de campo): signs in on the tablet, downloads the day's route and syncs its answers.
ALTER TABLE staff_users DROP CONSTRAINT staff_users_role_check;
ALTER TABLE staff_users ADD CONSTRAINT staff_users_role_check CHECK (role IN (
  'agent', 'department_staff', 'focal_point', 'supervisor', 'manager', 'admin', 'ombudsman', 'platform_operator',
  'inspector'));

-- A questionnaire asks about one service, or about a service group (then each scored question names its service).
CREATE TABLE questionnaires (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- Stable name, the XLSForm settings' form_id when imported: an import with the same code makes a new version.
  code text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  title jsonb NOT NULL CHECK (jsonb_typeof(title) = 'object' AND title ? 'pt-BR'), -- {"pt-BR", "en", "es"}
  service_id bigint REFERENCES services (id),
  service_group_id bigint REFERENCES service_groups (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  archived_at timestamptz, -- no longer offered for new routes; its versions and answers stay
  CHECK ((service_id IS NULL) <> (service_group_id IS NULL)),
  UNIQUE (tenant_id, code)
);
SELECT responsiva_tenant_table('questionnaires');

-- The versions of a questionnaire: at most one draft; a published version never changes (the trigger below), and
-- publishing the draft retires the version published before it. Answers keep the version they were given on.
CREATE TABLE questionnaire_versions (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  questionnaire_id bigint NOT NULL REFERENCES questionnaires (id),
  version integer NOT NULL CHECK (version > 0),
  state text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'published', 'retired')),
  -- The questions (domain/questionnaire.ts QuestionnaireDefinition), checked by the domain on every write.
  definition jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
  source text NOT NULL DEFAULT 'editor' CHECK (source IN ('editor', 'xlsform')),
  created_by bigint REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  published_at timestamptz,
  retired_at timestamptz,
  CHECK ((state = 'draft') = (published_at IS NULL)),
  CHECK ((state = 'retired') = (retired_at IS NOT NULL)),
  UNIQUE (tenant_id, questionnaire_id, version)
);
SELECT responsiva_tenant_table('questionnaire_versions');
CREATE UNIQUE INDEX questionnaire_versions_one_draft ON questionnaire_versions (questionnaire_id) WHERE state = 'draft';
CREATE UNIQUE INDEX questionnaire_versions_one_published ON questionnaire_versions (questionnaire_id)
  WHERE state = 'published';

-- A published version's questions never change, and a version only moves forward: draft → published → retired.
CREATE FUNCTION questionnaire_versions_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.state <> 'draft' AND NEW.definition IS DISTINCT FROM OLD.definition THEN
    RAISE EXCEPTION 'questionnaire version % is %: its questions never change', OLD.id, OLD.state
      USING ERRCODE = 'check_violation';
  END IF;
  IF (OLD.state = 'published' AND NEW.state = 'draft') OR (OLD.state = 'retired' AND NEW.state <> 'retired') THEN
    RAISE EXCEPTION 'questionnaire version % cannot go from % to %', OLD.id, OLD.state, NEW.state
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER questionnaire_versions_frozen BEFORE UPDATE ON questionnaire_versions
  FOR EACH ROW EXECUTE FUNCTION questionnaire_versions_frozen();

-- An inspector's route for one day, planned by a manager (by hand on the map or from the planner's suggestions).
CREATE TABLE inspection_routes (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  inspector_id bigint NOT NULL REFERENCES staff_users (id),
  day date NOT NULL,
  state text NOT NULL DEFAULT 'planned' CHECK (state IN ('planned', 'cancelled')),
  -- Bumped on every change of the route or its visits: a tablet holding an older revision is told to download anew.
  revision integer NOT NULL DEFAULT 1,
  note text,
  planned_by bigint REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT responsiva_tenant_table('inspection_routes');
CREATE INDEX inspection_routes_inspector_day_idx ON inspection_routes (inspector_id, day);
CREATE INDEX inspection_routes_day_idx ON inspection_routes (day);

-- One stop of a route: a block and the questionnaire to answer there. A visit a tablet may hold is never deleted; a
-- change of plan marks it removed.
CREATE TABLE inspection_visits (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  route_id bigint NOT NULL REFERENCES inspection_routes (id),
  position integer NOT NULL,
  block_id bigint NOT NULL REFERENCES blocks (id),
  questionnaire_id bigint NOT NULL REFERENCES questionnaires (id),
  -- Why the planner chose this block, and the numbers it saw then (open demands, late orders, the score).
  reason text NOT NULL CHECK (reason IN ('open_demands', 'late_orders', 'bad_scores', 'manual')),
  evidence jsonb NOT NULL DEFAULT '{}',
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'skipped')),
  note text, -- the inspector's, e.g. why a block was skipped
  done_at timestamptz,
  removed_at timestamptz
);
SELECT responsiva_tenant_table('inspection_visits');
CREATE INDEX inspection_visits_route_idx ON inspection_visits (route_id, position);

-- Files an inspector's tablet sends (photos, later voice answers), stored by content hash like attachments; each is
-- uploaded once and then named by its SHA-256 in the answers of a sync.
CREATE TABLE field_files (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type text NOT NULL, -- as detected from the content
  size_bytes integer NOT NULL,
  storage_key text NOT NULL,
  uploaded_by bigint REFERENCES staff_users (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, sha256)
);
SELECT responsiva_tenant_table('field_files');

-- One questionnaire filled once, on any channel: by whom, where, when and how it was asked. Its id on the device
-- or channel that took it (client_id) makes a response arrive exactly once however many times it is sent.
CREATE TABLE responses (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  client_id uuid NOT NULL,
  version_id bigint NOT NULL REFERENCES questionnaire_versions (id),
  channel text NOT NULL CHECK (channel IN ('field', 'voice', 'chat', 'web')),
  respondent_kind text NOT NULL CHECK (respondent_kind IN ('inspector', 'auditor')),
  staff_user_id bigint REFERENCES staff_users (id),
  citizen_id bigint REFERENCES citizens (id),
  block_id bigint REFERENCES blocks (id),
  visit_id bigint REFERENCES inspection_visits (id),
  location geometry(Point, 4326), -- where the device was (GPS), when it knew
  accuracy_m real,
  started_at timestamptz,
  answered_at timestamptz NOT NULL, -- when the respondent finished, by the device's clock
  received_at timestamptz NOT NULL DEFAULT now(),
  device_id text,
  -- accepted: its answers count; rejected: kept with the reason for a manager to see, never counted.
  state text NOT NULL DEFAULT 'accepted' CHECK (state IN ('accepted', 'rejected')),
  -- Conflicts seen at sync that did not refuse it: off_route, route_changed, version_retired, far_from_block.
  flags text[] NOT NULL DEFAULT '{}',
  rejection jsonb, -- the reasons, per question where they are a question's
  note text,
  CHECK ((respondent_kind = 'inspector') = (staff_user_id IS NOT NULL)),
  CHECK ((respondent_kind = 'auditor') = (citizen_id IS NOT NULL)),
  UNIQUE (tenant_id, client_id)
);
SELECT responsiva_tenant_table('responses');
CREATE INDEX responses_block_idx ON responses (block_id, answered_at);
CREATE INDEX responses_visit_idx ON responses (visit_id) WHERE visit_id IS NOT NULL;
CREATE INDEX responses_staff_idx ON responses (staff_user_id, answered_at) WHERE staff_user_id IS NOT NULL;

-- The one table of answers: one row per question answered, with the block, service and score copied from its
-- response and question so the scores read one index.
CREATE TABLE answers (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  response_id bigint NOT NULL REFERENCES responses (id),
  question text NOT NULL, -- the question's name in its version
  value jsonb NOT NULL,
  block_id bigint REFERENCES blocks (id),
  service_id bigint REFERENCES services (id), -- the service a scored question measures
  score real CHECK (score BETWEEN 0 AND 1), -- 1 good … 0 bad, for a scored question of an accepted response
  respondent_kind text NOT NULL CHECK (respondent_kind IN ('inspector', 'auditor')),
  answered_at timestamptz NOT NULL
);
SELECT responsiva_tenant_table('answers');
CREATE INDEX answers_response_idx ON answers (response_id);
CREATE INDEX answers_scored_idx ON answers (block_id, service_id, answered_at) WHERE score IS NOT NULL;

-- The files of an answer (a photo question's photos, a voice answer's recording).
CREATE TABLE answer_files (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  answer_id bigint NOT NULL REFERENCES answers (id),
  file_id bigint NOT NULL REFERENCES field_files (id),
  position integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, answer_id, file_id)
);
SELECT responsiva_tenant_table('answer_files');

-- A demand opened from the field, by the device's id for it: sent twice, it is one demand with one protocol.
CREATE TABLE field_demands (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  client_id uuid NOT NULL,
  demand_id bigint NOT NULL REFERENCES demands (id),
  staff_user_id bigint NOT NULL REFERENCES staff_users (id),
  visit_id bigint REFERENCES inspection_visits (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, client_id)
);
SELECT responsiva_tenant_table('field_demands');

-- Each sync batch a tablet sent, by its id: the same batch sent again gets the same reply, and changes nothing.
CREATE TABLE field_syncs (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  batch_id uuid NOT NULL,
  staff_user_id bigint NOT NULL REFERENCES staff_users (id),
  device_id text,
  received_at timestamptz NOT NULL DEFAULT now(),
  reply jsonb NOT NULL, -- the reply sent, item by item
  PRIMARY KEY (tenant_id, batch_id)
);
SELECT responsiva_tenant_table('field_syncs');

-- How a city weighs the sources of a block's score, and how fast old evidence fades: one row per tenant, data the
-- quality team edits (docs/quality-scores.md says the method).
CREATE TABLE quality_score_settings (
  tenant_id int PRIMARY KEY DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  field_weight real NOT NULL DEFAULT 0.4 CHECK (field_weight >= 0),
  auditor_weight real NOT NULL DEFAULT 0.3 CHECK (auditor_weight >= 0),
  demands_weight real NOT NULL DEFAULT 0.2 CHECK (demands_weight >= 0),
  satisfaction_weight real NOT NULL DEFAULT 0.1 CHECK (satisfaction_weight >= 0),
  half_life_days real NOT NULL DEFAULT 30 CHECK (half_life_days > 0), -- evidence this old counts half
  window_days integer NOT NULL DEFAULT 180 CHECK (window_days BETWEEN 7 AND 1095), -- older evidence is not read
  -- Open demands of a block and service at which its demand component is one half; a late one counts twice.
  demands_half integer NOT NULL DEFAULT 3 CHECK (demands_half > 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (field_weight + auditor_weight + demands_weight + satisfaction_weight > 0)
);
SELECT responsiva_tenant_table('quality_score_settings');

-- The quality score of a block for a service, 0 (bad) to 100 (good), with each source's part as evidence.
CREATE TABLE block_scores (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  block_id bigint NOT NULL REFERENCES blocks (id),
  service_id bigint NOT NULL REFERENCES services (id),
  score real NOT NULL CHECK (score BETWEEN 0 AND 100),
  -- Per source (field, auditor, demands, satisfaction): its value 0..1, its weight and how much evidence it had.
  components jsonb NOT NULL,
  evidence integer NOT NULL, -- answers, demands and ratings read
  computed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, block_id, service_id)
);
SELECT responsiva_tenant_table('block_scores');
CREATE INDEX block_scores_service_idx ON block_scores (service_id, score);

-- Block quality scores (server/block-scores/): an incremental refresh reads the demands of a few blocks.
CREATE INDEX demands_block_idx ON demands (block_id, service_id) WHERE block_id IS NOT NULL;
