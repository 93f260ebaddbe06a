/**
 * Open311 is one more channel into the same intake: POST requests becomes `createDemand` with channel `open311`,
 * and POST servicerequestupdates becomes a note on the demand's timeline (and, for the client that filed it, a
 * reopening when our rules allow one). Nothing here decides a rule of its own about demands.
 */
import { randomBytes } from "node:crypto";
import { parseProtocol } from "../../domain/protocol.ts";
import type { ApiClient } from "../api-keys/auth.ts";
import { geocodeAddress } from "../areas/geocoding.ts";
import { findServiceByCodeCached, type Service } from "../catalogue/queries.ts";
import { type Db, maybeOne, one } from "../db/index.ts";
import { createDemand } from "../demands/commands.ts";
import { DemandInput } from "../demands/schemas.ts";
import { AppError } from "../errors.ts";
import { validate } from "../http/openapi.ts";
import { reopenDemand } from "../satisfaction/commands.ts";
import type { RequestForm, UpdateForm } from "./schemas.ts";

/** Attributes FixMyStreet sends that are not fields of our services: kept as references to the client's report. */
const CLIENT_REFERENCE_ATTRIBUTES = ["fixmystreet_id", "report_url", "title", "external_id"] as const;

/** Geocoding candidates at or above this score place an address_string without a point. */
const GEOCODE_MIN_SCORE = 0.6;

/** A filed request: the protocol number, its token, and the service it was filed for. */
export interface FiledRequest {
  protocol: string;
  token: string;
  service: Service;
}

/** The service a code names, active; 404 `unknown_service` otherwise (the spec's "service_code was not found"). */
export async function findOpen311Service(db: Db, code: string): Promise<Service> {
  const service = await findServiceByCodeCached(db, code);
  if (!service?.active)
    throw new AppError(404, "unknown_service", { code }, [
      { field: "service_code", code: "unknown_service" },
    ]);
  return service;
}

/**
 * Splits the client's attributes into answers to the service's fields (codes matched without regard to case, as
 * clients echo them) and the references FixMyStreet adds; other unknown codes are left out, not refused.
 */
function sortAttributes(service: Service, attributes: Record<string, string | string[]>) {
  const byCode = new Map(service.attributes.map((a) => [a.code.toLowerCase(), a.code]));
  const answers: Record<string, string | string[]> = {};
  const refs: Record<string, string> = {};
  for (const [code, value] of Object.entries(attributes)) {
    const known = byCode.get(code.toLowerCase());
    if (known) answers[known] = value;
    else if ((CLIENT_REFERENCE_ATTRIBUTES as readonly string[]).includes(code.toLowerCase()))
      refs[code.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
  }
  return { answers, refs };
}

/** Where the request is: a point, a geocoded address, or a district picked by code (address_id). */
async function placeOf(db: Db, service: Service, form: RequestForm) {
  if ((form.lat === undefined) !== (form.long === undefined)) {
    const field = form.lat === undefined ? "lat" : "long";
    throw new AppError(400, "invalid_input", {}, [{ field, code: "required" }]);
  }
  if (form.lat !== undefined && form.long !== undefined)
    return { location: { lat: form.lat, lon: form.long } };
  if (form.address_id) return { district: form.address_id };
  if (form.address_string) {
    const [best] = await geocodeAddress(db, form.address_string, { limit: 1 });
    if (best && best.score >= GEOCODE_MIN_SCORE) return { location: { lat: best.lat, lon: best.lon } };
    if (service.locationRequired)
      throw new AppError(400, "address_not_found", {}, [
        { field: "address_string", code: "address_not_found" },
      ]);
    return {};
  }
  throw new AppError(400, "open311_location_required", {}, [
    { field: "lat/long", code: "open311_location_required" },
  ]);
}

/**
 * POST requests: files a demand through the common intake (channel `open311`, the reporter identified when a
 * name or contact is given, anonymous otherwise) and records which client filed it, with the token that resolves
 * to its protocol number.
 */
export async function fileOpen311Request(
  db: Db,
  client: ApiClient,
  form: RequestForm,
  attributes: Record<string, string | string[]>,
): Promise<FiledRequest> {
  const service = await findOpen311Service(db, form.service_code);
  const place = await placeOf(db, service, form);
  const { answers, refs } = sortAttributes(service, attributes);
  const name = [form.first_name, form.last_name].filter(Boolean).join(" ") || undefined;
  const identified = Boolean(name || form.email || form.phone);
  const description =
    form.description ??
    refs.title ??
    (typeof attributes.description === "string" ? attributes.description : null);
  const input = validate(DemandInput, {
    service: service.code,
    description: description ?? pickName(service),
    identity: identified ? "identified" : "anonymous",
    ...(identified ? { citizen: { name, email: form.email, phone: form.phone } } : {}),
    ...place,
    ...(form.address_string ? { address: form.address_string } : {}),
    attributes: answers,
    channel: "open311",
  });
  const token = randomBytes(16).toString("base64url");
  // Written in the demand's own transaction: a request is never left without its client and token.
  const created = await createDemand(
    db,
    { kind: "citizen" },
    { ...input, channel: "open311" },
    [],
    undefined,
    async (tx, demand) => {
      await tx.query(
        `INSERT INTO open311_requests (demand_id, api_client_id, token, media_url, client_refs)
         VALUES ($1, $2, $3, $4, $5)`,
        [demand.id, client.id, token, form.media_url ?? null, JSON.stringify(refs)],
      );
    },
  );
  return { protocol: created.body.protocol, token, service };
}

function pickName(service: Service): string {
  return service.name["pt-BR"];
}

/** The demand a service_request_id names; 404 `unknown_request` when it does not exist (or cannot: bad digits). */
export async function findRequestDemand(db: Db, serviceRequestId: string) {
  const parsed = parseProtocol(serviceRequestId);
  const demand = parsed.ok
    ? await maybeOne<{ id: number; status: string; filed_by: number | null }>(
        db,
        `SELECT d.id, d.status, o.api_client_id AS filed_by
           FROM demands d LEFT JOIN open311_requests o ON o.demand_id = d.id WHERE d.protocol = $1`,
        [parsed.protocol],
      )
    : undefined;
  if (!demand) throw new AppError(404, "unknown_request", { id: serviceRequestId });
  return demand;
}

/** What happened to the status a client sent with an update. */
export type UpdateEffect = "recorded" | "reopened" | "reopen_refused";

/**
 * POST servicerequestupdates: the client's update becomes an internal timeline note (its text may hold personal
 * data, so it is not published). An open/reopen status from the client that filed a closed demand reopens it as a
 * citizen would (within the window, unless rated solved); a closing status never closes a demand: only the
 * department's answer does. A retry with the same client update id answers with the first note.
 */
export async function postOpen311Update(
  db: Db,
  client: ApiClient,
  form: UpdateForm,
): Promise<{ updateId: number; effect: UpdateEffect }> {
  const demand = await findRequestDemand(db, form.service_request_id);
  if (form.update_id) {
    const earlier = await maybeOne<{ id: number; effect: UpdateEffect }>(
      db,
      `SELECT id, data ->> 'effect' AS effect FROM demand_events
        WHERE demand_id = $1 AND type = 'demand.open311_update' AND data ->> 'clientUpdateId' = $2
          AND (data ->> 'apiClientId')::bigint = $3`,
      [demand.id, form.update_id, client.id],
    );
    if (earlier) return { updateId: earlier.id, effect: earlier.effect };
  }
  let effect: UpdateEffect = "recorded";
  const reopening = form.status === "open" || form.status === "reopen";
  if (reopening && demand.status === "closed" && demand.filed_by === client.id) {
    try {
      await reopenDemand(db, { kind: "citizen" }, demand.id, form.description ?? "Open311");
      effect = "reopened";
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 409) throw error;
      effect = "reopen_refused";
    }
  }
  const event = await one<{ id: number }>(
    db,
    `INSERT INTO demand_events (demand_id, type, actor_kind, visibility, data)
     VALUES ($1, 'demand.open311_update', 'citizen', 'internal', $2) RETURNING id`,
    [
      demand.id,
      JSON.stringify({
        apiClientId: client.id,
        client: client.name,
        clientUpdateId: form.update_id ?? null,
        status: form.status ?? null,
        description: form.description ?? null,
        mediaUrl: form.media_url ?? null,
        effect,
      }),
    ],
  );
  return { updateId: event.id, effect };
}
