/**
 * Following an area: start a follow (a signed-in citizen's proven e-mail starts at once; any other address gets a
 * confirmation e-mail first, the double opt-in), confirm it by its signed link, stop it by its signed link or from
 * the citizen's list. Each is one transaction; the confirmation e-mail is an outbox row written inside it.
 */
import { placePoint } from "../areas/queries.ts";
import type { Db, Sql } from "../db/index.ts";
import { maybeOne, one } from "../db/index.ts";
import { AppError, invalidInput, notFound, unprocessable } from "../errors.ts";
import type { Locale } from "../i18n.ts";
import { enqueue } from "../jobs/enqueue.ts";
import { followOfToken } from "./links.ts";
import { type AreaFollowRow, findAreaFollow } from "./queries.ts";
import type { AreaFollowInput } from "./schemas.ts";

/** Follows an address (or a citizen) may hold at once, counting those waiting for confirmation. */
export const FOLLOWS_PER_ADDRESS = 5;
/** Days a confirmation link works; a follow not confirmed by then is stopped (and its address forgotten). */
export const CONFIRM_DAYS = 7;

/** The signed-in citizen asking, when there is one. */
export interface Follower {
  citizenId: number;
  /** The e-mail they proved, if any. */
  email: string | null;
}

/** What starting a follow did. */
export interface Followed {
  follow: AreaFollowRow;
  /** A confirmation e-mail is on its way; the follow starts once its link is used. */
  confirmationSent: boolean;
}

/** The newest timeline event: a follow's news start after it. */
const NEWEST_EVENT = "(SELECT COALESCE(max(id), 0) FROM demand_events)";

/**
 * Starts following a district or a point with a radius. 400 when neither or both are given, or no address can be
 * had; 422 `unknown_area` / `point_outside_city`; 422 `area_follow_limit` beyond FOLLOWS_PER_ADDRESS. The same area
 * asked for again by the same address answers the follow it has (no second confirmation e-mail).
 */
export async function followArea(
  db: Db,
  input: AreaFollowInput,
  follower: Follower | undefined,
  locale: Locale,
): Promise<Followed> {
  const hasPoint = input.point !== undefined || input.radiusM !== undefined;
  if ((input.district !== undefined) === hasPoint) {
    throw invalidInput([{ field: "district", code: "area_required" }]);
  }
  if (hasPoint && (input.point === undefined || input.radiusM === undefined)) {
    throw invalidInput([{ field: input.point ? "radiusM" : "point", code: "required" }]);
  }
  const email = input.email?.trim().toLowerCase() ?? follower?.email ?? null;
  if (!email) throw invalidInput([{ field: "email", code: "required" }]);
  // The citizen's own proven address needs no proof again; any other address does.
  const proven = follower !== undefined && follower.email === email;
  return db.transaction(async (tx) => {
    if (input.district !== undefined) {
      const known = await maybeOne(tx, "SELECT 1 FROM districts WHERE code = $1", [input.district]);
      if (!known) throw unprocessable("unknown_area", "district");
    } else if (!(await placePoint(tx, input.point!))) {
      throw unprocessable("point_outside_city", "point");
    }
    // One address at a time, so two requests at once cannot both pass the limit.
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('area-follow:' || $1))", [email]);
    const same = await maybeOne<{ id: number }>(
      tx,
      `SELECT id FROM area_follows
        WHERE email = $1 AND stopped_at IS NULL
          AND district_code IS NOT DISTINCT FROM $2::text AND radius_m IS NOT DISTINCT FROM $3::int
          AND (point IS NULL AND $4::float8 IS NULL
               OR ST_Equals(point, ST_SetSRID(ST_MakePoint($5::float8, $4::float8), 4326)))
        ORDER BY id LIMIT 1`,
      [
        email,
        input.district ?? null,
        input.radiusM ?? null,
        input.point?.lat ?? null,
        input.point?.lon ?? null,
      ],
    );
    if (same) return { follow: (await findAreaFollow(tx, same.id))!, confirmationSent: false };
    const { count } = await one<{ count: number }>(
      tx,
      `SELECT count(*)::int AS count FROM area_follows
        WHERE stopped_at IS NULL AND (email = $1 OR citizen_id = $2)`,
      [email, follower?.citizenId ?? null],
    );
    if (count >= FOLLOWS_PER_ADDRESS) {
      throw new AppError(422, "area_follow_limit", { max: FOLLOWS_PER_ADDRESS }, [
        { field: "email", code: "area_follow_limit" },
      ]);
    }
    const { id } = await one<{ id: number }>(
      tx,
      `INSERT INTO area_follows (citizen_id, email, district_code, point, radius_m, locale, confirmed_at,
                                 since_event_id)
       VALUES ($1, $2, $3, CASE WHEN $4::float8 IS NULL THEN NULL
                                ELSE ST_SetSRID(ST_MakePoint($5::float8, $4::float8), 4326) END,
               $6, $7, CASE WHEN $8 THEN now() END, CASE WHEN $8 THEN ${NEWEST_EVENT} ELSE 0 END)
       RETURNING id`,
      [
        follower?.citizenId ?? null,
        email,
        input.district ?? null,
        input.point?.lat ?? null,
        input.point?.lon ?? null,
        input.radiusM ?? null,
        locale,
        proven,
      ],
    );
    if (!proven) await enqueue(tx, "send-area-follow-confirmation", { followId: Number(id) });
    return { follow: (await findAreaFollow(tx, Number(id)))!, confirmationSent: !proven };
  });
}

/**
 * Confirms a follow by the token of its confirmation link: its news start now. Confirming twice answers the
 * follow; a stopped follow, or one whose link is older than CONFIRM_DAYS, is 410 `area_follow_expired`.
 */
export async function confirmAreaFollow(db: Db, token: string): Promise<AreaFollowRow> {
  const id = await followOfToken(db, "confirm", token);
  return db.transaction(async (tx) => {
    await tx.query(
      `UPDATE area_follows SET confirmed_at = now(), since_event_id = ${NEWEST_EVENT}
        WHERE id = $1 AND confirmed_at IS NULL AND stopped_at IS NULL
          AND created_at > now() - make_interval(days => $2)`,
      [id, CONFIRM_DAYS],
    );
    const follow = await findAreaFollow(tx, id);
    if (!follow || follow.stopped_at || !follow.confirmed_at) throw new AppError(410, "area_follow_expired");
    return follow;
  });
}

/** Stops a follow and forgets its address; stopping twice is harmless. */
async function stop(sql: Sql, id: number): Promise<void> {
  await sql.query(
    "UPDATE area_follows SET stopped_at = COALESCE(stopped_at, now()), email = NULL WHERE id = $1",
    [id],
  );
}

/** Stops a follow by the token of the link in its e-mails (no sign-in needed). */
export async function stopAreaFollowByToken(db: Db, token: string): Promise<AreaFollowRow> {
  const id = await followOfToken(db, "stop", token);
  await stop(db, id);
  const follow = await findAreaFollow(db, id);
  if (!follow) throw notFound(`/api/v1/area-follows/${id}`);
  return follow;
}

/** Stops one of a signed-in citizen's follows; 404 for a follow that is not theirs. */
export async function stopCitizenAreaFollow(db: Db, follower: Follower, id: number): Promise<AreaFollowRow> {
  return db.transaction(async (tx) => {
    const mine = await maybeOne(
      tx,
      "SELECT 1 FROM area_follows WHERE id = $1 AND (citizen_id = $2 OR email = $3) FOR UPDATE",
      [id, follower.citizenId, follower.email],
    );
    if (!mine) throw notFound(`/api/v1/area-follows/${id}`);
    await stop(tx, id);
    return (await findAreaFollow(tx, id))!;
  });
}
