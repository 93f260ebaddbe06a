/**
 * The one pagination style of every list route of /api/v1 (decision 0037): `?limit=` (bounded) and `?cursor=`
 * (opaque), keyset on the list's sort key and id; the body stays the list itself and the next page is named by a
 * `Link: <…>; rel="next"` header (RFC 8288), absent on the last page. `?offset=` is refused, never ignored.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { invalidInput } from "../errors.ts";

/** The values a keyset cursor holds: the sort key(s) of the last row of a page, then its id. */
export type CursorValues = readonly (string | number)[];

/** The `limit` and `cursor` query fields of a list, to spread into its query schema. */
export function pageFields(defaultLimit: number, maxLimit: number) {
  return {
    /** Items per page. */
    limit: z.coerce.number().int().min(1).max(maxLimit).default(defaultLimit),
    /** The cursor of the Link rel="next" of the previous page; opaque. */
    cursor: z.string().min(1).max(400).optional(),
  };
}

/** Encodes keyset values as an opaque, URL-safe cursor. */
export function encodeCursor(values: CursorValues): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

/**
 * The keyset values of `cursor` (null when there is none), checked against `shape` (the kind of each value);
 * a cursor that is not one of ours is a 400 naming the field.
 */
export function decodeCursor(
  cursor: string | undefined,
  shape: readonly ("string" | "number")[],
): (string | number)[] | null {
  if (cursor === undefined) return null;
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString());
    if (
      Array.isArray(values) &&
      values.length === shape.length &&
      values.every((v, i) => typeof v === shape[i])
    ) {
      return values as (string | number)[];
    }
  } catch {
    // not base64url JSON: refused below
  }
  throw invalidInput([{ field: "cursor", code: "invalid_cursor" }]);
}

/**
 * Cuts a page from rows read with `limit + 1` (the extra row tells that another page exists) and names the cursor
 * of the next one from the last row kept.
 */
export function pageOf<R>(
  rows: readonly R[],
  limit: number,
  keyOf: (row: R) => CursorValues,
): { rows: R[]; next: string | null } {
  if (rows.length <= limit) return { rows: [...rows], next: null };
  const page = rows.slice(0, limit);
  return { rows: page, next: encodeCursor(keyOf(page[page.length - 1]!)) };
}

/** Sets the Link rel="next" header to this request's URL with `cursor` replaced, when there is a next page. */
export function linkNext(req: FastifyRequest, reply: FastifyReply, next: string | null): void {
  if (next === null) return;
  const url = new URL(req.url, "http://local");
  url.searchParams.set("cursor", next);
  reply.header("link", `<${url.pathname}${url.search}>; rel="next"`);
}

/**
 * The paging parameters a paginated list refuses, with their code: `offset` never worked on a keyset, `before` and
 * `page` are what some lists took before the cursor. A client still sending one must learn it is not honoured
 * (dropped silently, it would read the first page forever).
 */
const REFUSED_PAGING = { offset: "offset_not_supported", before: "use_cursor", page: "use_cursor" } as const;

/** Refuses `?offset=` (and the retired `before`, `page`) on a paginated list with a 400 naming the field. */
export function refuseOffset(req: FastifyRequest): void {
  const query = req.query as Record<string, unknown> | undefined;
  if (!query) return;
  const refused = Object.entries(REFUSED_PAGING).filter(([field]) => field in query);
  if (refused.length > 0) throw invalidInput(refused.map(([field, code]) => ({ field, code })));
}
