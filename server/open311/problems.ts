/**
 * The formats of GeoReport v2 (the resource's extension: `.xml` or `.json`) and its error document: a list of
 * `{code, description}` (XML `<errors><error><code/><description/></error></errors>`) with the spec's HTTP status:
 * 404 for what does not exist, 403 for a wrong or missing api_key, 400 for anything else the client must fix,
 * 429 with Retry-After when a client goes over its limit. Every error of the Open311 routes, ours or Fastify's,
 * leaves in this shape (never problem+json, never an HTML page).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { AppError, invalidInput, renderProblem } from "../errors.ts";
import { refuseUnstorable } from "../http/input-guard.ts";
import { toXml, type Value } from "./xml.ts";

/** The formats this server answers in, named by the resource's extension. */
export const FORMATS = ["xml", "json"] as const;
export type Format = (typeof FORMATS)[number];

const CONTENT_TYPES: Record<Format, string> = {
  xml: "text/xml; charset=utf-8",
  json: "application/json; charset=utf-8",
};

/** The format named by an extension; 400 `unsupported_format` otherwise. */
export function parseFormat(extension: string | undefined): Format {
  if (extension === "xml" || extension === "json") return extension;
  throw new AppError(400, "unsupported_format", { format: extension ?? "" });
}

/** Splits a path segment like `SP-1234.json` into its id and format; 400 when the extension is missing or unknown. */
export function splitResource(segment: string): { id: string; format: Format } {
  const dot = segment.lastIndexOf(".");
  if (dot <= 0) throw new AppError(400, "unsupported_format", { format: "" });
  const format = parseFormat(segment.slice(dot + 1));
  let id: string;
  try {
    id = decodeURIComponent(segment.slice(0, dot));
  } catch {
    throw invalidInput([{ field: "path.id", code: "invalid_format" }]);
  }
  // Decoded twice ("%2500" is a NUL by now): checked again, as the guard at the edge saw only the first decoding.
  refuseUnstorable(id, "path.id");
  return { id, format };
}

/** The format an error should be written in: the URL's extension when it names one we speak, else XML (required). */
export function formatOfUrl(url: string): Format {
  const path = url.split("?")[0] ?? "";
  return path.endsWith(".json") ? "json" : "xml";
}

/** Sends a GeoReport document: `body` as JSON, or as XML under the element `root`. */
export function sendDocument(reply: FastifyReply, format: Format, root: string, body: Value, status = 200) {
  reply.status(status).type(CONTENT_TYPES[format]);
  return reply.send(format === "json" ? JSON.stringify(body) : toXml(root, body));
}

// Names of our intake fields as an Open311 client knows them.
const FIELD_NAMES: Record<string, string> = {
  service: "service_code",
  location: "lat/long",
  "location.lat": "lat",
  "location.lon": "long",
  citizen: "email",
  "citizen.email": "email",
  "citizen.phone": "phone",
  "citizen.name": "first_name",
  identity: "email",
  district: "address_id",
  address: "address_string",
};

function clientFieldName(field: string): string {
  const attribute = /^attributes\.(.+)$/.exec(field);
  if (attribute) return `attribute[${attribute[1]}]`;
  return FIELD_NAMES[field] ?? field;
}

/** The HTTP status GeoReport v2 gives an error of ours. */
export function open311Status(error: AppError): number {
  if (error.status >= 500) return error.status;
  if (error.status === 401 || error.status === 403) return 403;
  if (error.status === 404 || error.code === "unknown_service") return 404;
  if (error.status === 429) return 429;
  return 400;
}

function toAppError(error: FastifyError | AppError): AppError {
  if (error instanceof AppError) return error;
  if (error.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return new AppError(415, "unsupported_media_type");
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new AppError(413, "payload_too_large");
  if (error instanceof SyntaxError) return new AppError(400, "invalid_input");
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new AppError(error.statusCode, "invalid_input");
  }
  return new AppError(500, "internal_error");
}

/** The GeoReport error list of an error: one entry per bad field, else one for the whole request. */
export function open311Errors(error: AppError, req: FastifyRequest): { code: number; description: string }[] {
  const status = open311Status(error);
  const problem = renderProblem(error, req.locale);
  if (problem.errors && problem.errors.length > 0) {
    return problem.errors.map((e) => ({
      code: status,
      description: `${clientFieldName(e.field)}: ${e.detail}`,
    }));
  }
  return [{ code: status, description: problem.detail }];
}

/** The error handler of the Open311 routes: the spec's error document in the request's format. */
export function handleOpen311Error(error: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) {
  const appError = toAppError(error);
  if (appError.status >= 500) req.log.error(error);
  const status = open311Status(appError);
  reply.headers(appError.headers);
  return sendDocument(reply, formatOfUrl(req.url), "errors", open311Errors(appError, req), status);
}
