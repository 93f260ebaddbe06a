/**
 * Commands that change demands. Each runs in one transaction and writes its outbound work (messages, routing)
 * into the outbox inside that same transaction.
 */
import { createHash, randomBytes } from "node:crypto";
import { checkAnswers } from "../../domain/attributes.ts";
import { findServiceByCodeCached } from "../catalogue/queries.ts";
import { findOrCreateCitizen, recordConsent } from "../citizens/commands.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { AppError, unprocessable } from "../errors.ts";
import { resolveDepartment } from "../organisation/queries.ts";
import type { CheckedAttachment } from "./attachments.ts";
import type { Channel, DemandInput } from "./schemas.ts";

/** Who performs a command: a citizen (through a channel), a staff member, or the system. */
export type Actor = { kind: "citizen" } | { kind: "staff"; id: number } | { kind: "system" };

/** What createDemand answers: the new demand's keys, or the first answer replayed for a repeated key. */
export interface CreatedDemand {
  status: number;
  body: { protocol: string; secret: string; [key: string]: unknown };
  replayed: boolean;
}

/** An Idempotency-Key and the fingerprint of the request it came with. */
export interface Idempotency {
  key: string;
  fingerprint: string;
}

const IDEMPOTENCY_SCOPE = "POST /api/v1/demands";

/** Thrown inside the transaction when another request already holds the key; the caller replays its answer. */
class KeyTaken extends Error {}

/** Where a point lies and which department the matrix names for the service there. */
interface PlaceAndRoute {
  districtCode: string;
  subprefeituraCode: string;
  blockId: number | null;
  departmentId: number | null;
  ruleId: number | null;
}

/** Places a point (place_point) and routes the service there (resolve_department) in one query; undefined outside. */
async function placeAndRoute(
  sql: Sql,
  serviceId: number,
  point: { lat: number; lon: number },
): Promise<PlaceAndRoute | undefined> {
  return maybeOne<PlaceAndRoute>(
    sql,
    `SELECT p.district_code AS "districtCode", p.subprefeitura_code AS "subprefeituraCode", p.block_id AS "blockId",
            r.department_id AS "departmentId", r.rule_id AS "ruleId"
       FROM place_point($1, $2) p
       LEFT JOIN LATERAL resolve_department($3::bigint, p.district_code, p.subprefeitura_code) r ON true`,
    [point.lon, point.lat, serviceId],
  );
}

/** SHA-256 hex of a citizen secret; only this is stored. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * Creates a demand from any channel: checks the service's rules, places the point in its district and block,
 * picks the responsible department from the matrix, issues the protocol number, and writes the timeline event
 * and the outbox rows, all in one transaction. With an Idempotency-Key the first answer is replayed to retries.
 */
export async function createDemand(
  db: Db,
  actor: Actor,
  input: DemandInput & { channel: Channel },
  attachments: { stored: CheckedAttachment; key: string }[] = [],
  idempotency?: Idempotency,
): Promise<CreatedDemand> {
  const service = await findServiceByCodeCached(db, input.service);
  if (!service?.active) throw unprocessable("unknown_service", "service", { code: input.service });

  const answers = checkAnswers(service.attributes, input.attributes);
  if (answers.problems.length > 0) {
    throw new AppError(
      422,
      "invalid_attributes",
      {},
      answers.problems.map((p) => ({
        field: `attributes.${p.code}`,
        code: p.problem,
        key: `fields.${p.problem}`,
      })),
    );
  }
  if (input.identity === "anonymous" && !service.anonymousAllowed) {
    throw unprocessable("anonymous_not_allowed", "identity");
  }
  const contacts = input.citizen ?? {};
  const hasContact = Boolean(contacts.email || contacts.phone || contacts.whatsapp || contacts.telegram);
  if (input.identity !== "anonymous" && !hasContact && !input.citizen?.name) {
    throw unprocessable("citizen_required", "citizen");
  }
  if (service.locationRequired && !input.location && !input.district) {
    throw unprocessable("location_required", "location");
  }

  // Reads come before any write (the protocol number is made inside the insert: next_protocol(), migration 0011).
  // A point is placed and routed in one round trip; a district picked by code is looked up, then routed.
  let place: PlaceAndRoute | undefined;
  let department: { departmentId: number; ruleId: number } | null;
  if (input.location) {
    place = await placeAndRoute(db, service.id, input.location);
    if (!place) throw unprocessable("point_outside_city", "location");
    department =
      place.departmentId === null ? null : { departmentId: place.departmentId, ruleId: place.ruleId! };
  } else {
    department = null;
  }
  let districtCode = place?.districtCode ?? null;
  let subprefeituraCode = place?.subprefeituraCode ?? null;
  if (!place) {
    if (input.district) {
      const district = await maybeOne<{ code: string; subprefeitura_code: string }>(
        db,
        "SELECT code, subprefeitura_code FROM districts WHERE code = $1",
        [input.district],
      );
      if (!district) throw unprocessable("unknown_area", "district", { code: input.district });
      districtCode = district.code;
      subprefeituraCode = district.subprefeitura_code;
    }
    department = await resolveDepartment(db, { serviceId: service.id, districtCode, subprefeituraCode });
  }

  const secret = randomBytes(18).toString("base64url");
  const identified = input.identity !== "anonymous" && input.citizen !== undefined;
  // One statement is atomic by itself: an anonymous demand without key or files needs no BEGIN/COMMIT.
  const needsTransaction = idempotency !== undefined || identified || attachments.length > 0;
  const write = async (tx: Sql): Promise<CreatedDemand> => {
    if (idempotency) {
      // Taken first: a concurrent request with the same key waits here until this one commits, then replays it.
      const claimed = await tx.query(
        `INSERT INTO idempotency_keys (scope, key, fingerprint, response_status, response_body)
           VALUES ($1, $2, $3, 0, '{}') ON CONFLICT DO NOTHING RETURNING key`,
        [IDEMPOTENCY_SCOPE, idempotency.key, idempotency.fingerprint],
      );
      if (claimed.length === 0) throw new KeyTaken();
    }

    let citizenId: number | null = null;
    if (identified && input.citizen) {
      const c = input.citizen;
      citizenId = await findOrCreateCitizen(tx, {
        name: c.name,
        document: c.document,
        locale: c.locale,
        contacts: { email: c.email, phone: c.phone, whatsapp: c.whatsapp, telegram: c.telegram },
      });
      if (c.consent) {
        await recordConsent(tx, {
          citizenId,
          purpose: "service",
          granted: true,
          policyVersion: c.consent.policyVersion,
          channel: input.channel,
        });
      }
    }

    // The demand, its first timeline event and the outbox rows for the work it causes (routing to the
    // department; the receipt to the citizen when there is a contact) go in one statement: fewer round trips.
    const demand = await one<{ id: number; protocol: string; opened_at: Date }>(
      tx,
      `WITH d AS (
           INSERT INTO demands (protocol, service_id, channel, description, identity_mode, citizen_id, location,
             address, district_code, subprefeitura_code, block_id, department_id, attributes, secret_hash)
           VALUES (next_protocol(), $1, $2, $3, $4, $5,
             CASE WHEN $6::float8 IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint($7::float8, $6::float8), 4326) END,
             $8, $9, $10, $11, $12, $13, $14)
           RETURNING id, protocol, opened_at),
         e AS (
           INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility, data)
           SELECT id, 'demand.created', $15, $16, 'public', $17 FROM d),
         r AS (
           INSERT INTO outbox (job, payload) SELECT 'route-demand', jsonb_build_object('demandId', id) FROM d),
         m AS (
           INSERT INTO outbox (job, payload)
           SELECT 'send-message', jsonb_build_object('demandId', id, 'citizenId', $5::bigint,
                  'template', 'demand.received', 'channel', $2::text)
             FROM d WHERE $18::boolean)
         SELECT id, protocol, opened_at FROM d`,
      [
        service.id,
        input.channel,
        input.description,
        input.identity,
        citizenId,
        input.location?.lat ?? null,
        input.location?.lon ?? null,
        input.address ?? null,
        districtCode,
        subprefeituraCode,
        place?.blockId ?? null,
        department?.departmentId ?? null,
        JSON.stringify(answers.answers),
        hashSecret(secret),
        actor.kind,
        actor.kind === "staff" ? actor.id : null,
        JSON.stringify({
          channel: input.channel,
          service: service.code,
          departmentRuleId: department?.ruleId,
        }),
        citizenId !== null && hasContact,
      ],
    );
    for (const a of attachments) {
      await tx.query(
        `INSERT INTO attachments (demand_id, storage_key, media_type, size_bytes, sha256, original_name)
           VALUES ($1, $2, $3, $4, $5, $6)`,
        [
          demand.id,
          a.key,
          a.stored.mediaType,
          a.stored.sizeBytes,
          a.stored.sha256,
          a.stored.originalName ?? null,
        ],
      );
    }

    const body = {
      protocol: demand.protocol,
      secret,
      status: "new",
      service: service.code,
      district: districtCode,
      openedAt: demand.opened_at.toISOString(),
      attachments: attachments.length,
    };
    if (idempotency) {
      await tx.query(
        "UPDATE idempotency_keys SET response_status = 201, response_body = $3 WHERE scope = $1 AND key = $2",
        [IDEMPOTENCY_SCOPE, idempotency.key, JSON.stringify(body)],
      );
    }
    return { status: 201, body, replayed: false };
  };
  try {
    return needsTransaction ? await db.transaction(write) : await write(db);
  } catch (error) {
    if (error instanceof KeyTaken && idempotency) return replay(db, idempotency);
    throw error;
  }
}

/** The stored first answer for a key; 422 when the key came with another request body. */
async function replay(db: Db, idempotency: Idempotency): Promise<CreatedDemand> {
  const stored = await one<{
    fingerprint: string;
    response_status: number;
    response_body: CreatedDemand["body"];
  }>(
    db,
    "SELECT fingerprint, response_status, response_body FROM idempotency_keys WHERE scope = $1 AND key = $2",
    [IDEMPOTENCY_SCOPE, idempotency.key],
  );
  if (stored.fingerprint !== idempotency.fingerprint)
    throw unprocessable("idempotency_key_reused", "Idempotency-Key");
  return { status: stored.response_status, body: stored.response_body, replayed: true };
}
