-- The service catalogue: service groups (SP156 Tema, then Assunto beneath it) and services (Serviço).

CREATE TABLE service_groups (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE,
  source_ref text UNIQUE, -- key in the source catalogue ("sp156:Tema" or "sp156:Tema|Assunto")
  parent_id bigint REFERENCES service_groups (id), -- an Assunto's Tema; null for a Tema
  name jsonb NOT NULL, -- {"pt-BR": "...", "en": "...", "es": "..."}; pt-BR always present
  position integer NOT NULL DEFAULT 0
);

CREATE TABLE services (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code text NOT NULL UNIQUE, -- stable public code, also the Open311 service_code
  -- Key of the service in the source catalogue it was seeded from ("sp156:Tema|Assunto|Serviço"), for imports.
  source_ref text UNIQUE,
  group_id bigint NOT NULL REFERENCES service_groups (id),
  name jsonb NOT NULL, -- per locale, pt-BR always present
  description jsonb NOT NULL DEFAULT '{}', -- per locale
  keywords text[] NOT NULL DEFAULT '{}',
  demand_type text NOT NULL DEFAULT 'request'
    CHECK (demand_type IN ('request', 'complaint', 'report', 'compliment', 'suggestion', 'information')),
  location_required boolean NOT NULL DEFAULT false,
  anonymous_allowed boolean NOT NULL DEFAULT false,
  -- Extra fields, Open311-style: [{code, datatype, required, order, description:{locale:text}, values:[{key,name}]}]
  attributes jsonb NOT NULL DEFAULT '[]',
  deadline_amount integer NOT NULL DEFAULT 30 CHECK (deadline_amount > 0),
  deadline_unit text NOT NULL DEFAULT 'business_days'
    CHECK (deadline_unit IN ('business_days', 'business_hours', 'calendar_days')),
  priority integer NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5), -- 1 most urgent
  -- Service charter (Carta de Serviços, Lei 13.460/2017 art. 7), per locale: what the citizen must provide,
  -- and where and how the service is requested.
  requirements jsonb NOT NULL DEFAULT '{}',
  channels text[] NOT NULL DEFAULT '{phone,web,app,counter}',
  active boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX services_group_idx ON services (group_id);

-- The responsibility matrix: which department answers a service in an area. The most specific row wins:
-- service + district, service + subprefeitura, service anywhere, then the fallback (no service, no area).
CREATE TABLE responsibility_rules (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id bigint REFERENCES services (id), -- null: any service (the fallback)
  area_kind text NOT NULL DEFAULT 'city' CHECK (area_kind IN ('city', 'subprefeitura', 'district')),
  area_code text, -- null when area_kind is city
  department_id bigint NOT NULL REFERENCES departments (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((area_kind = 'city') = (area_code IS NULL))
);
CREATE UNIQUE INDEX responsibility_rules_key_idx
  ON responsibility_rules (coalesce(service_id, 0), area_kind, coalesce(area_code, ''));
