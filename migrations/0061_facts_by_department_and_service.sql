-- Issue 15: a department's and a service's figures over a period (the transparency portal's area pages and the
-- ranking; decision 0055 reads their whole months from indicator_months, and this month, or the last days of the
-- year before, from the facts) find their facts by closure and by first answer, as a district's do (0059).
CREATE INDEX demand_facts_department_closed_idx ON demand_facts (department_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX demand_facts_department_answer_idx ON demand_facts (department_id, first_answer_at)
  WHERE first_answer_at IS NOT NULL;
CREATE INDEX demand_facts_service_closed_idx ON demand_facts (service_id, closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX demand_facts_service_answer_idx ON demand_facts (service_id, first_answer_at)
  WHERE first_answer_at IS NOT NULL;
