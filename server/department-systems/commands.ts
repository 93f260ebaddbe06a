/**
 * Department systems: an admin sets (or deletes) the GeoReport v2 endpoint a department receives its work orders
 * at; the send job records what that endpoint answered (an id, a token, or failure for good with its alarm); the
 * pull job claims the endpoints that are due. Each command is one transaction.
 */
import { randomBytes } from "node:crypto";
import type { RequestReceipt } from "../../channels/open311/adapter.ts";
import { hashToken } from "../access/principal.ts";
import { type AuditActor, recordAudit } from "../audit/record.ts";
import { type Db, maybeOne, type Sql } from "../db/index.ts";
import { recordEvent } from "../demands/transitions.ts";
import { AppError, unprocessable } from "../errors.ts";
import type { SystemInput } from "./schemas.ts";

/** What setting a system answers: whether it was created, and the push secret when one was made. */
export interface SetSystemResult {
  created: boolean;
  pushSecret: string | undefined;
}

/** The base URL with one trailing "/", so the spec's relative paths resolve below it. */
function normaliseBaseUrl(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/**
 * Sets a department's endpoint, replacing the one it has (the api_key is kept when not given again). Refuses an
 * unknown department (404), a first setting without api_key, mapped services that do not exist, and a mapping
 * that sends nothing (422, each field named). A push secret is made on creation and on request.
 */
export async function setDepartmentSystem(
  db: Db,
  departmentCode: string,
  input: SystemInput,
  actor: AuditActor,
): Promise<SetSystemResult> {
  return db.transaction(async (tx) => {
    const department = await maybeOne<{ id: number }>(tx, "SELECT id FROM departments WHERE code = $1", [
      departmentCode,
    ]);
    if (!department) throw new AppError(404, "unknown_department", { code: departmentCode });
    const codes = Object.keys(input.serviceCodes);
    const known = await tx.query<{ code: string }>("SELECT code FROM services WHERE code = ANY($1::text[])", [
      codes,
    ]);
    const unknown = codes.filter((c) => !known.some((k) => k.code === c));
    if (unknown.length > 0) {
      throw new AppError(
        422,
        "unknown_service",
        { code: unknown[0]! },
        unknown.map((c) => ({ field: `serviceCodes.${c}`, code: "unknown_service" })),
      );
    }
    if (codes.length === 0 && !input.defaultServiceCode) {
      throw unprocessable("service_mapping_required", "serviceCodes");
    }
    const current = await maybeOne<{ id: number }>(
      tx,
      "SELECT id FROM department_systems WHERE department_id = $1 AND deleted_at IS NULL FOR UPDATE",
      [department.id],
    );
    if (!current && !input.apiKey) throw unprocessable("api_key_required", "apiKey");
    const before = current ? await auditedSystem(tx, current.id) : undefined;
    const secret = !current || input.rotatePushSecret ? randomBytes(24).toString("base64url") : undefined;
    const values = [
      normaliseBaseUrl(input.baseUrl),
      input.format,
      input.apiKey ?? null,
      input.jurisdictionId,
      JSON.stringify(input.serviceCodes),
      input.defaultServiceCode,
      JSON.stringify(input.statusActions),
      input.active,
      input.pullIntervalSeconds,
      secret ? hashToken(secret) : null,
    ];
    if (current) {
      await tx.query(
        `UPDATE department_systems
            SET base_url = $2, format = $3, api_key = coalesce($4, api_key), jurisdiction_id = $5,
                service_codes = $6, default_service_code = $7, status_actions = $8, active = $9,
                pull_interval_seconds = $10::int, push_secret_hash = coalesce($11, push_secret_hash),
                next_pull_at = least(next_pull_at, now() + make_interval(secs => $10::int)), updated_at = now()
          WHERE id = $1`,
        [current.id, ...values],
      );
    } else {
      await tx.query(
        `INSERT INTO department_systems (department_id, base_url, format, api_key, jurisdiction_id, service_codes,
                                         default_service_code, status_actions, active, pull_interval_seconds,
                                         push_secret_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [department.id, ...values],
      );
    }
    const saved = await maybeOne<{ id: number }>(
      tx,
      "SELECT id FROM department_systems WHERE department_id = $1 AND deleted_at IS NULL",
      [department.id],
    );
    // The api_key and the push secret are secrets: the log says that they changed, never what they are.
    await recordAudit(tx, actor, {
      action: current ? "department_system.updated" : "department_system.created",
      entityType: "department_system",
      entityId: departmentCode,
      before,
      after: {
        ...(saved ? await auditedSystem(tx, saved.id) : {}),
        apiKeyChanged: Boolean(input.apiKey),
        pushSecretRotated: Boolean(secret),
      },
    });
    return { created: !current, pushSecret: secret };
  });
}

/** The audited fields of a department system: never its api_key or push secret. */
function auditedSystem(tx: Sql, id: number) {
  return maybeOne<Record<string, unknown>>(
    tx,
    `SELECT base_url AS "baseUrl", format, jurisdiction_id AS "jurisdictionId", service_codes AS "serviceCodes",
            default_service_code AS "defaultServiceCode", status_actions AS "statusActions", active,
            pull_interval_seconds AS "pullIntervalSeconds"
       FROM department_systems WHERE id = $1`,
    [id],
  );
}

/**
 * Deletes a department's endpoint: no new order goes there and nothing is pulled or accepted from it any more.
 * The row stays (deleted) for the orders already sent, which are no longer synchronised. 404 when there is none.
 */
export async function deleteDepartmentSystem(
  db: Db,
  departmentCode: string,
  actor: AuditActor,
): Promise<void> {
  await db.transaction(async (tx) => {
    const row = await maybeOne<{ id: number }>(
      tx,
      `UPDATE department_systems s SET deleted_at = now(), active = false, updated_at = now()
         FROM departments d
        WHERE d.id = s.department_id AND d.code = $1 AND s.deleted_at IS NULL RETURNING s.id`,
      [departmentCode],
    );
    if (!row) throw new AppError(404, "unknown_department_system", { code: departmentCode });
    await recordAudit(tx, actor, {
      action: "department_system.deleted",
      entityType: "department_system",
      entityId: departmentCode,
      before: await auditedSystem(tx, row.id),
    });
  });
}

/** Records the receipt of a sent order (its id, or the token to poll) and notes it on the timeline. */
export async function recordReceipt(
  tx: Sql,
  order: { work_order_id: number; demand_id: number },
  receipt: RequestReceipt,
): Promise<void> {
  await tx.query(
    `UPDATE external_work_orders
        SET state = $2, external_id = $3, token = $4, service_notice = $5, sent_at = now(), last_error = NULL
      WHERE work_order_id = $1`,
    [
      order.work_order_id,
      receipt.serviceRequestId ? "sent" : "token",
      receipt.serviceRequestId,
      receipt.token,
      receipt.serviceNotice,
    ],
  );
  await recordEvent(tx, order.demand_id, "work_order.external_sent", { kind: "system" }, "internal", {
    workOrderId: order.work_order_id,
    serviceRequestId: receipt.serviceRequestId,
    token: receipt.token,
    serviceNotice: receipt.serviceNotice,
  });
}

/** Records the id a token resolved to; false when the order had already left the token state. */
export async function recordTokenResolved(db: Db, workOrderId: number, externalId: string): Promise<boolean> {
  const rows = await db.query(
    "UPDATE external_work_orders SET state = 'sent', external_id = $2 WHERE work_order_id = $1 AND state = 'token' RETURNING 1",
    [workOrderId, externalId],
  );
  return rows.length > 0;
}

/** Marks an order not sent because it closed here first (returned, rerouted …) or its system went away. */
export async function cancelSend(db: Db, workOrderId: number, why: string): Promise<void> {
  await db.query(
    "UPDATE external_work_orders SET state = 'cancelled', last_error = $2 WHERE work_order_id = $1 AND state = 'queued'",
    [workOrderId, why],
  );
}

/** Notes the last error of a send that will be retried. */
export async function recordSendError(db: Db, workOrderId: number, error: string): Promise<void> {
  await db.query("UPDATE external_work_orders SET last_error = $2 WHERE work_order_id = $1", [
    workOrderId,
    error.slice(0, 2000),
  ]);
}

/**
 * An order could not be sent for good (its outbox row is going dead in this same transaction): the sending is
 * failed, an internal timeline event says so, and a `delivery_failed` alarm goes to the supervisors of the
 * order's department, who dispatched it and can retry the dead row or handle the order in Responsiva.
 */
export async function recordSendFailed(
  tx: Sql,
  outboxId: number,
  workOrderId: number,
  error: string,
): Promise<void> {
  const text = error.slice(0, 2000);
  const order = await maybeOne<{ demand_id: number; department_id: number }>(
    tx,
    `WITH e AS (UPDATE external_work_orders SET state = 'failed', last_error = $2 WHERE work_order_id = $1)
     SELECT demand_id, department_id FROM work_orders WHERE id = $1`,
    [workOrderId, text],
  );
  if (!order) return;
  const data = { outboxId, workOrderId, channel: "open311", error: text };
  await recordEvent(
    tx,
    order.demand_id,
    "work_order.external_send_failed",
    { kind: "system" },
    "internal",
    data,
  );
  await tx.query(
    `INSERT INTO alarms (kind, demand_id, work_order_id, department_id, level, data, dedupe_key)
     VALUES ('delivery_failed', $1, $2, $3, 1, $4, $5)
     ON CONFLICT (tenant_id, dedupe_key) DO UPDATE
       SET raised_at = now(), acknowledged_at = NULL, acknowledged_by = NULL, data = EXCLUDED.data`,
    [order.demand_id, workOrderId, order.department_id, JSON.stringify(data), `open311-send:${outboxId}`],
  );
}

/**
 * Claims the systems whose pull is due, moving each one's next pull an interval ahead at once: two workers (or a
 * slow pull overlapping the next tick) never pull the same system together.
 */
export async function claimDuePulls(db: Db, limit: number): Promise<number[]> {
  const rows = await db.query<{ id: number }>(
    `UPDATE department_systems SET next_pull_at = now() + make_interval(secs => pull_interval_seconds)
      WHERE id IN (
        SELECT id FROM department_systems
         WHERE active AND deleted_at IS NULL AND pull_interval_seconds > 0 AND next_pull_at <= now()
         ORDER BY next_pull_at LIMIT $1
         FOR UPDATE SKIP LOCKED)
      RETURNING id`,
    [limit],
  );
  return rows.map((r) => r.id);
}

/** Records a pull: its window's end on success (the next one starts from there), or its error. */
export async function recordPull(db: Db, systemId: number, outcome: { until: Date } | { error: string }) {
  if ("until" in outcome) {
    await db.query(
      `UPDATE department_systems SET pulled_until = $2, last_pulled_at = now(), last_pull_error = NULL
        WHERE id = $1`,
      [systemId, outcome.until.toISOString()],
    );
  } else {
    await db.query(
      "UPDATE department_systems SET last_pulled_at = now(), last_pull_error = $2 WHERE id = $1",
      [systemId, outcome.error.slice(0, 2000)],
    );
  }
}
