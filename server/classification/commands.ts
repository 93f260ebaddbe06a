/** Changes to the classification criteria, one transaction each: create, change and delete a rule. */
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { unknownServiceField } from "../catalogue/problems.ts";
import { forgetCachedServices } from "../catalogue/queries.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { unknownArea } from "../organisation/problems.ts";
import { classificationRuleNotFound } from "./problems.ts";
import { type ClassificationRule, findClassificationRule } from "./queries.ts";
import type { ClassificationRuleInput, ClassificationRulePatch } from "./schemas.ts";

async function serviceIdOf(tx: Sql, code: string): Promise<number> {
  const row = await maybeOne<{ id: number }>(tx, "SELECT id FROM services WHERE code = $1", [code]);
  if (!row) throw unknownServiceField("service", code);
  return row.id;
}

// Each area code must be a district or a subprefeitura; the first unknown one is reported.
async function checkAreas(tx: Sql, codes: readonly string[]): Promise<void> {
  if (codes.length === 0) return;
  const known = await tx.query<{ code: string }>(
    `SELECT code FROM districts WHERE code = ANY($1::text[])
     UNION SELECT code FROM subprefeituras WHERE code = ANY($1::text[])`,
    [codes],
  );
  const found = new Set(known.map((r) => r.code));
  const missing = codes.findIndex((c) => !found.has(c));
  if (missing >= 0) throw unknownArea(`areas.${missing}`, codes[missing] as string);
}

const distinct = <T>(values: readonly T[]) => [...new Set(values)];

/** Adds a rule; 422 when its service or one of its areas is unknown. */
export async function createClassificationRule(
  db: Db,
  input: ClassificationRuleInput,
  actor: AuditActor,
): Promise<ClassificationRule> {
  return changingRules(db, async (tx) => {
    const serviceId = await serviceIdOf(tx, input.service);
    await checkAreas(tx, input.areas);
    const row = await one<{ id: number }>(
      tx,
      `INSERT INTO classification_rules
              (service_id, phrases, channels, area_codes, effect, weight, active, note, updated_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
      [
        serviceId,
        distinct(input.phrases),
        distinct(input.channels),
        distinct(input.areas),
        input.effect,
        input.weight,
        input.active,
        input.note,
        actor.staffId,
      ],
    );
    const created = await mustFind(tx, row.id);
    await recordAudit(tx, actor, {
      action: "classification_rule.created",
      entityType: "classification_rule",
      entityId: row.id,
      after: created,
    });
    return created;
  });
}

/** Changes the given fields of a rule, recording who did; 404 when unknown, 422 for an unknown service or area. */
export async function updateClassificationRule(
  db: Db,
  id: number,
  patch: ClassificationRulePatch,
  actor: AuditActor,
): Promise<ClassificationRule> {
  return changingRules(db, async (tx) => {
    const current = await mustFind(tx, id);
    const serviceId = await serviceIdOf(tx, patch.service ?? current.serviceCode);
    if (patch.areas) await checkAreas(tx, patch.areas);
    await tx.query(
      `UPDATE classification_rules
          SET service_id = $2, phrases = $3, channels = $4, area_codes = $5, effect = $6, weight = $7,
              active = $8, note = $9, updated_by = $10, updated_at = now()
        WHERE id = $1`,
      [
        id,
        serviceId,
        distinct(patch.phrases ?? current.phrases),
        distinct(patch.channels ?? current.channels),
        distinct(patch.areas ?? current.areaCodes),
        patch.effect ?? current.effect,
        patch.weight ?? current.weight,
        patch.active ?? current.active,
        patch.note === undefined ? current.note : patch.note,
        actor.staffId,
      ],
    );
    const changed = await mustFind(tx, id);
    await recordAudit(tx, actor, {
      action: "classification_rule.updated",
      entityType: "classification_rule",
      entityId: id,
      before: current,
      after: changed,
    });
    return changed;
  });
}

/** Deletes a rule; 404 when unknown. */
export async function deleteClassificationRule(db: Db, id: number, actor: AuditActor): Promise<void> {
  await changingRules(db, async (tx) => {
    const before = await mustFind(tx, id);
    await tx.query("DELETE FROM classification_rules WHERE id = $1", [id]);
    await recordAudit(tx, actor, {
      action: "classification_rule.deleted",
      entityType: "classification_rule",
      entityId: id,
      before,
    });
  });
}

/** Runs a change to the rules; after its commit, this process's suggester reads them again at once. */
async function changingRules<T>(db: Db, change: (tx: Sql) => Promise<T>): Promise<T> {
  const result = await db.transaction(change);
  forgetCachedServices();
  return result;
}

async function mustFind(tx: Sql, id: number): Promise<ClassificationRule> {
  const rule = await findClassificationRule(tx, id);
  if (!rule) throw classificationRuleNotFound(id);
  return rule;
}
