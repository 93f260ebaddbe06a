/**
 * The app listening on loopback with the fake WhatsApp Cloud API as its WhatsApp account (channels/whatsapp/fake.ts),
 * for the end-to-end tests of conversations on WhatsApp: the webhook's URL, the texts the fake Graph API got for a
 * number, and the ids of the last message's buttons or list rows.
 */
import { after } from "node:test";
import { startFakeWhatsApp } from "../channels/whatsapp/fake.ts";
import { closeChannelsOf } from "../server/notifications/jobs.ts";
import { parseWhatsAppTemplates } from "../server/notifications/whatsapp-window.ts";
import { testApp } from "./helpers.ts";

function templatesOf(text: string) {
  const parsed = parseWhatsAppTemplates(text);
  if (!("templates" in parsed)) throw new Error(`WHATSAPP_TEMPLATES: ${JSON.stringify(parsed)}`);
  return parsed.templates;
}

export async function whatsAppTestApp(
  account: { appSecret: string; phoneNumberId: string; token: string },
  /** The city's approved templates (WHATSAPP_TEMPLATES), for messages outside the 24-hour window. */
  whatsappTemplates?: string,
) {
  const fake = await startFakeWhatsApp(account);
  after(() => fake.close());
  const { app, ctx } = await testApp({
    messaging: {
      whatsapp: {
        apiUrl: fake.url,
        token: account.token,
        phoneNumberId: account.phoneNumberId,
        appSecret: account.appSecret,
        verifyToken: "verify-me-please",
      },
      ...(whatsappTemplates ? { whatsappTemplates: templatesOf(whatsappTemplates) } : {}),
    },
  });
  after(() => closeChannelsOf(ctx.config));
  const base = await app.listen({ port: 0, host: "127.0.0.1" });
  /** The texts the fake Graph API got for `to`, in order. */
  const sentTo = (to: string) =>
    fake.messages
      .filter((m) => m.body.to === to)
      .map((m) => {
        const b = m.body as {
          text?: { body: string };
          interactive?: { body?: { text: string } };
          template?: { components?: { parameters?: { text?: string }[] }[] };
        };
        const template = b.template?.components?.flatMap((c) => c.parameters ?? []).map((p) => p.text ?? "");
        return b.text?.body ?? b.interactive?.body?.text ?? template?.join(" ") ?? "";
      });
  /** The last interactive message's reply ids sent to `to` (buttons or list rows). */
  const lastChoices = (to: string): string[] => {
    const last = fake.messages.filter((m) => m.body.to === to).at(-1)?.body as {
      interactive?: {
        action: { buttons?: { reply: { id: string } }[]; sections?: { rows: { id: string }[] }[] };
      };
    };
    const action = last?.interactive?.action;
    return (
      action?.buttons?.map((b) => b.reply.id) ??
      action?.sections?.flatMap((s) => s.rows.map((r) => r.id)) ??
      []
    );
  };
  return { fake, app, ctx, base, hook: `${base}/webhooks/whatsapp`, sentTo, lastChoices };
}
