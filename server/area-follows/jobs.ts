/**
 * The jobs of following an area: `digest-area-follows` (periodic: match new timeline events to follows, write the
 * digests that are due, stop follows never confirmed, delete digests sent 90 days ago), `send-area-follow-confirmation` and `send-area-digest` (one
 * e-mail each, with a stable key so a resend after a crash is the same message, and the one-click unsubscribe).
 */
import { type ChannelAdapter, DeliveryError, type OutgoingMessage } from "../../channels/index.ts";
import type { AppContext } from "../context.ts";
import { maybeOne } from "../db/index.ts";
import type { Locale } from "../i18n.ts";
import { SlotPayload } from "../jobs/payloads.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { channelsOf } from "../notifications/jobs.ts";
import { awaitSendSlot, sendRateOf } from "../notifications/send-rate.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { CONFIRM_DAYS } from "./commands.ts";
import { expireUnconfirmed, matchAreaFollows, purgeSentDigests, writeAreaDigests } from "./fan-out.ts";
import { linkToken, linkUrlOf, oneClickUrlOf } from "./links.ts";
import { type AreaLabel, type DigestItem, renderConfirmation, renderDigest } from "./messages.ts";
import { ConfirmationPayload, DigestPayload } from "./schemas.ts";

/** How often the scheduler queues the matching and digesting: news waits at most this long for its digest. */
export const DIGEST_EVERY_SECONDS = 60;

/** A follow as its e-mails need it. */
interface FollowMail extends AreaLabel {
  email: string | null;
  locale: Locale;
  stopped: boolean;
  confirmed: boolean;
}

const FOLLOW_MAIL = `SELECT f.email, f.locale, f.stopped_at IS NOT NULL AS stopped, f.confirmed_at IS NOT NULL AS confirmed,
  di.name AS "districtName", ST_Y(f.point) AS lat, ST_X(f.point) AS lon, f.radius_m AS "radiusM"
  FROM area_follows f LEFT JOIN districts di ON di.code = f.district_code`;

async function send(ctx: AppContext, message: OutgoingMessage): Promise<void> {
  const adapter = (await channelsOf(ctx, await tenantPublicUrl(ctx))).email as ChannelAdapter | undefined;
  if (!adapter) throw new PermanentError("no email adapter");
  try {
    await awaitSendSlot(ctx.db, "email", sendRateOf(ctx.config, "email"));
    await adapter.send(message);
  } catch (error) {
    if (error instanceof DeliveryError && !error.temporary) throw new PermanentError(error.message);
    throw error;
  }
}

export const digestAreaFollowsJob: Job<typeof SlotPayload> = {
  name: "digest-area-follows",
  payload: SlotPayload,
  maxAttempts: 3,
  async run(ctx) {
    await matchAreaFollows(ctx.db);
    await writeAreaDigests(ctx.db);
    await expireUnconfirmed(ctx.db);
    await purgeSentDigests(ctx.db);
  },
};

export const sendAreaFollowConfirmation: Job<typeof ConfirmationPayload> = {
  name: "send-area-follow-confirmation",
  payload: ConfirmationPayload,
  maxAttempts: 6,
  async run(ctx, payload) {
    const follow = await maybeOne<FollowMail>(ctx.db, `${FOLLOW_MAIL} WHERE f.id = $1`, [payload.followId]);
    // Stopped or already confirmed meanwhile: nothing to ask.
    if (!follow?.email || follow.stopped || follow.confirmed) return;
    const publicUrl = await tenantPublicUrl(ctx);
    const stopToken = await linkToken(ctx.db, "stop", payload.followId);
    const rendered = renderConfirmation(follow.locale, follow, {
      confirmUrl: linkUrlOf(
        publicUrl,
        "confirm",
        await linkToken(ctx.db, "confirm", payload.followId),
        follow.locale,
      ),
      stopUrl: linkUrlOf(publicUrl, "stop", stopToken, follow.locale),
      days: CONFIRM_DAYS,
    });
    await send(ctx, {
      key: `area-follow-confirm-${payload.followId}`,
      to: follow.email,
      locale: follow.locale,
      ...rendered,
      unsubscribeUrl: oneClickUrlOf(publicUrl, stopToken),
    });
  },
};

export const sendAreaDigest: Job<typeof DigestPayload> = {
  name: "send-area-digest",
  payload: DigestPayload,
  // 30 s, 1, 2, 4 … minutes apart, as messages to citizens: a relay down for a while delays the digest.
  maxAttempts: 10,
  async run(ctx, payload) {
    const digest = await maybeOne<FollowMail & { follow_id: number; sent: boolean; time_zone: string }>(
      ctx.db,
      `SELECT g.follow_id, g.sent_at IS NOT NULL AS sent,
              (SELECT time_zone FROM calendar_settings LIMIT 1) AS time_zone, x.*
         FROM area_follow_digests g
         CROSS JOIN LATERAL (${FOLLOW_MAIL} WHERE f.id = g.follow_id) x
        WHERE g.id = $1`,
      [payload.digestId],
    );
    // Sent by a worker that held this row before, or the follow stopped since: nothing more to say.
    if (!digest || digest.sent || digest.stopped || !digest.email) return;
    const items = await ctx.db.query<DigestItem>(
      `SELECT i.kind, i.district_only, i.at, d.protocol, d.status, di.name AS district_name,
              COALESCE(s.name->>$2, s.name->>'pt-BR') AS service_name
         FROM area_follow_items i
         JOIN demands d ON d.id = i.demand_id
         JOIN services s ON s.id = d.service_id
         LEFT JOIN districts di ON di.code = d.district_code
        WHERE i.digest_id = $1
        ORDER BY i.at, i.event_id`,
      [payload.digestId, digest.locale],
    );
    if (items.length === 0) return;
    const publicUrl = await tenantPublicUrl(ctx);
    const stopToken = await linkToken(ctx.db, "stop", Number(digest.follow_id));
    const rendered = renderDigest(digest.locale, digest, items, {
      publicUrl,
      stopUrl: linkUrlOf(publicUrl, "stop", stopToken, digest.locale),
      timeZone: digest.time_zone ?? "America/Sao_Paulo",
    });
    await send(ctx, {
      key: `area-digest-${payload.digestId}`,
      to: digest.email,
      locale: digest.locale,
      ...rendered,
      unsubscribeUrl: oneClickUrlOf(publicUrl, stopToken),
    });
    await ctx.db.query("UPDATE area_follow_digests SET sent_at = now() WHERE id = $1 AND sent_at IS NULL", [
      payload.digestId,
    ]);
  },
};
