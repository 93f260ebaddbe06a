/** The JSON shapes of the organisation concept that leave the server. */
import { type Locale, pickLocalized } from "../i18n.ts";
import type { Department, Rule } from "./queries.ts";
import type { DepartmentView, RuleView } from "./schemas.ts";

/** A department without its internal id. */
export function presentDepartment(department: Department): DepartmentView {
  return {
    code: department.code,
    name: department.name,
    kind: department.kind,
    subprefeituraCode: department.subprefeituraCode,
    email: department.email,
    active: department.active,
    teams: department.teams,
  };
}

/** A rule of the matrix, naming its service and department by code, and the service by name in `locale`. */
export function presentRule(rule: Rule, locale: Locale = "pt-BR"): RuleView {
  return {
    id: rule.id,
    service: rule.serviceCode,
    serviceName: rule.serviceName ? pickLocalized(rule.serviceName, locale) : null,
    areaKind: rule.areaKind,
    areaCode: rule.areaCode,
    department: rule.departmentCode,
    updatedAt: rule.updatedAt,
  };
}
