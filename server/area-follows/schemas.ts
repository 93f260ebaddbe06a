/** Schemas of following an area: the follow asked for, the signed links of its e-mails, what the API answers. */
import { z } from "zod";

/** The smallest and largest radius of a point follow, in metres (checked by the table too). */
export const RADIUS_MIN_M = 100;
export const RADIUS_MAX_M = 5_000;

/** A follow asked for: a district, or a point with a radius; and, without a signed-in e-mail, the address. */
export const AreaFollowInput = z
  .object({
    /** A district code (`GET /api/v1/districts`). */
    district: z.string().min(1).max(20).optional(),
    /** A point in the city (WGS 84). */
    point: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
    /** Metres around the point, 100 to 5,000. */
    radiusM: z.number().int().min(RADIUS_MIN_M).max(RADIUS_MAX_M).optional(),
    /**
     * Where the digests go. Needed unless the caller is a citizen signed in with a proven e-mail; a follow made
     * with it waits for the link of a confirmation e-mail sent there (double opt-in).
     */
    email: z.email().max(254).optional(),
  })
  .strict();
export type AreaFollowInput = z.infer<typeof AreaFollowInput>;

/** A signed link's token (`<id>.<HMAC>`), from a confirmation or digest e-mail. */
export const AreaFollowToken = z.object({ token: z.string().min(1).max(100) });

/** The token of the one-click unsubscribe link (RFC 8058), in its address. */
export const AreaFollowTokenQuery = z.object({ token: z.string().min(1).max(100) });

/** A follow's id in a path. */
export const AreaFollowParams = z.object({
  id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER),
});

/** One follow as its citizen sees it. */
export const AreaFollowView = z.object({
  id: z.number(),
  district: z.object({ code: z.string(), name: z.string() }).nullable(),
  point: z.object({ lat: z.number(), lon: z.number() }).nullable(),
  radiusM: z.number().nullable(),
  /** pending: waiting for the e-mail's confirmation link; active; stopped. */
  state: z.enum(["pending", "active", "stopped"]),
  createdAt: z.string(),
  lastDigestAt: z.string().nullable(),
});
export type AreaFollowView = z.infer<typeof AreaFollowView>;

/** The answer to a follow asked for. */
export const AreaFollowCreated = AreaFollowView.extend({
  /** True when a confirmation e-mail was sent and the follow starts once its link is used. */
  confirmationSent: z.boolean(),
});

/** The signed-in citizen's follows. */
export const AreaFollowList = z.object({
  /** The e-mail the citizen proved (where their own follows' digests go), or null. */
  email: z.string().nullable(),
  follows: z.array(AreaFollowView),
});

/** The payload of `send-area-follow-confirmation`. */
export const ConfirmationPayload = z.object({ followId: z.number().int().positive() });
/** The payload of `send-area-digest`. */
export const DigestPayload = z.object({ digestId: z.number().int().positive() });
