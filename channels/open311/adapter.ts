/**
 * A GeoReport v2 (Open311) client as plain functions, for sending a department's work orders to that department's
 * own system and reading its status updates back. It talks the way FixMyStreet's well-tested Open311.pm does:
 * POST requests.{fmt} form-urlencoded with api_key and jurisdiction_id, `attribute[CODE]` for extra fields, the
 * service_request_id read from the receipt or, when the server answers a token, looked up at tokens/{token}.{fmt};
 * servicerequestupdates.{fmt} fetched for a start_date/end_date window. Errors come back as `Open311Error` with the
 * spec's error list, the HTTP status, and whether trying again later can help. Every call has a timeout.
 */
import {
  formatDateTime,
  type Open311ErrorItem,
  type Open311Format,
  Open311ParseError,
  type Open311Record,
  parseDateTime,
  parseErrors,
  parseRequests,
  parseUpdates,
} from "./parse.ts";

export type { Open311ErrorItem, Open311Format } from "./parse.ts";

/** Where and how to reach one GeoReport v2 endpoint. */
export interface Open311Endpoint {
  /** The base URL the spec's paths are resolved against, e.g. `https://city.example/open311/v2/`. */
  baseUrl: string;
  format: Open311Format;
  apiKey: string;
  jurisdictionId?: string | null | undefined;
  /** Milliseconds before a call is abandoned (default 30 s: well within a worker's lease on its outbox row). */
  timeoutMs?: number | undefined;
}

/** What a service request carries (the spec's POST fields). Personal fields are sent only when given. */
export interface ServiceRequestInput {
  serviceCode: string;
  lat?: number | undefined;
  long?: number | undefined;
  addressString?: string | undefined;
  description: string;
  /** Answers to the service's attributes: `attribute[CODE]`, or `attribute[CODE][]` once per value of a list. */
  attributes?: Record<string, string | string[]> | undefined;
  email?: string | undefined;
  firstName?: string | undefined;
  lastName?: string | undefined;
  phone?: string | undefined;
  mediaUrl?: string | undefined;
  deviceId?: string | undefined;
}

/** The server's receipt for a POSTed request: its id, or a token to look the id up with later. */
export interface RequestReceipt {
  serviceRequestId: string | null;
  token: string | null;
  serviceNotice: string | null;
  accountId: string | null;
}

/** One status update of the servicerequestupdates extension. */
export interface RequestUpdate {
  updateId: string;
  serviceRequestId: string;
  /** As the server wrote it: open, closed, or an extended status (IN_PROGRESS, NOT_COUNCILS_RESPONSIBILITY …). */
  status: string;
  description: string;
  updatedAt: Date | null;
  mediaUrl: string | null;
  externalStatusCode: string | null;
}

/** One service request as GET requests.{fmt} describes it. */
export interface ServiceRequestView {
  serviceRequestId: string;
  status: string | null;
  statusNotes: string | null;
  serviceCode: string | null;
  description: string | null;
  agencyResponsible: string | null;
  requestedAt: Date | null;
  updatedAt: Date | null;
  expectedAt: Date | null;
  address: string | null;
  lat: number | null;
  long: number | null;
  mediaUrl: string | null;
}

/**
 * A call failed: `status` is the HTTP status (null when no answer came: refused, reset, timed out), `errors` the
 * spec's error list when the body had one, `temporary` whether the same call may succeed later (no answer, 408,
 * 429, 5xx, an unreadable 2xx) or never will as it is (other 4xx).
 */
export class Open311Error extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly errors: Open311ErrorItem[],
    readonly temporary: boolean,
  ) {
    super(message);
    this.name = "Open311Error";
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

function urlOf(endpoint: Open311Endpoint, path: string, query: Array<[string, string]> = []): URL {
  const base = endpoint.baseUrl.endsWith("/") ? endpoint.baseUrl : `${endpoint.baseUrl}/`;
  const url = new URL(`${path}.${endpoint.format}`, base);
  for (const [k, v] of query) url.searchParams.append(k, v);
  return url;
}

function isTemporaryStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** Does one HTTP call and returns the body of a 2xx answer; anything else becomes an Open311Error. */
async function call(endpoint: Open311Endpoint, url: URL, init: RequestInit = {}): Promise<string> {
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, {
      ...init,
      headers: {
        accept: endpoint.format === "xml" ? "text/xml, application/xml" : "application/json",
        ...(init.headers ?? {}),
      },
      signal: AbortSignal.timeout(endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
    body = await response.text();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const reason =
      (error as Error).name === "TimeoutError" ? "timed out" : (cause ?? (error as Error).message);
    throw new Open311Error(`${init.method ?? "GET"} ${url.pathname}: ${reason}`, null, [], true);
  }
  if (response.ok) return body;
  const errors = parseErrors(body);
  const detail =
    errors.length > 0 ? errors.map((e) => `${e.code}: ${e.description}`).join("; ") : body.slice(0, 200);
  throw new Open311Error(
    `${init.method ?? "GET"} ${url.pathname}: HTTP ${response.status} ${detail}`.trim(),
    response.status,
    errors,
    isTemporaryStatus(response.status),
  );
}

/** Reads a 2xx body; a body that is not the spec's format counts as a temporary failure, as in FixMyStreet. */
function readOr<T>(url: URL, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Open311ParseError) {
      throw new Open311Error(`${url.pathname}: ${error.message}`, 200, [], true);
    }
    throw error;
  }
}

/** The form fields of a service request, in the spec's names (api_key and jurisdiction_id first). */
export function serviceRequestForm(endpoint: Open311Endpoint, input: ServiceRequestInput): URLSearchParams {
  const form = new URLSearchParams();
  form.append("api_key", endpoint.apiKey);
  if (endpoint.jurisdictionId) form.append("jurisdiction_id", endpoint.jurisdictionId);
  form.append("service_code", input.serviceCode);
  if (input.lat !== undefined && input.long !== undefined) {
    // Six decimals are ~10 cm: what FixMyStreet truncates to.
    form.append("lat", input.lat.toFixed(6));
    form.append("long", input.long.toFixed(6));
  }
  if (input.addressString) form.append("address_string", input.addressString);
  const optional: Array<[string, string | undefined]> = [
    ["email", input.email],
    ["first_name", input.firstName],
    ["last_name", input.lastName],
    ["phone", input.phone],
    ["device_id", input.deviceId],
    ["media_url", input.mediaUrl],
  ];
  for (const [name, value] of optional) if (value) form.append(name, value);
  form.append("description", input.description);
  for (const [code, value] of Object.entries(input.attributes ?? {})) {
    if (Array.isArray(value)) for (const v of value) form.append(`attribute[${code}][]`, v);
    else form.append(`attribute[${code}]`, value);
  }
  return form;
}

/**
 * POSTs a service request; resolves with the server's receipt (an id, or a token to poll with `getToken`). A
 * receipt with neither is a failure, as FixMyStreet counts it.
 */
export async function postServiceRequest(
  endpoint: Open311Endpoint,
  input: ServiceRequestInput,
): Promise<RequestReceipt> {
  const url = urlOf(endpoint, "requests");
  const body = await call(endpoint, url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body: serviceRequestForm(endpoint, input).toString(),
  });
  const first = readOr(url, () => parseRequests(body, endpoint.format))[0] ?? {};
  const receipt: RequestReceipt = {
    serviceRequestId: first.service_request_id ?? null,
    token: first.token ?? null,
    serviceNotice: first.service_notice ?? null,
    accountId: first.account_id ?? null,
  };
  if (!receipt.serviceRequestId && !receipt.token) {
    throw new Open311Error(
      `${url.pathname}: the receipt has neither service_request_id nor token`,
      200,
      [],
      true,
    );
  }
  return receipt;
}

function withJurisdiction(
  endpoint: Open311Endpoint,
  query: Array<[string, string]> = [],
): Array<[string, string]> {
  return endpoint.jurisdictionId ? [["jurisdiction_id", endpoint.jurisdictionId], ...query] : query;
}

/** Looks a token up: the service_request_id once the server has made the request, else null (not yet). */
export async function getToken(endpoint: Open311Endpoint, token: string): Promise<string | null> {
  const url = urlOf(endpoint, `tokens/${encodeURIComponent(token)}`, withJurisdiction(endpoint));
  const body = await call(endpoint, url);
  const records = readOr(url, () => parseRequests(body, endpoint.format));
  return records.find((r) => r.service_request_id)?.service_request_id ?? null;
}

/** The updates published between two instants (mySociety's servicerequestupdates extension), oldest first. */
export async function getServiceRequestUpdates(
  endpoint: Open311Endpoint,
  window: { startDate: Date; endDate: Date },
): Promise<RequestUpdate[]> {
  const url = urlOf(
    endpoint,
    "servicerequestupdates",
    withJurisdiction(endpoint, [
      ["api_key", endpoint.apiKey],
      ["start_date", formatDateTime(window.startDate)],
      ["end_date", formatDateTime(window.endDate)],
    ]),
  );
  const body = await call(endpoint, url);
  const updates = readOr(url, () => parseUpdates(body, endpoint.format))
    .filter((r) => r.update_id && r.service_request_id)
    .map(toUpdate);
  return updates.sort((a, b) => (a.updatedAt?.getTime() ?? 0) - (b.updatedAt?.getTime() ?? 0));
}

/** Reads one update record (also the fields of an update POSTed to us) into a RequestUpdate. */
export function toUpdate(r: Open311Record): RequestUpdate {
  return {
    updateId: r.update_id ?? "",
    serviceRequestId: r.service_request_id ?? "",
    status: r.status ?? "",
    description: r.description ?? "",
    updatedAt: parseDateTime(r.updated_datetime),
    mediaUrl: r.media_url ?? null,
    externalStatusCode: r.external_status_code ?? null,
  };
}

/** Reads requests by id (GET requests.{fmt}?service_request_id=a,b). */
export async function getServiceRequests(
  endpoint: Open311Endpoint,
  ids: readonly string[],
): Promise<ServiceRequestView[]> {
  const url = urlOf(
    endpoint,
    "requests",
    withJurisdiction(endpoint, [["service_request_id", ids.join(",")]]),
  );
  const body = await call(endpoint, url);
  return readOr(url, () => parseRequests(body, endpoint.format))
    .filter((r) => r.service_request_id)
    .map((r) => ({
      serviceRequestId: r.service_request_id!,
      status: r.status ?? null,
      statusNotes: r.status_notes ?? null,
      serviceCode: r.service_code ?? null,
      description: r.description ?? null,
      agencyResponsible: r.agency_responsible ?? null,
      requestedAt: parseDateTime(r.requested_datetime),
      updatedAt: parseDateTime(r.updated_datetime),
      expectedAt: parseDateTime(r.expected_datetime),
      address: r.address ?? null,
      lat: r.lat ? Number(r.lat) : null,
      long: r.long ? Number(r.long) : null,
      mediaUrl: r.media_url ?? null,
    }));
}
