/** Changes to the organisation, one transaction each: departments and the rules of the responsibility matrix. */

import { type AuditActor, recordAudit } from "../audit/record.ts";
import { unknownServiceField } from "../catalogue/problems.ts";
import { type Db, isUniqueViolation, maybeOne, one, type Sql } from "../db/index.ts";
import {
  departmentCodeTaken,
  departmentNotFound,
  fallbackRequired,
  ruleNotFound,
  unknownArea,
  unknownDepartment,
} from "./problems.ts";
import { areaExists, type Department, findDepartmentByCode, findRuleById, type Rule } from "./queries.ts";
import type { DepartmentInput, DepartmentPatch, RuleInput } from "./schemas.ts";

async function checkSubprefeitura(tx: Sql, code: string | null | undefined): Promise<void> {
  if (code && !(await areaExists(tx, "subprefeitura", code))) throw unknownArea("subprefeituraCode", code);
}

/** Adds a department; 409 when its code is taken, 422 when its subprefeitura is unknown. */
export async function createDepartment(
  db: Db,
  input: DepartmentInput,
  actor: AuditActor,
): Promise<Department> {
  try {
    return await db.transaction(async (tx) => {
      await checkSubprefeitura(tx, input.subprefeituraCode);
      await tx.query(
        `INSERT INTO departments (code, name, kind, subprefeitura_code, email, active)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [input.code, input.name, input.kind, input.subprefeituraCode, input.email, input.active],
      );
      const created = await mustFindDepartment(tx, input.code);
      await recordAudit(tx, actor, {
        action: "department.created",
        entityType: "department",
        entityId: input.code,
        after: created,
      });
      return created;
    });
  } catch (error) {
    if (isUniqueViolation(error, "departments_code_key")) throw departmentCodeTaken(input.code);
    throw error;
  }
}

/** Changes the given fields of a department (never its code); 404 when unknown. */
export async function updateDepartment(
  db: Db,
  code: string,
  patch: DepartmentPatch,
  actor: AuditActor,
): Promise<Department> {
  return db.transaction(async (tx) => {
    const current = await mustFindDepartment(tx, code);
    await checkSubprefeitura(tx, patch.subprefeituraCode);
    await tx.query(
      `UPDATE departments
          SET name = $2, kind = $3, subprefeitura_code = $4, email = $5, active = $6
        WHERE id = $1`,
      [
        current.id,
        patch.name ?? current.name,
        patch.kind ?? current.kind,
        patch.subprefeituraCode === undefined ? current.subprefeituraCode : patch.subprefeituraCode,
        patch.email === undefined ? current.email : patch.email,
        patch.active ?? current.active,
      ],
    );
    const changed = await mustFindDepartment(tx, code);
    await recordAudit(tx, actor, {
      action: "department.updated",
      entityType: "department",
      entityId: code,
      before: current,
      after: changed,
    });
    return changed;
  });
}

async function mustFindDepartment(tx: Sql, code: string): Promise<Department> {
  const department = await findDepartmentByCode(tx, code);
  if (!department) throw departmentNotFound(code);
  return department;
}

/** Creates or replaces the rule for a (service, area) key; 422 when a code it names is unknown. */
export async function upsertRule(
  db: Db,
  input: RuleInput,
  actor: AuditActor,
): Promise<{ rule: Rule; created: boolean }> {
  return db.transaction(async (tx) => {
    let serviceId: number | null = null;
    if (input.service !== null) {
      const service = await maybeOne<{ id: number }>(tx, "SELECT id FROM services WHERE code = $1", [
        input.service,
      ]);
      if (!service) throw unknownServiceField("service", input.service);
      serviceId = service.id;
    }
    if (!(await areaExists(tx, input.areaKind, input.areaCode))) {
      throw unknownArea("areaCode", input.areaCode ?? "");
    }
    const department = await findDepartmentByCode(tx, input.department);
    if (!department) throw unknownDepartment("department", input.department);
    const previous = await maybeOne<{ id: number }>(
      tx,
      `SELECT id FROM responsibility_rules
        WHERE coalesce(service_id, 0) = coalesce($1::bigint, 0) AND area_kind = $2
          AND coalesce(area_code, '') = coalesce($3::text, '')`,
      [serviceId, input.areaKind, input.areaCode],
    );
    const before = previous ? await findRuleById(tx, previous.id) : undefined;
    // xmax = 0 only on a freshly inserted row: it tells a creation from a replacement in one statement.
    const row = await one<{ id: number; created: boolean }>(
      tx,
      `INSERT INTO responsibility_rules (service_id, area_kind, area_code, department_id, to_subprefeitura, origin)
       VALUES ($1, $2, $3, $4, $5, 'admin')
       ON CONFLICT (tenant_id, (coalesce(service_id, 0)), area_kind, (coalesce(area_code, ''))) DO UPDATE
          SET department_id = EXCLUDED.department_id, to_subprefeitura = EXCLUDED.to_subprefeitura,
              origin = 'admin', updated_at = now()
       RETURNING id, (xmax = 0) AS created`,
      [serviceId, input.areaKind, input.areaCode, department.id, input.toSubprefeitura],
    );
    const rule = await findRuleById(tx, row.id);
    if (!rule) throw ruleNotFound(row.id);
    await recordAudit(tx, actor, {
      action: row.created ? "matrix_rule.created" : "matrix_rule.replaced",
      entityType: "matrix_rule",
      entityId: row.id,
      before,
      after: rule,
    });
    return { rule, created: row.created };
  });
}

/** Deletes a rule; 404 when unknown, 409 when it is the last city-wide fallback. */
export async function deleteRule(db: Db, id: number, actor: AuditActor): Promise<void> {
  await db.transaction(async (tx) => {
    const rule = await findRuleById(tx, id);
    if (!rule) throw ruleNotFound(id);
    if (rule.serviceId === null && rule.areaKind === "city") {
      // Locked so two deletions at once cannot both see another fallback left.
      const others = await tx.query(
        `SELECT id FROM responsibility_rules
          WHERE service_id IS NULL AND area_kind = 'city' AND id <> $1 FOR UPDATE`,
        [id],
      );
      if (others.length === 0) throw fallbackRequired();
    }
    await tx.query("DELETE FROM responsibility_rules WHERE id = $1", [id]);
    await recordAudit(tx, actor, {
      action: "matrix_rule.deleted",
      entityType: "matrix_rule",
      entityId: id,
      before: rule,
    });
  });
}

/** Adds a team to a department (idempotent by name); 404 when the department is unknown. */
export async function addTeam(
  db: Db,
  departmentCode: string,
  name: string,
  actor: AuditActor,
): Promise<Department> {
  return db.transaction(async (tx) => {
    const department = await mustFindDepartment(tx, departmentCode);
    const added = await tx.query(
      "INSERT INTO teams (department_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id",
      [department.id, name],
    );
    const changed = await mustFindDepartment(tx, departmentCode);
    if (added.length > 0) {
      await recordAudit(tx, actor, {
        action: "team.added",
        entityType: "department",
        entityId: departmentCode,
        before: department,
        after: changed,
      });
    }
    return changed;
  });
}
