/**
 * The `send-sign-in-code` job: sends a citizen their sign-in code, in their language, on the channel the code was
 * asked for: an e-mail, or a short text by SMS or WhatsApp.
 */
import type { SentMessage } from "../../channels/channel.ts";
import { type ChannelAdapter, DeliveryError, type OutgoingMessage } from "../../channels/index.ts";
import { maybeOne } from "../db/index.ts";
import { translate } from "../i18n.ts";
import { type Job, PermanentError } from "../jobs/runner.ts";
import { channelsOf } from "../notifications/jobs.ts";
import { awaitSendSlot, sendRateOf } from "../notifications/send-rate.ts";
import { type WhatsAppTemplates, whatsappTemplateFor } from "../notifications/whatsapp-window.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { CODE_MINUTES, type SignInChannel } from "./commands.ts";
import { SendCodePayload } from "./schemas.ts";

/**
 * Sends a sign-in code on WhatsApp: as text within 24 hours of the citizen's last message to the city's number,
 * else as the authentication template WHATSAPP_TEMPLATES names for `sign_in.code` (its copy-code button carries the
 * code); without one, a permanent refusal (the citizen is told nothing was sent only by not getting it: the portal
 * offers SMS beside WhatsApp).
 */
export async function sendCodeByWhatsApp(
  adapter: ChannelAdapter,
  message: OutgoingMessage,
  input: { templates: WhatsAppTemplates | undefined; lastInboundAt: Date | null; code: string },
): Promise<SentMessage> {
  const template = whatsappTemplateFor(input.templates, {
    key: "sign_in.code",
    locale: message.locale,
    lastInboundAt: input.lastInboundAt,
    variables: { code: input.code, minutes: String(CODE_MINUTES) },
  });
  return adapter.send(template ? { ...message, template: { ...template, copyCode: input.code } } : message);
}

export const sendSignInCode: Job<typeof SendCodePayload> = {
  name: "send-sign-in-code",
  payload: SendCodePayload,
  // A code is worth sending only while it lives: a few quick tries.
  maxAttempts: 4,
  async run(ctx, payload) {
    const row = await maybeOne<{
      channel: SignInChannel;
      address: string;
      live: boolean;
      whatsapp_inbound_at: Date | null;
    }>(
      ctx.db,
      `SELECT k.channel, k.address, (k.used_at IS NULL AND k.expires_at > now()) AS live,
              (SELECT max(v.last_inbound_at) FROM conversations v
                WHERE k.channel = 'whatsapp' AND v.channel = 'whatsapp' AND v.address = k.address) AS whatsapp_inbound_at
         FROM citizen_sign_in_codes k WHERE k.id = $1`,
      [payload.codeId],
    );
    // Erased, used or expired: nothing worth sending.
    if (!row?.live) return;
    const adapter = (await channelsOf(ctx, await tenantPublicUrl(ctx)))[row.channel];
    if (!adapter) throw new PermanentError(`no ${row.channel} adapter`);
    const params = { code: payload.code, minutes: CODE_MINUTES };
    const message: OutgoingMessage = {
      key: `sign-in-code-${payload.codeId}`,
      to: row.address,
      locale: payload.locale,
      subject: translate(payload.locale, "citizen_access.code_message.subject", params),
      // One SMS part (plain GSM letters, under 160 characters); the e-mail says a little more.
      text:
        row.channel === "email"
          ? `${translate(payload.locale, "citizen_access.code_message.body", params)}\n`
          : translate(payload.locale, "citizen_access.code_message.sms", params),
    };
    try {
      await awaitSendSlot(ctx.db, row.channel, sendRateOf(ctx.config, row.channel));
      if (row.channel === "whatsapp") {
        await sendCodeByWhatsApp(adapter, message, {
          templates: ctx.config.messaging.whatsappTemplates,
          lastInboundAt: row.whatsapp_inbound_at,
          code: payload.code,
        });
      } else await adapter.send(message);
    } catch (error) {
      if (error instanceof DeliveryError && !error.temporary) throw new PermanentError(error.message);
      throw error;
    }
  },
};
