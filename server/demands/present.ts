/** The JSON shapes of a demand that leave the server: the public view and the full view. */
import { TRIAGE_DESK_STATUSES } from "../../domain/status.ts";
import { type Locale, pickLocalized } from "../i18n.ts";
import { isDistrictOnly, roundToGrid } from "../public-data/record.ts";
import { type KnownPerson, NOBODY, redactPublicDeep } from "../public-data/redact.ts";
import type { CitizenChoices } from "../satisfaction/queries.ts";
import type { AttachmentRow, DemandRow, EventRow } from "./queries.ts";

/** Who is looking, which decides what the full view shows. */
export interface Viewer {
  /** The citizen holding the secret, or a staff member. */
  kind: "public" | "citizen" | "staff";
  /** May see who filed a confidential demand (the ombudsman team, or the citizen themself). */
  canSeeConfidentialIdentity: boolean;
}

function presentEvent(e: EventRow) {
  return {
    at: e.at.toISOString(),
    type: e.type,
    actor: e.actor_kind,
    visibility: e.visibility,
    data: e.data,
  };
}

/**
 * The public view: what anyone with the protocol number may read. No personal data: no description, no exact
 * address, the point rounded to about 100 m (none for sensitive services and confidential demands: the district
 * only), public events only, through the one redaction rule with what is known of the demand's people (`known`,
 * from server/public-data/known.ts).
 */
export function presentPublicDemand(
  d: DemandRow,
  events: EventRow[],
  locale: Locale,
  known: KnownPerson = NOBODY,
) {
  return {
    protocol: d.protocol,
    status: d.status,
    // Held by the fallback triage desk, not yet sent on: screens say "em triagem na Central 156" (decision 0025).
    atTriageDesk: d.at_triage_desk === true && (TRIAGE_DESK_STATUSES as readonly string[]).includes(d.status),
    outcome: d.outcome,
    service: { code: d.service_code, name: pickLocalized(d.service_name, locale) },
    channel: d.channel,
    district: d.district_code ? { code: d.district_code, name: d.district_name } : null,
    subprefeitura: d.subprefeitura_code ? { code: d.subprefeitura_code, name: d.subprefeitura_name } : null,
    department: d.department_code ? { code: d.department_code, name: d.department_name } : null,
    approximateLocation:
      d.lat === null || d.lon === null || isDistrictOnly(d)
        ? null
        : { lat: roundToGrid(d.lat), lon: roundToGrid(d.lon) },
    openedAt: d.opened_at.toISOString(),
    closedAt: d.closed_at?.toISOString() ?? null,
    dueAt: d.due_at?.toISOString() ?? null,
    timeline: events
      .filter((e) => e.visibility === "public")
      .map((e) => ({ ...presentEvent(e), data: redactPublicDeep(e.data, known) })),
    view: "public" as const,
  };
}

/** The full view: for the citizen who holds the secret and for staff. */
export function presentFullDemand(
  d: DemandRow,
  events: EventRow[],
  attachments: AttachmentRow[],
  citizen: { name: string | null; contacts: { channel: string; value: string }[] } | undefined,
  viewer: Viewer,
  locale: Locale,
  choices?: CitizenChoices,
) {
  const identityVisible = d.identity_mode === "identified" || viewer.canSeeConfidentialIdentity;
  return {
    ...presentPublicDemand(d, events, locale),
    description: d.description,
    address: d.address,
    location: d.lat === null ? null : { lat: d.lat, lon: d.lon },
    blockId: d.block_id,
    attributes: d.attributes,
    identity: d.identity_mode,
    citizen: citizen && identityVisible ? citizen : null,
    // Staff see which colleague acted; the citizen's view says only "staff", as the public one does.
    timeline: events.map((e) =>
      viewer.kind === "staff"
        ? {
            ...presentEvent(e),
            staff:
              e.actor_kind === "staff" && e.actor_id !== null ? { id: e.actor_id, name: e.actor_name } : null,
          }
        : presentEvent(e),
    ),
    // The citizen sees their own photos and the evidence an answer showed them (visibility 'public' — to the
    // demand's citizen, never on the public view: decision 0030); staff also see evidence not yet shown.
    attachments: attachments.map((a) => ({
      id: a.id,
      mediaType: a.media_type,
      sizeBytes: a.size_bytes,
      name: a.original_name,
      url: `/api/v1/demands/${d.protocol}/attachments/${a.id}`,
      kind: a.work_order_id === null ? ("citizen" as const) : ("evidence" as const),
      createdAt: a.created_at.toISOString(),
    })),
    view: viewer.kind === "staff" ? ("staff" as const) : ("citizen" as const),
    // What the citizen may still do from their page (rate, reopen); staff act from their own screens.
    ...(choices ? { choices } : {}),
  };
}
