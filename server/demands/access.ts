/**
 * Who may act on a demand named in a URL: the protocol parameter checked (format and check digit), the citizen
 * proven by the demand's secret, staff by their session and, for department roles, their department.
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { parseProtocol } from "../../domain/protocol.ts";
import { maybeOne, type Sql } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { isDepartmentScoped, type Staff } from "../http/auth.ts";
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

/** True when `secret` is the demand's citizen secret (compared in constant time). */
export function secretMatches(secret: string | undefined, hash: string | null): boolean {
  if (!secret || !hash) return false;
  return timingSafeEqual(Buffer.from(hashSecret(secret)), Buffer.from(hash));
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
