-- Conversation flows written by the thematic managers (server/conversations/flow-definitions.ts, decision 0049):
-- for one service or for a service group (and every service under it). The most specific one applies: the
-- service's, its Assunto's, its Tema's; without any, the flow derived from the catalogue.
CREATE TABLE conversation_flows (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id bigint UNIQUE REFERENCES services (id),
  service_group_id bigint UNIQUE REFERENCES service_groups (id),
  definition jsonb NOT NULL, -- FlowDefinition: {"questions": [...], "retries": n}
  updated_by bigint REFERENCES staff_users (id),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((service_id IS NULL) <> (service_group_id IS NULL))
);
