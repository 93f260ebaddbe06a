/**
 * The GeoReport v2 documents this server sends, as JSON-format data (xml.ts writes the same data as XML): the
 * discovery document, services and their definitions, requests as public records, and the update feed. Our
 * statuses are mapped here to the spec's open/closed and to FixMyStreet's extended statuses (docs/open311.md).
 */
import type { ServiceAttribute } from "../../domain/attributes.ts";
import type { DemandStatus } from "../../domain/status.ts";
import type { Service, ServiceGroup } from "../catalogue/queries.ts";
import { type Locale, pickLocalized, translate } from "../i18n.ts";
import { type OfficialStreets, publicDemandRecord } from "../public-data/record.ts";
import { redactPublicText } from "../public-data/redact.ts";
import type { RequestRow, UpdateRow } from "./queries.ts";

/** The spec's URL of GeoReport v2, named in the discovery document. */
export const SPECIFICATION = "http://wiki.open311.org/GeoReport_v2";

/** Our statuses counted as `closed` by the spec ("it has been resolved"): the answer is given, or the demand ended. */
export const CLOSED_STATUSES: readonly DemandStatus[] = ["answered", "closed", "cancelled", "merged"];

/** The spec's status of one of ours. */
export function specStatus(status: string): "open" | "closed" {
  return (CLOSED_STATUSES as readonly string[]).includes(status) ? "closed" : "open";
}

/** FixMyStreet's extended status (lower case, as its Open311 adapter writes them) of one of ours and its outcome. */
export function extendedStatus(status: string, outcome: string | null): string {
  switch (status) {
    case "dispatched":
      return "investigating";
    case "accepted":
      return "action_scheduled";
    case "in_progress":
      return "in_progress";
    case "rerouted":
      return "internal_referral";
    case "merged":
      return "duplicate";
    case "answered":
    case "closed":
    case "cancelled":
      if (outcome === "duplicate") return "duplicate";
      if (outcome === "refused") return "not_councils_responsibility";
      if (outcome === "not_resolved") return "no_further_action";
      if (outcome === "withdrawn" || status === "cancelled") return "closed";
      return "fixed";
    default:
      // new, triaged, returned, reopened: reported and not yet with a department.
      return "open";
  }
}

/**
 * The service discovery document (Open311 Service Discovery), pointing at this server's one endpoint at the
 * tenant's public address (`publicUrl`, server/tenants/public-url.ts).
 */
export function presentDiscovery(publicUrl: string, changedAt: Date, locale: Locale) {
  const changeset = w3c(changedAt);
  return {
    changeset,
    contact: translate(locale, "open311.discovery.contact", { url: publicUrl }),
    key_service: translate(locale, "open311.discovery.key_service", { url: publicUrl }),
    endpoints: [
      {
        specification: SPECIFICATION,
        url: `${publicUrl}/open311/v2`,
        changeset,
        type: "production",
        formats: ["text/xml", "application/json"],
      },
    ],
  };
}

/** The group a service is listed under: its Tema (the root group), else its own group. */
function groupName(service: Service, groups: Map<number, ServiceGroup>, locale: Locale): string {
  const group = groups.get(service.rootGroupId ?? service.groupId);
  return group ? pickLocalized(group.name, locale) : "";
}

/** One service of GET services, with the FixMyStreet `groups` extension beside the spec's `group`. */
export function presentService(service: Service, groups: Map<number, ServiceGroup>, locale: Locale) {
  const group = groupName(service, groups, locale);
  return {
    service_code: service.code,
    service_name: pickLocalized(service.name, locale),
    description: pickLocalized(service.description, locale),
    metadata: service.attributes.length > 0,
    type: "realtime",
    keywords: service.keywords.join(", "),
    group,
    groups: group ? [group] : [],
  };
}

function presentAttribute(attribute: ServiceAttribute, locale: Locale) {
  return {
    variable: true,
    code: attribute.code,
    datatype: attribute.datatype,
    required: attribute.required,
    datatype_description: translate(locale, `open311.datatypes.${attribute.datatype}`),
    order: attribute.order,
    description: pickLocalized(attribute.description, locale),
    values: attribute.values.map((v) => ({ key: v.key, name: pickLocalized(v.name, locale) })),
  };
}

/** GET services/{service_code}: the service's extra fields, in display order. */
export function presentServiceDefinition(service: Service, locale: Locale) {
  const attributes = [...service.attributes].sort((a, b) => a.order - b.order);
  return {
    service_code: service.code,
    attributes: attributes.map((a) => presentAttribute(a, locale)),
  };
}

/** What the city expects to do, said when a request is filed: its protocol and the service's deadline. */
export function serviceNotice(service: Service, protocol: string, locale: Locale): string {
  const deadline = translate(locale, `catalogue.deadline_units.${service.deadline.unit}`, {
    amount: service.deadline.amount,
  });
  return translate(locale, "open311.service_notice", { protocol, deadline });
}

/** The answer to POST requests: the new request's id (its protocol number) and the token that resolves to it. */
export function presentCreated(protocol: string, token: string, notice: string) {
  return [{ service_request_id: protocol, token, service_notice: notice, account_id: null }];
}

/** The answer to GET tokens/{token}. */
export function presentToken(protocol: string, token: string) {
  return [{ service_request_id: protocol, token }];
}

/** W3C date-time in UTC with its zone, seconds precision: "2010-04-14T14:37:38Z". */
export function w3c(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * One request of GET requests: the demand's public record (server/public-data decides what may leave) in the
 * spec's fields. No description, person or house number ever (the answer in `status_notes` goes through the one
 * redaction rule); a district-level record is placed at a point inside its district so map clients can still show it.
 */
export function presentRequest(row: RequestRow, locale: Locale, streets: OfficialStreets) {
  const record = publicDemandRecord(row, { locale, streets });
  const districtOnly = record.precision !== "grid";
  const address = [record.street, record.districtName].filter(Boolean).join(", ");
  const updated = row.closed_at ?? row.updated_at ?? row.opened_at;
  return {
    service_request_id: record.protocol,
    status: specStatus(record.status),
    status_notes:
      row.answer === null
        ? translate(locale, `status.${record.status}`)
        : redactPublicText(row.answer, row.known),
    service_name: record.serviceName,
    service_code: record.serviceCode,
    description: null,
    agency_responsible: row.department_name,
    service_notice: null,
    requested_datetime: w3c(row.opened_at),
    updated_datetime: w3c(updated),
    expected_datetime: row.due_at ? w3c(row.due_at) : null,
    address: address || null,
    address_id: record.district,
    zipcode: null,
    lat: districtOnly ? round(row.district_lat) : record.lat,
    long: districtOnly ? round(row.district_lon) : record.lon,
    media_url: districtOnly ? null : row.media_url,
  };
}

const round = (v: number | null) => (v === null ? null : Number(v.toFixed(3)));

/** Timeline event types that make the update feed: the creation and every status change. */
export const UPDATE_EVENT_TYPES: readonly string[] = [
  "demand.created",
  "demand.triaged",
  "demand.dispatched",
  "demand.accepted",
  "demand.in_progress",
  "demand.answered",
  "demand.closed",
  "demand.returned",
  "demand.rerouted",
  "demand.reopened",
  "demand.cancelled",
  "demand.merged",
];

/**
 * One update of GET servicerequestupdates (FixMyStreet's extension): a public status event of a demand, its answer
 * redacted by the one rule.
 */
export function presentUpdate(row: UpdateRow, locale: Locale) {
  const status = row.type === "demand.created" ? "new" : row.type.slice("demand.".length);
  // The outcome is the demand's, known once it ended; earlier events of an ended demand take the final outcome.
  const outcome = CLOSED_STATUSES.includes(status as DemandStatus) ? row.outcome : null;
  return {
    update_id: String(row.id),
    service_request_id: row.protocol,
    status: extendedStatus(status, outcome),
    updated_datetime: w3c(row.at),
    description:
      row.answer === null ? translate(locale, `events.${row.type}`) : redactPublicText(row.answer, row.known),
    media_url: "",
    external_status_code: status,
  };
}

/** The answer to POST servicerequestupdates: the id this server gave the update. */
export function presentPostedUpdate(updateId: number) {
  return [{ update_id: String(updateId) }];
}
