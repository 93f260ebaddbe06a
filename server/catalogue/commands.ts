/** Changes to the catalogue, one transaction each: create a service, update a service. */
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, isUniqueViolation, maybeOne, type Sql } from "../db/index.ts";
import { reclassifyDistrictOnly } from "../indicators/kept.ts";
import { serviceCodeTaken, unknownGroup, unknownService } from "./problems.ts";
import { findServiceByCode, forgetCachedServices, type Service } from "./queries.ts";
import type { ServiceInput, ServicePatch } from "./schemas.ts";
import { keywordsOf } from "./sp156.ts";

async function groupIdOf(tx: Sql, code: string): Promise<number> {
  const row = await maybeOne<{ id: number }>(tx, "SELECT id FROM service_groups WHERE code = $1", [code]);
  if (!row) throw unknownGroup("group", code);
  return row.id;
}

/** Adds a service to the catalogue; 422 when its group is unknown, 409 when its code is taken. */
export async function createService(db: Db, input: ServiceInput, actor: AuditActor): Promise<Service> {
  forgetCachedServices();
  try {
    const created = await db.transaction(async (tx) => {
      const groupId = await groupIdOf(tx, input.group);
      await tx.query(
        `INSERT INTO services (code, group_id, name, description, keywords, demand_type, location_required,
                               anonymous_allowed, attributes, deadline_amount, deadline_unit, priority,
                               requirements, channels, active, sensitive)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
        [
          input.code,
          groupId,
          JSON.stringify(input.name),
          JSON.stringify(input.description ?? {}),
          input.keywords?.map((k) => k.toLowerCase()) ?? keywordsOf(...Object.values(input.name)),
          input.demandType,
          input.locationRequired,
          input.anonymousAllowed,
          JSON.stringify(input.attributes),
          input.deadline.amount,
          input.deadline.unit,
          input.priority,
          JSON.stringify(input.requirements ?? {}),
          input.channels,
          input.active,
          input.sensitive,
        ],
      );
      const created = await mustFind(tx, input.code);
      await recordAudit(tx, actor, {
        action: "service.created",
        entityType: "service",
        entityId: input.code,
        after: created,
      });
      return created;
    });
    forgetCachedServices(); // again after commit, as updateService
    return created;
  } catch (error) {
    if (isUniqueViolation(error, "services_code_key")) throw serviceCodeTaken(input.code);
    throw error;
  }
}

/** Changes the given fields of a service (never its code); 404 when the service is unknown. */
export async function updateService(
  db: Db,
  code: string,
  patch: ServicePatch,
  actor: AuditActor,
): Promise<Service> {
  forgetCachedServices();
  const updated = await db.transaction(async (tx) => {
    const current = await findServiceByCode(tx, code);
    if (!current) throw unknownService(code);
    const groupId = patch.group === undefined ? current.groupId : await groupIdOf(tx, patch.group);
    const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));
    await tx.query(
      `UPDATE services
          SET group_id = $2,
              name = coalesce($3::jsonb, name),
              description = coalesce($4::jsonb, description),
              keywords = coalesce($5::text[], keywords),
              demand_type = coalesce($6, demand_type),
              location_required = coalesce($7, location_required),
              anonymous_allowed = coalesce($8, anonymous_allowed),
              attributes = coalesce($9::jsonb, attributes),
              deadline_amount = coalesce($10, deadline_amount),
              deadline_unit = coalesce($11, deadline_unit),
              priority = coalesce($12, priority),
              requirements = coalesce($13::jsonb, requirements),
              channels = coalesce($14::text[], channels),
              active = coalesce($15, active),
              sensitive = coalesce($16, sensitive),
              acceptance_amount = CASE WHEN $17 THEN $18::int ELSE acceptance_amount END,
              acceptance_unit = CASE WHEN $17 THEN $19::text ELSE acceptance_unit END,
              auto_dispatch = coalesce($20, auto_dispatch),
              updated_at = now()
        WHERE id = $1`,
      [
        current.id,
        groupId,
        json(patch.name),
        json(patch.description),
        patch.keywords?.map((k) => k.toLowerCase()) ?? null,
        patch.demandType ?? null,
        patch.locationRequired ?? null,
        patch.anonymousAllowed ?? null,
        json(patch.attributes),
        patch.deadline?.amount ?? null,
        patch.deadline?.unit ?? null,
        patch.priority ?? null,
        json(patch.requirements),
        patch.channels ?? null,
        patch.active ?? null,
        patch.sensitive ?? null,
        patch.acceptanceDeadline !== undefined,
        patch.acceptanceDeadline?.amount ?? null,
        patch.acceptanceDeadline?.unit ?? null,
        patch.autoDispatch ?? null,
      ],
    );
    // Its demands leave (or join) the public map's points in this same transaction.
    if (patch.sensitive !== undefined && patch.sensitive !== current.sensitive) {
      await reclassifyDistrictOnly(tx, [current.id]);
    }
    const changed = await mustFind(tx, code);
    await recordAudit(tx, actor, {
      action: "service.updated",
      entityType: "service",
      entityId: code,
      before: current,
      after: changed,
    });
    return changed;
  });
  forgetCachedServices(); // again after commit: a read during the transaction may have cached the old row
  return updated;
}

async function mustFind(tx: Sql, code: string): Promise<Service> {
  const service = await findServiceByCode(tx, code);
  if (!service) throw unknownService(code);
  return service;
}
