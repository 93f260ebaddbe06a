/**
 * Reading what a GeoReport v2 endpoint answers, in XML or JSON, into plain records: the `<service_requests>` list
 * (POST receipts, token lookups, GET requests), the `<service_requests_updates>` list of mySociety's
 * servicerequestupdates extension, and the `<errors>` document. Tolerant the way FixMyStreet's client is: one
 * element or many, empty elements, ids as numbers or strings, and the spec's own JSON with leading-zero numbers.
 */
import { XMLParser } from "fast-xml-parser";

/** The two wire formats of GeoReport v2, chosen by the path's extension. */
export type Open311Format = "xml" | "json";

/** One `<request>` (or JSON object) with every value as a string; empty elements are null. */
export type Open311Record = Record<string, string | null>;

/** One error of the spec's error format. */
export interface Open311ErrorItem {
  code: string;
  description: string;
}

// Elements that are lists whatever their count (XML::Simple's ForceArray in FixMyStreet's client).
const LIST_ELEMENTS = new Set(["request", "request_update", "error", "service", "attribute", "value"]);

const xml = new XMLParser({
  ignoreAttributes: true,
  // Ids keep their leading zeros ("001") and big ids their digits: every value stays text.
  parseTagValue: false,
  trimValues: true,
  // Numeric character references (&#39;) are as common as the five named ones in servers' XML.
  htmlEntities: true,
  isArray: (name) => LIST_ELEMENTS.has(name),
});

/** Parses JSON, also the spec's examples that write numbers with leading zeros (`"service_code":001`). */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const quoted = text.replace(/(:\s*)(-?0\d+(?:\.\d+)?)(\s*[,}\]\n])/g, '$1"$2"$3');
    if (quoted === text) throw error;
    return JSON.parse(quoted);
  }
}

function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return value === "" ? null : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  // An element with children where text was expected (XML::Simple hands a hash for an empty one): no value.
  return null;
}

function toRecord(value: unknown): Open311Record {
  const record: Open311Record = {};
  if (value && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value)) record[key] = asText(v);
  }
  return record;
}

function listOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === undefined || value === null || value === "") return [];
  return [value];
}

/** Thrown when a body is neither the XML nor the JSON the spec describes. */
export class Open311ParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "Open311ParseError";
  }
}

function parseXml(body: string): Record<string, unknown> {
  if (!body.trimStart().startsWith("<")) throw new Open311ParseError("the answer is not XML");
  try {
    return xml.parse(body) as Record<string, unknown>;
  } catch (error) {
    throw new Open311ParseError(`the answer is not XML: ${(error as Error).message}`);
  }
}

function parseJson(body: string): unknown {
  try {
    return parseLenientJson(body);
  } catch (error) {
    throw new Open311ParseError(`the answer is not JSON: ${(error as Error).message}`);
  }
}

/**
 * The records of a `<service_requests>` document (a POST receipt, a token lookup, a GET of requests) or of its
 * JSON form, an array of objects.
 */
export function parseRequests(body: string, format: Open311Format): Open311Record[] {
  if (format === "xml") {
    const doc = parseXml(body);
    const root = doc.service_requests as Record<string, unknown> | undefined;
    if (root === undefined) throw new Open311ParseError("no <service_requests> element");
    return listOf(root?.request).map(toRecord);
  }
  const doc = parseJson(body);
  // The spec answers a bare array; a few servers wrap it.
  const items = Array.isArray(doc) ? doc : (doc as { service_requests?: unknown })?.service_requests;
  if (!Array.isArray(items)) throw new Open311ParseError("the answer is not a list of requests");
  return items.map(toRecord);
}

/**
 * The updates of a servicerequestupdates answer: XML `<service_requests_updates><request_update>` (also the
 * singular `service_request_updates` root some servers write), or a JSON array of update objects.
 */
export function parseUpdates(body: string, format: Open311Format): Open311Record[] {
  if (format === "xml") {
    const doc = parseXml(body);
    const root = (doc.service_requests_updates ?? doc.service_request_updates) as
      | Record<string, unknown>
      | undefined;
    if (root === undefined) throw new Open311ParseError("no <service_requests_updates> element");
    return listOf(root?.request_update).map(toRecord);
  }
  const doc = parseJson(body) as Record<string, unknown> | unknown[];
  const items = Array.isArray(doc)
    ? doc
    : ((doc as Record<string, unknown>)?.service_requests_updates ??
      (doc as Record<string, unknown>)?.service_request_updates);
  if (!Array.isArray(items)) throw new Open311ParseError("the answer is not a list of updates");
  return items.map(toRecord);
}

/**
 * The errors of an error answer, read in whichever of the two formats it is in (servers answer XML errors to
 * .json paths and the reverse); an empty list when the body is not in the spec's error format at all.
 */
export function parseErrors(body: string): Open311ErrorItem[] {
  const trimmed = body.trim();
  try {
    if (trimmed.startsWith("<")) {
      const doc = xml.parse(trimmed) as { errors?: { error?: unknown } };
      return listOf(doc.errors?.error).map(errorItem);
    }
    const doc = parseLenientJson(trimmed);
    const items = Array.isArray(doc) ? doc : (doc as { errors?: unknown })?.errors;
    return Array.isArray(items) ? items.map(errorItem).filter((e) => e.code || e.description) : [];
  } catch {
    return [];
  }
}

function errorItem(value: unknown): Open311ErrorItem {
  const r = toRecord(value);
  return { code: r.code ?? "", description: r.description ?? "" };
}

/** A W3C date-time (with or without offset) as a Date, or null when absent or unreadable. */
export function parseDateTime(value: string | null | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value.trim());
  return Number.isNaN(date.getTime()) ? null : date;
}

/** A Date as the W3C date-time the spec asks for, in UTC with seconds: `2010-04-14T06:37:38Z`. */
export function formatDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
