/**
 * What the workflow reads of a service: its demand type, its deadline and acceptance time, its priority and whether
 * it goes straight to a department. Triage, dispatch and the demand's clock all read it from here.
 */
import type { DeadlineSpec } from "../../domain/business-time.ts";
import { one, type Sql } from "../db/index.ts";
import { ACCEPTANCE_DEADLINE } from "../deadlines/commands.ts";

/** What the workflow needs to know about a service. */
export interface ServiceTerms {
  id: number;
  code: string;
  demand_type: string;
  deadline_amount: number;
  deadline_unit: DeadlineSpec["unit"];
  acceptance_amount: number | null;
  acceptance_unit: DeadlineSpec["unit"] | null;
  priority: number;
  auto_dispatch: boolean;
  active: boolean;
}

/** The terms of one service, by id (a demand always has one). */
export function findServiceTerms(sql: Sql, serviceId: number): Promise<ServiceTerms> {
  return one<ServiceTerms>(sql, `SELECT ${SERVICE_TERMS} FROM services WHERE id = $1`, [serviceId]);
}

/** The columns of `services` that make its ServiceTerms. */
export const SERVICE_TERMS = `id, code, demand_type, deadline_amount, deadline_unit, acceptance_amount, acceptance_unit,
  priority, auto_dispatch, active`;

/** A service's own deadline. */
export function serviceSpec(s: ServiceTerms): DeadlineSpec {
  return { amount: s.deadline_amount, unit: s.deadline_unit };
}

/** How long the department has to take an order of the service on: the service's own, else the city's default. */
export function acceptanceSpec(s: ServiceTerms): DeadlineSpec {
  return s.acceptance_amount !== null && s.acceptance_unit !== null
    ? { amount: s.acceptance_amount, unit: s.acceptance_unit }
    : ACCEPTANCE_DEADLINE;
}
