/** The JSON shape of a department system that leaves the server: the api_key masked, the push URL spelled out. */
import type { SystemRow } from "./queries.ts";
import type { SystemView } from "./schemas.ts";

/** The api_key as admins see it: only its last four characters (none of a short one). */
export function maskKey(key: string): string {
  return key.length >= 12 ? `••••••${key.slice(-4)}` : "••••••";
}

/** The URL a department's system POSTs its updates to, for format `format`. */
export function pushUrlOf(publicUrl: string, departmentCode: string, format: "xml" | "json"): string {
  const base = publicUrl.replace(/\/+$/, "");
  return `${base}/api/v1/department-systems/${encodeURIComponent(departmentCode)}/servicerequestupdates.${format}`;
}

/** A department system for the admin screens. */
export function presentSystem(
  row: SystemRow,
  extra: { publicUrl: string; orders: Record<string, number>; pushSecret?: string | undefined },
): SystemView {
  return {
    department: row.department_code,
    protocol: "open311",
    baseUrl: row.base_url,
    format: row.format,
    apiKey: maskKey(row.api_key),
    jurisdictionId: row.jurisdiction_id,
    serviceCodes: row.service_codes,
    defaultServiceCode: row.default_service_code,
    statusActions: row.status_actions,
    active: row.active,
    pullIntervalSeconds: row.pull_interval_seconds,
    pushUrl: pushUrlOf(extra.publicUrl, row.department_code, row.format),
    ...(extra.pushSecret ? { pushSecret: extra.pushSecret } : {}),
    lastPulledAt: row.last_pulled_at?.toISOString() ?? null,
    lastPullError: row.last_pull_error,
    orders: extra.orders,
  };
}
