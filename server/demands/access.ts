/**
 * Who may act on a demand named in a URL: the protocol parameter checked (format and check digit), the citizen
 * proven by the demand's secret (or the link key of the messages sent to them), staff by their session and, for
 * department roles, their department.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { parseProtocol } from "../../domain/protocol.ts";
import { isDepartmentScoped, type Staff } from "../access/principal.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { hashSecret } from "./commands.ts";

/** The `:protocol` path parameter, checked; 400 with `bad_check_digit` or `bad_protocol_format` otherwise. */
export function protocolParam(req: FastifyRequest): string {
  const typed = (req.params as { protocol: string }).protocol;
  const parsed = parseProtocol(typed);
  if (!parsed.ok) {
    throw new AppError(
      400,
      parsed.problem === "bad_check_digit" ? "bad_check_digit" : "bad_protocol_format",
      {},
      [{ field: "protocol", code: parsed.problem }],
    );
  }
  return parsed.protocol;
}

/**
 * The link key of a demand: what the links in the messages to its own citizen carry (`#chave=…` on the citizen's
 * page, decision 0030), so the page opened from an e-mail on any device has the proof the filing device keeps. It
 * is an HMAC keyed by the stored hash of the demand's secret, which never leaves the server: only the server can
 * make it, and it needs no table of its own.
 */
export function linkKeyOf(hash: string): string {
  return createHmac("sha256", hash).update("demand-link").digest("base64url");
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * True when `secret` proves the demand's citizen: the secret given when it was filed (the receipt's access code),
 * or the link key of the messages sent to them (compared in constant time).
 */
export function secretMatches(secret: string | undefined, hash: string | null): boolean {
  if (!secret || !hash) return false;
  const typed = secret.trim();
  return sameText(hashSecret(typed), hash) || sameText(typed, linkKeyOf(hash));
}

/** The demand's id, status and secret hash by protocol; 404 when there is none. */
export async function demandByProtocol(
  sql: Sql,
  protocol: string,
): Promise<{ id: number; department_id: number | null; secret_hash: string | null }> {
  const row = await maybeOne<{ id: number; department_id: number | null; secret_hash: string | null }>(
    sql,
    "SELECT id, department_id, secret_hash FROM demands WHERE protocol = $1",
    [protocol],
  );
  if (!row) throw new AppError(404, "unknown_protocol", { protocol });
  return row;
}

/** Department roles act only on their own department's demands; others are told it does not exist. */
export function checkDepartmentScope(
  staff: Staff,
  demand: { department_id: number | null },
  protocol: string,
) {
  if (isDepartmentScoped(staff) && staff.departmentId !== demand.department_id) {
    throw new AppError(404, "unknown_protocol", { protocol });
  }
}

/** The secret a citizen sends: in the body, or in the `x-demand-secret` header. */
export function secretOf(req: FastifyRequest, bodySecret?: string): string | undefined {
  return bodySecret ?? (req.headers["x-demand-secret"] as string | undefined);
}
