/**
 * Commands that change demands. Each runs in one transaction and writes its outbound work (messages, routing)
 * into the outbox inside that same transaction.
 */
import { createHash, randomBytes } from "node:crypto";
import { checkAnswers } from "../../domain/attributes.ts";
import { PRIVACY_POLICY_VERSION } from "../../domain/privacy.ts";
import type { Actor } from "../access/principal.ts";
import { findServiceByCodeCached } from "../catalogue/queries.ts";
import { findOrCreateCitizen, recordConsent } from "../citizens/commands.ts";
import { type Db, maybeOne, one, type Sql } from "../db/index.ts";
import { AppError, unprocessable } from "../errors.ts";
import { enqueueSql, sqlLiteral, sqlValue } from "../jobs/enqueue.ts";
import { resolveDepartment } from "../organisation/queries.ts";
import type { CheckedAttachment } from "./attachments.ts";
import type { Channel, DemandInput } from "./schemas.ts";

// The actor lives in server/access/principal.ts; intake callers (routes, telephony) import it from here too.
export type { Actor } from "../access/principal.ts";

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

/**
 * What a channel writes about a new demand in the demand's own transaction (Open311: which client filed it and the
 * token it was given), so the two are committed together or not at all.
 */
export type WriteAlongside = (tx: Sql, demand: { id: number; protocol: string }) => Promise<void>;

/** Thrown inside the transaction when another request already holds the key; the caller replays its answer. */
class KeyTaken extends Error {}

/** Where a demand's area comes from: a point placed by the insert itself, or a district already looked up. */
type AreaSource =
  | { kind: "point"; lat: number; lon: number }
  | {
      kind: "area";
      districtCode: string | null;
      subprefeituraCode: string | null;
      department: { departmentId: number; ruleId: number } | null;
    };

/** Intake's routing job, queued in the demand's own insert (one row per row of `d`, the new demand). */
const ROUTE_DEMAND = enqueueSql("route-demand", { demandId: sqlValue<number>("d.id") }, "d");

/** The receipt to the citizen, queued likewise when $12 says the demand has a citizen with a contact ($5). */
const RECEIPT = enqueueSql(
  "send-message",
  {
    demandId: sqlValue<number>("d.id"),
    citizenId: sqlValue<number>("$5::bigint"),
    template: sqlLiteral("demand.received"),
    channel: sqlValue<string>("$2::text"),
  },
  "d",
  "$12::boolean",
);

/**
 * The demand, its first timeline event and the outbox rows for the work it causes (routing to the department; the
 * receipt to the citizen when there is a contact), in one statement over an area CTE `p`. Parameters $1–$12 are
 * shared; the area's follow. With no row in `p` (a point outside every district) nothing is inserted.
 */
function insertDemandSql(areaCte: string): string {
  return `WITH p AS (${areaCte}),
     d AS (
       INSERT INTO demands (protocol, service_id, channel, description, identity_mode, citizen_id, location,
         address, district_code, subprefeitura_code, block_id, department_id, attributes, secret_hash)
       SELECT next_protocol(), $1, $2, $3, $4, $5, p.geom, $6, p.district_code, p.subprefeitura_code, p.block_id,
              p.department_id, $7, $8
         FROM p
       RETURNING id, protocol, opened_at, district_code),
     e AS (
       INSERT INTO demand_events (demand_id, type, actor_kind, actor_id, visibility, data)
       SELECT d.id, 'demand.created', $9, $10, 'public',
              CASE WHEN p.rule_id IS NULL THEN $11::jsonb
                   ELSE $11::jsonb || jsonb_build_object('departmentRuleId', p.rule_id) END
         FROM d, p),
     r AS (${ROUTE_DEMAND}),
     m AS (${RECEIPT})
     SELECT id, protocol, opened_at, district_code FROM d`;
}

/** Intake at a point: placed in its district and block and routed by the matrix inside the insert. */
const INSERT_AT_POINT = insertDemandSql(
  `SELECT ST_SetSRID(ST_MakePoint($13::float8, $14::float8), 4326) AS geom, pp.district_code, pp.subprefeitura_code,
          pp.block_id, r.department_id, r.rule_id
     FROM place_point($13::float8, $14::float8) pp
     LEFT JOIN LATERAL resolve_department($1::bigint, pp.district_code, pp.subprefeitura_code) r ON true`,
);

/** Intake in a district picked by code (or none): the area and department were resolved before. */
const INSERT_IN_AREA = insertDemandSql(
  `SELECT NULL::geometry AS geom, $13::text AS district_code, $14::text AS subprefeitura_code,
          NULL::bigint AS block_id, $15::bigint AS department_id, $16::bigint AS rule_id`,
);

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
  alongside?: WriteAlongside,
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
  // A demand the city's own inspector opens on the field tablet has no citizen behind it: a service's refusal of
  // anonymous demands is about citizens, not about the city reporting what it saw.
  if (input.identity === "anonymous" && !service.anonymousAllowed && input.channel !== "field") {
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

  // Where the demand lies and who answers for it. A point is placed (place_point) and routed (resolve_department)
  // inside the insert itself, so an anonymous demand is one statement and one round trip; a district picked by
  // code is looked up first. Either way the insert reads its area from the CTE `p` (see insertDemandSql).
  let area: AreaSource;
  if (input.location) {
    area = { kind: "point", lat: input.location.lat, lon: input.location.lon };
  } else {
    let districtCode: string | null = null;
    let subprefeituraCode: string | null = null;
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
    const department = await resolveDepartment(db, {
      serviceId: service.id,
      districtCode,
      subprefeituraCode,
    });
    area = { kind: "area", districtCode, subprefeituraCode, department };
  }

  const secret = randomBytes(18).toString("base64url");
  const identified = input.identity !== "anonymous" && input.citizen !== undefined;
  // One statement is atomic by itself: an anonymous demand without key or files needs no BEGIN/COMMIT.
  const needsTransaction =
    idempotency !== undefined || identified || attachments.length > 0 || alongside !== undefined;
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
        // WhatsApp chosen with only a phone: the phone is the WhatsApp number.
        contacts: {
          email: c.email,
          phone: c.phone,
          whatsapp: c.whatsapp ?? (c.preferredChannel === "whatsapp" ? c.phone : undefined),
          telegram: c.telegram,
        },
        preferredChannel: c.preferredChannel,
        signedIn: actor.kind === "citizen" ? actor.citizenId : undefined,
      });
    }

    const common = [
      service.id,
      input.channel,
      input.description,
      input.identity,
      citizenId,
      input.address ?? null,
      JSON.stringify(answers.answers),
      hashSecret(secret),
      actor.kind,
      actor.kind === "staff" ? actor.id : null,
      JSON.stringify({ channel: input.channel, service: service.code }),
      citizenId !== null && hasContact,
    ];
    const areaParams =
      area.kind === "point"
        ? [area.lon, area.lat]
        : [
            area.districtCode,
            area.subprefeituraCode,
            area.department?.departmentId ?? null,
            area.department?.ruleId ?? null,
          ];
    const demand = await maybeOne<{
      id: number;
      protocol: string;
      opened_at: Date;
      district_code: string | null;
    }>(tx, area.kind === "point" ? INSERT_AT_POINT : INSERT_IN_AREA, [...common, ...areaParams]);
    // No row: place_point found no district, so nothing was written.
    if (!demand) throw unprocessable("point_outside_city", "location");
    const districtCode = demand.district_code;
    if (citizenId !== null && input.citizen) {
      // Every identified demand carries its consent record (LGPD art. 8): the version the person agreed to when
      // the channel sent it, else the notice that channel shows (declared: false); by the agent on a staff channel.
      await recordConsent(tx, {
        citizenId,
        purpose: "service",
        granted: true,
        policyVersion: input.citizen.consent?.policyVersion ?? PRIVACY_POLICY_VERSION,
        channel: input.channel,
        demandId: demand.id,
        recordedBy: actor.kind === "staff" ? actor.id : null,
        declared: input.citizen.consent !== undefined,
      });
    }
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

    if (alongside) await alongside(tx, { id: demand.id, protocol: demand.protocol });

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
