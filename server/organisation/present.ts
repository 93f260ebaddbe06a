/** The JSON shapes of the organisation concept that leave the server. */
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

/** A rule of the matrix, naming its service and department by code. */
export function presentRule(rule: Rule): RuleView {
  return {
    id: rule.id,
    service: rule.serviceCode,
    areaKind: rule.areaKind,
    areaCode: rule.areaCode,
    department: rule.departmentCode,
    updatedAt: rule.updatedAt,
  };
}
