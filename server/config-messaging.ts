/**
 * The written channels' settings (docs/channels.md): each provider is on when its required variables are set, and
 * a provider half configured is a start-up problem naming what is missing, never a channel that fails later.
 */
import { z } from "zod";
import type { OutboundChannel } from "../channels/index.ts";
import type { KannelOptions } from "../channels/kannel/adapter.ts";
import { parseSendRates } from "./notifications/send-rate.ts";
import { parseWhatsAppTemplates, type WhatsAppTemplates } from "./notifications/whatsapp-window.ts";

/** The environment variables of the messaging providers, spread into the configuration's schema. */
export const MESSAGING_ENV = {
  /** WhatsApp Cloud API: the verify token typed in Meta's app dashboard for the webhook's GET handshake. */
  WHATSAPP_VERIFY_TOKEN: z.string().min(8).optional(),
  /** WhatsApp Cloud API: the Meta app's secret, the key of X-Hub-Signature-256. */
  WHATSAPP_APP_SECRET: z.string().min(8).optional(),
  /** WhatsApp Cloud API: a system user's access token (whatsapp_business_messaging). */
  WHATSAPP_TOKEN: z.string().min(8).optional(),
  /** WhatsApp Cloud API: the business phone number's id (not the number). */
  WHATSAPP_PHONE_NUMBER_ID: z
    .string()
    .regex(/^\d{5,20}$/)
    .optional(),
  /** WhatsApp Cloud API base URL. */
  WHATSAPP_API_URL: z.string().url().default("https://graph.facebook.com"),
  /**
   * WhatsApp templates approved for messages outside the 24-hour window, per message:
   * `demand.answered=resposta_156:protocol,answer;*=aviso_156:protocol,text` (Meta names, or Twilio HX… SIDs).
   */
  WHATSAPP_TEMPLATES: z.string().max(4000).optional(),
  /** Twilio account SID (AC…), for SMS and WhatsApp messaging (TWILIO_AUTH_TOKEN signs and authenticates). */
  TWILIO_ACCOUNT_SID: z
    .string()
    .regex(/^AC[0-9a-fA-F]{32}$/)
    .optional(),
  /** Twilio REST API base URL. */
  TWILIO_API_URL: z.string().url().default("https://api.twilio.com"),
  /** The SMS sender on Twilio: a number (+55…) or a Messaging Service SID (MG…); unset sends no SMS by Twilio. */
  TWILIO_SMS_FROM: z
    .string()
    .regex(/^(\+\d{8,15}|MG[0-9a-fA-F]{32})$/)
    .optional(),
  /** The WhatsApp sender on Twilio (whatsapp:+55…), used when the WhatsApp Cloud API is not configured. */
  TWILIO_WHATSAPP_FROM: z
    .string()
    .regex(/^whatsapp:\+\d{8,15}$/)
    .optional(),
  /** Telegram bot token from @BotFather. */
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[\w-]{20,}$/)
    .optional(),
  /** The secret_token given to setWebhook, checked in X-Telegram-Bot-Api-Secret-Token. */
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[\w-]{8,256}$/)
    .optional(),
  /** Telegram Bot API base URL. */
  TELEGRAM_API_URL: z.string().url().default("https://api.telegram.org"),
  /** SMS by Kannel: smsbox's sendsms URL (http://127.0.0.1:13013/cgi-bin/sendsms); preferred to Twilio for SMS. */
  KANNEL_SENDSMS_URL: z.string().url().optional(),
  /** SMS by Kannel: the `sendsms-user` of Kannel's configuration. */
  KANNEL_USERNAME: z.string().min(1).max(100).optional(),
  /** SMS by Kannel: that user's password. */
  KANNEL_PASSWORD: z.string().min(1).max(200).optional(),
  /** SMS by Kannel: the sender, the city's short code (156) or number. */
  KANNEL_SMS_FROM: z
    .string()
    .regex(/^\+?\d{3,15}$/)
    .optional(),
  /** SMS by Kannel: the password Kannel's get-url sends (Basic) and the key of the delivery reports' signatures. */
  KANNEL_WEBHOOK_SECRET: z
    .string()
    .regex(/^[\w.~-]{16,200}$/, "16 to 200 letters, digits, '.', '_', '~' or '-'")
    .optional(),
  /** SMS by Kannel: the most parts one message may take (Kannel's max-messages must allow it). */
  KANNEL_MAX_PARTS: z.coerce.number().int().min(1).max(10).default(6),
  /** SMS by Kannel: fold accents to the GSM alphabet (160 characters a part instead of 70). */
  KANNEL_FOLD_ACCENTS: z.enum(["true", "false"]).default("false"),
  /** Messages a second per channel shared by all workers, e.g. "whatsapp=80,sms=30" (unnamed channels keep their defaults). */
  SEND_RATES: z.string().max(200).optional(),
  /** The inbox citizens write to: imaps://user:password@host/INBOX (URL-encoded); unset reads no e-mail. */
  EMAIL_IMAP_URL: z
    .string()
    .regex(/^imaps?:\/\/[^\s]+$/, "an imap:// or imaps:// URL")
    .optional(),
  /** The folder read mails are moved to (created when missing); unset leaves them in the inbox, marked read. */
  EMAIL_IMAP_PROCESSED_MAILBOX: z.string().min(1).max(200).optional(),
};

type MessagingEnv = z.infer<z.ZodObject<typeof MESSAGING_ENV>> & { TWILIO_AUTH_TOKEN?: string | undefined };

/** The providers configured. */
export interface MessagingSettings {
  whatsapp?: { apiUrl: string; token: string; phoneNumberId: string; appSecret: string; verifyToken: string };
  telegram?: { apiUrl: string; token: string; webhookSecret: string };
  twilio?: { apiUrl: string; accountSid: string; authToken: string; smsFrom?: string; whatsappFrom?: string };
  email?: { url: string; processedMailbox?: string | undefined };
  /** Approved WhatsApp templates for messages outside the 24-hour window (server/notifications/whatsapp-window.ts). */
  whatsappTemplates?: WhatsAppTemplates;
  /** Messages a second per channel (server/notifications/send-rate.ts); unset: the defaults. */
  sendRates?: Record<OutboundChannel, number>;
  /**
   * The providers' API base URLs (WHATSAPP_API_URL, TELEGRAM_API_URL, TWILIO_API_URL), also those of the accounts a
   * city sets for itself, which may not name another: a city's admin never points the server at an address.
   */
  apiUrls?: Partial<Record<"whatsapp" | "telegram" | "twilio", string>>;
  /** SMS by Kannel (channels/kannel/adapter.ts); the callback URL is the site's public URL. */
  kannel?: Omit<KannelOptions, "callbackUrl" | "timeoutMs">;
}

/** The providers whose variables are all set; a problem per variable missing from a provider half set. */
export function messagingSettings(
  e: MessagingEnv,
): { messaging: MessagingSettings } | { problems: string[] } {
  const problems: string[] = [];
  const group = <K extends keyof MessagingEnv>(names: K[], label: string) => {
    const set = names.filter((n) => e[n] !== undefined);
    if (set.length > 0 && set.length < names.length)
      for (const n of names.filter((n) => e[n] === undefined))
        problems.push(`${String(n)}: needed for ${label}`);
    return set.length === names.length;
  };
  const messaging: MessagingSettings = {
    apiUrls: { whatsapp: e.WHATSAPP_API_URL, telegram: e.TELEGRAM_API_URL, twilio: e.TWILIO_API_URL },
  };
  if (
    group(
      ["WHATSAPP_VERIFY_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"],
      "the WhatsApp Cloud API",
    )
  ) {
    messaging.whatsapp = {
      apiUrl: e.WHATSAPP_API_URL,
      token: e.WHATSAPP_TOKEN!,
      phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID!,
      appSecret: e.WHATSAPP_APP_SECRET!,
      verifyToken: e.WHATSAPP_VERIFY_TOKEN!,
    };
  }
  if (group(["TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET"], "Telegram")) {
    messaging.telegram = {
      apiUrl: e.TELEGRAM_API_URL,
      token: e.TELEGRAM_BOT_TOKEN!,
      webhookSecret: e.TELEGRAM_WEBHOOK_SECRET!,
    };
  }
  if (
    e.TWILIO_ACCOUNT_SID !== undefined ||
    e.TWILIO_SMS_FROM !== undefined ||
    e.TWILIO_WHATSAPP_FROM !== undefined
  ) {
    if (group(["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN"], "Twilio messaging")) {
      messaging.twilio = {
        apiUrl: e.TWILIO_API_URL,
        accountSid: e.TWILIO_ACCOUNT_SID!,
        authToken: e.TWILIO_AUTH_TOKEN!,
        ...(e.TWILIO_SMS_FROM ? { smsFrom: e.TWILIO_SMS_FROM } : {}),
        ...(e.TWILIO_WHATSAPP_FROM ? { whatsappFrom: e.TWILIO_WHATSAPP_FROM } : {}),
      };
      if (!e.TWILIO_SMS_FROM && !e.TWILIO_WHATSAPP_FROM)
        problems.push("TWILIO_SMS_FROM or TWILIO_WHATSAPP_FROM: needed for Twilio messaging");
    }
  }
  if (
    group(
      [
        "KANNEL_SENDSMS_URL",
        "KANNEL_USERNAME",
        "KANNEL_PASSWORD",
        "KANNEL_SMS_FROM",
        "KANNEL_WEBHOOK_SECRET",
      ],
      "SMS by Kannel",
    )
  ) {
    messaging.kannel = {
      sendsmsUrl: e.KANNEL_SENDSMS_URL!,
      username: e.KANNEL_USERNAME!,
      password: e.KANNEL_PASSWORD!,
      from: e.KANNEL_SMS_FROM!,
      webhookSecret: e.KANNEL_WEBHOOK_SECRET!,
      maxParts: e.KANNEL_MAX_PARTS,
      foldToGsm: e.KANNEL_FOLD_ACCENTS === "true",
    };
  }
  const templates = parseWhatsAppTemplates(e.WHATSAPP_TEMPLATES);
  if ("problem" in templates) problems.push(templates.problem);
  else messaging.whatsappTemplates = templates.templates;
  const rates = parseSendRates(e.SEND_RATES);
  if ("problem" in rates) problems.push(rates.problem);
  else messaging.sendRates = rates;
  if (e.EMAIL_IMAP_URL)
    messaging.email = { url: e.EMAIL_IMAP_URL, processedMailbox: e.EMAIL_IMAP_PROCESSED_MAILBOX };
  return problems.length > 0 ? { problems } : { messaging };
}
