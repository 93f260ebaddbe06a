/**
 * A small GeoReport v2 server on 127.0.0.1, for tests: the spec's real paths (requests, tokens/{token},
 * servicerequestupdates, each .xml or .json), its form-urlencoded POST and its XML and JSON answers, and its error
 * format. It records every call, checks api_key, jurisdiction_id and service_code like a real server, can answer a
 * token first (the id shows up at tokens/{token} after a few polls), can answer 500 or be down, and publishes
 * status updates that servicerequestupdates lists by updated_datetime.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { formatDateTime } from "./parse.ts";

/** One call the fake received. */
export interface ReceivedCall {
  method: string;
  /** The path below the base, without extension: "requests", "tokens/abc", "servicerequestupdates". */
  path: string;
  format: "xml" | "json";
  query: URLSearchParams;
  /** The form body of a POST. */
  form: URLSearchParams | null;
  contentType: string | undefined;
}

/** A request the fake holds, by its id. */
export interface HeldRequest {
  id: string;
  token: string | null;
  form: URLSearchParams;
  status: "open" | "closed";
}

/** An update the fake publishes. */
export interface FakeUpdate {
  updateId: string;
  serviceRequestId: string;
  status: string;
  description: string;
  updatedAt: Date;
  externalStatusCode?: string;
}

export interface FakeGeoReportOptions {
  /** The api_key every POST (and servicerequestupdates) must carry; unset accepts any. */
  apiKey?: string;
  /** The jurisdiction_id required; unset accepts any. */
  jurisdictionId?: string;
  /** The service codes it knows; unset knows every code. */
  serviceCodes?: string[];
  /** Answer POSTs with a token; its id is given at tokens/{token} after `tokenPolls` lookups (default 1). */
  tokens?: boolean;
  tokenPolls?: number;
}

/** A running fake GeoReport v2 server. */
export interface FakeGeoReport {
  /** The base URL: `http://127.0.0.1:PORT/open311/v2/`. */
  url: string;
  received: ReceivedCall[];
  /** The POSTs of service requests received. */
  posts(): ReceivedCall[];
  requests: Map<string, HeldRequest>;
  /** Answers the next `times` calls (any path) with this HTTP status and a spec error body. */
  fail(status: number, times?: number): void;
  recover(): void;
  /** Stops listening (connections are refused) until `up()`. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Publishes an update of a held request; `updatedAt` defaults to now, `updateId` to a serial. */
  publish(update: Omit<FakeUpdate, "updateId" | "updatedAt"> & Partial<FakeUpdate>): FakeUpdate;
  close(): Promise<void>;
}

const PREFIX = "/open311/v2/";

const ENTITIES: Record<string, string> = {
  "<": "&lt;",
  ">": "&gt;",
  "&": "&amp;",
  '"': "&quot;",
  "'": "&apos;",
};

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ENTITIES[c]!);
}

function xmlList(root: string, item: string, records: Array<Record<string, string | null>>): string {
  const items = records
    .map((r) => {
      const fields = Object.entries(r)
        .map(([k, v]) => (v === null ? `<${k}/>` : `<${k}>${escapeXml(v)}</${k}>`))
        .join("");
      return `<${item}>${fields}</${item}>`;
    })
    .join("");
  return `<?xml version="1.0" encoding="utf-8"?>\n<${root}>${items}</${root}>`;
}

function send(
  res: ServerResponse,
  format: "xml" | "json",
  status: number,
  root: string,
  item: string,
  records: Array<Record<string, string | null>>,
): void {
  const body = format === "xml" ? xmlList(root, item, records) : JSON.stringify(records);
  res.writeHead(status, {
    "content-type": format === "xml" ? "text/xml; charset=utf-8" : "application/json; charset=utf-8",
  });
  res.end(body);
}

function sendError(res: ServerResponse, format: "xml" | "json", status: number, description: string): void {
  send(res, format, status, "errors", "error", [{ code: String(status), description }]);
}

async function bodyOf(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the fake on a free loopback port. */
export async function startFakeGeoReport(options: FakeGeoReportOptions = {}): Promise<FakeGeoReport> {
  const received: ReceivedCall[] = [];
  const requests = new Map<string, HeldRequest>();
  const byToken = new Map<string, { id: string; polls: number }>();
  const updates: FakeUpdate[] = [];
  let failure: { status: number; times: number } | undefined;
  let serial = 1000;
  let updateSerial = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const match = url.pathname.startsWith(PREFIX)
      ? /^(.+)\.(xml|json)$/.exec(url.pathname.slice(PREFIX.length))
      : null;
    if (!match) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    const path = decodeURIComponent(match[1]!);
    const format = match[2] as "xml" | "json";
    const raw = req.method === "POST" ? await bodyOf(req) : "";
    const form = req.method === "POST" ? new URLSearchParams(raw) : null;
    received.push({
      method: req.method ?? "GET",
      path,
      format,
      query: url.searchParams,
      form,
      contentType: req.headers["content-type"],
    });
    if (failure && failure.times > 0) {
      failure.times--;
      sendError(res, format, failure.status, "The service is temporarily unavailable.");
      return;
    }
    const params = form ?? url.searchParams;
    if (options.jurisdictionId && params.get("jurisdiction_id") !== options.jurisdictionId) {
      sendError(res, format, 404, "jurisdiction_id was not found.");
      return;
    }
    if (req.method === "POST" && path === "requests") postRequest(res, format, form!);
    else if (req.method === "GET" && path.startsWith("tokens/")) getToken(res, format, path.slice(7));
    else if (req.method === "GET" && path === "servicerequestupdates")
      getUpdates(res, format, url.searchParams);
    else if (req.method === "GET" && path === "requests") getRequests(res, format, url.searchParams);
    else sendError(res, format, 404, "Unknown method.");
  }

  function postRequest(res: ServerResponse, format: "xml" | "json", form: URLSearchParams): void {
    if (options.apiKey !== undefined && form.get("api_key") !== options.apiKey) {
      sendError(res, format, 403, "Invalid api_key received -- can't proceed with create_request.");
      return;
    }
    const code = form.get("service_code");
    if (!code) {
      sendError(res, format, 400, "service_code was not provided.");
      return;
    }
    if (options.serviceCodes && !options.serviceCodes.includes(code)) {
      sendError(res, format, 400, `Service code ${code} is invalid.`);
      return;
    }
    if (!(form.get("lat") && form.get("long")) && !form.get("address_string") && !form.get("address_id")) {
      sendError(res, format, 400, "A location (lat/long, address_string or address_id) is required.");
      return;
    }
    const id = String(++serial);
    if (options.tokens) {
      const token = `tok-${id}`;
      requests.set(id, { id, token, form, status: "open" });
      byToken.set(token, { id, polls: 0 });
      send(res, format, 200, "service_requests", "request", [{ token }]);
      return;
    }
    requests.set(id, { id, token: null, form, status: "open" });
    send(res, format, 200, "service_requests", "request", [
      { service_request_id: id, service_notice: "Vistoria em até 5 dias úteis.", account_id: null },
    ]);
  }

  function getToken(res: ServerResponse, format: "xml" | "json", token: string): void {
    const held = byToken.get(token);
    if (!held) {
      sendError(res, format, 404, `Token ${token} was not found.`);
      return;
    }
    held.polls++;
    const ready = held.polls >= (options.tokenPolls ?? 1);
    send(res, format, 200, "service_requests", "request", [
      ready ? { service_request_id: held.id, token } : { token },
    ]);
  }

  function getUpdates(res: ServerResponse, format: "xml" | "json", query: URLSearchParams): void {
    if (options.apiKey !== undefined && query.get("api_key") !== options.apiKey) {
      sendError(res, format, 403, "Invalid api_key received.");
      return;
    }
    const start = query.get("start_date") ? new Date(query.get("start_date")!) : new Date(0);
    const end = query.get("end_date") ? new Date(query.get("end_date")!) : new Date(8.64e15);
    if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) {
      sendError(res, format, 400, "start_date and end_date must be W3C date-times.");
      return;
    }
    const list = updates
      .filter((u) => u.updatedAt >= start && u.updatedAt <= end)
      .map((u) => ({
        update_id: u.updateId,
        service_request_id: u.serviceRequestId,
        status: u.status,
        updated_datetime: formatDateTime(u.updatedAt),
        description: u.description,
        media_url: null,
        ...(u.externalStatusCode ? { external_status_code: u.externalStatusCode } : {}),
      }));
    send(res, format, 200, "service_requests_updates", "request_update", list);
  }

  function getRequests(res: ServerResponse, format: "xml" | "json", query: URLSearchParams): void {
    const ids = (query.get("service_request_id") ?? "").split(",").filter(Boolean);
    const list = (ids.length > 0 ? ids : [...requests.keys()])
      .map((id) => requests.get(id))
      .filter((r): r is HeldRequest => Boolean(r))
      .map((r) => ({
        service_request_id: r.id,
        status: r.status,
        service_code: r.form.get("service_code"),
        description: r.form.get("description"),
        lat: r.form.get("lat"),
        long: r.form.get("long"),
        address: r.form.get("address_string"),
      }));
    send(res, format, 200, "service_requests", "request", list);
  }

  const sockets = new Set<import("node:net").Socket>();
  let server: Server = createServer();
  let port = 0;
  const listen = async () => {
    server = createServer((req, res) => {
      handle(req, res).catch((error) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      });
    });
    server.on("connection", (socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  await listen();

  return {
    url: `http://127.0.0.1:${port}${PREFIX}`,
    received,
    posts: () => received.filter((c) => c.method === "POST" && c.path === "requests"),
    requests,
    fail(status, times = Number.POSITIVE_INFINITY) {
      failure = { status, times };
    },
    recover() {
      failure = undefined;
    },
    down: stop,
    up: listen,
    publish(update) {
      const full: FakeUpdate = {
        ...update,
        updateId: update.updateId ?? `upd-${port}-${++updateSerial}`,
        updatedAt: update.updatedAt ?? new Date(),
      };
      updates.push(full);
      const held = requests.get(full.serviceRequestId);
      if (held) held.status = /^(closed|fixed)$/i.test(full.status) ? "closed" : "open";
      return full;
    },
    close: stop,
  };
}
