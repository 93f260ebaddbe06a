/** The JSON shapes of the organisation concept that leave the server. */
import { type Locale, pickLocalized } from "../i18n.ts";
import type { Department, Rule, UncoveredService } from "./queries.ts";
import type { DepartmentView, RuleView, UncoveredView } from "./schemas.ts";

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
    toSubprefeitura: rule.toSubprefeitura,
    origin: rule.origin,
    updatedAt: rule.updatedAt,
  };
}

/** A service without a rule of its own, named in `locale`. */
export function presentUncovered(service: UncoveredService, locale: Locale = "pt-BR"): UncoveredView {
  return {
    service: service.code,
    serviceName: pickLocalized(service.name, locale),
    groupName: pickLocalized(service.groupName, locale),
    locationRequired: service.locationRequired,
    demands: service.demands,
    recentDemands: service.recentDemands,
  };
}
