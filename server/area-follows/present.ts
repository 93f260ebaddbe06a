/** The JSON shape of a follow that leaves the server: the area and the state, never the address it goes to. */
import type { AreaFollowRow } from "./queries.ts";
import type { AreaFollowView } from "./schemas.ts";

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());

/** A follow as its citizen sees it. */
export function presentAreaFollow(row: AreaFollowRow): AreaFollowView {
  return {
    id: Number(row.id),
    district:
      row.district_code !== null
        ? { code: row.district_code, name: row.district_name ?? row.district_code }
        : null,
    point: row.lat !== null && row.lon !== null ? { lat: Number(row.lat), lon: Number(row.lon) } : null,
    radiusM: row.radius_m,
    state: row.stopped_at ? "stopped" : row.confirmed_at ? "active" : "pending",
    createdAt: iso(row.created_at)!,
    lastDigestAt: iso(row.last_digest_at),
  };
}
