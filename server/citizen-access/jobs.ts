/** The `send-sign-in-code` job: e-mails a citizen their sign-in code, in their language, on the e-mail adapter. */
import { DeliveryError } from "../../channels/index.ts";
import { maybeOne } from "../db/index.ts";
import { translate } from "../i18n.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { channelsOf } from "../notifications/jobs.ts";
import { CODE_MINUTES } from "./commands.ts";
import { SendCodePayload } from "./schemas.ts";

export const sendSignInCode: Job<typeof SendCodePayload> = {
  name: "send-sign-in-code",
  payload: SendCodePayload,
  // A code is worth sending only while it lives: a few quick tries.
  maxAttempts: 4,
  async run(ctx, payload) {
    const row = await maybeOne<{ email: string; live: boolean }>(
      ctx.db,
      `SELECT email, (used_at IS NULL AND expires_at > now()) AS live FROM citizen_sign_in_codes WHERE id = $1`,
      [payload.codeId],
    );
    // Erased, used or expired: nothing worth sending.
    if (!row?.live) return;
    const adapter = channelsOf(ctx.config).email;
    if (!adapter) throw new PermanentError("no e-mail adapter");
    const params = { code: payload.code, minutes: CODE_MINUTES };
    try {
      await adapter.send({
        key: `sign-in-code-${payload.codeId}`,
        to: row.email,
        locale: payload.locale,
        subject: translate(payload.locale, "citizen_access.code_message.subject", params),
        text: `${translate(payload.locale, "citizen_access.code_message.body", params)}\n`,
      });
    } catch (error) {
      if (error instanceof DeliveryError && !error.temporary) throw new PermanentError(error.message);
      throw error;
    }
  },
};
