/**
 * What a city's admin sets for each messaging provider (issue 16), in the formats of the install's environment
 * variables (server/config-messaging.ts): the fields that may be shown (`settings`) apart from the tokens,
 * passwords and secrets (`secrets`), which are kept and never shown. The body of a PUT is both, its secrets optional
 * once the provider is set (a change without them keeps the stored ones).
 */
import { z } from "zod";
import { MESSAGING_ENV } from "../config-messaging.ts";

/** The providers a tenant may set: the written channels' and its e-mail relay. */
export const MESSAGING_PROVIDERS = ["whatsapp", "telegram", "twilio", "kannel", "email"] as const;
export type MessagingProvider = (typeof MESSAGING_PROVIDERS)[number];

/** The provider a PUT or DELETE names in its path. */
export const ProviderParams = z.object({ provider: z.enum(MESSAGING_PROVIDERS) });

const E = MESSAGING_ENV;

/** The providers' public API base URLs, unless the install's environment names others (server/config-messaging.ts). */
export const PUBLIC_API_URLS = {
  whatsapp: "https://graph.facebook.com",
  telegram: "https://api.telegram.org",
  twilio: "https://api.twilio.com",
} as const;

/** A secret: printable, without spaces (pasted from a provider's console), of the environment's minimum length. */
const secret = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[\x21-\x7e]+$/, "printable characters without spaces");

/** The shown fields and the secrets of each provider. */
export const PROVIDER_SCHEMAS = {
  whatsapp: {
    settings: z.object({
      /** The business phone number's id, not the number (WHATSAPP_PHONE_NUMBER_ID). */
      phoneNumberId: E.WHATSAPP_PHONE_NUMBER_ID.unwrap(),
    }),
    secrets: z.object({
      /** A system user's access token (WHATSAPP_TOKEN). */
      token: secret(8, 1000),
      /** The Meta app's secret, the key of X-Hub-Signature-256 (WHATSAPP_APP_SECRET). */
      appSecret: secret(8, 200),
      /** The verify token of the webhook's GET handshake (WHATSAPP_VERIFY_TOKEN). */
      verifyToken: secret(8, 200),
    }),
  },
  telegram: {
    settings: z.object({}),
    secrets: z.object({
      /** The bot's token from @BotFather (TELEGRAM_BOT_TOKEN). */
      token: E.TELEGRAM_BOT_TOKEN.unwrap().max(200),
      /** The secret_token given to setWebhook (TELEGRAM_WEBHOOK_SECRET). */
      webhookSecret: E.TELEGRAM_WEBHOOK_SECRET.unwrap(),
    }),
  },
  twilio: {
    settings: z.object({
      /** The account SID, AC… (TWILIO_ACCOUNT_SID). */
      accountSid: E.TWILIO_ACCOUNT_SID.unwrap(),
      /** The SMS sender: +55… or a Messaging Service SID, MG… (TWILIO_SMS_FROM). */
      smsFrom: E.TWILIO_SMS_FROM,
      /** The WhatsApp sender, whatsapp:+55… (TWILIO_WHATSAPP_FROM). */
      whatsappFrom: E.TWILIO_WHATSAPP_FROM,
    }),
    secrets: z.object({
      /** The account's auth token: authenticates the API calls and signs the webhooks (TWILIO_AUTH_TOKEN). */
      authToken: secret(8, 200),
    }),
  },
  kannel: {
    settings: z.object({
      /** smsbox's sendsms URL (KANNEL_SENDSMS_URL). */
      sendsmsUrl: z
        .string()
        .trim()
        .url()
        .max(300)
        .regex(/^https?:\/\//),
      /** The `sendsms-user` (KANNEL_USERNAME). */
      username: E.KANNEL_USERNAME.unwrap(),
      /** The sender: the city's short code or number (KANNEL_SMS_FROM). */
      from: E.KANNEL_SMS_FROM.unwrap(),
      /** The most parts one message may take (KANNEL_MAX_PARTS). */
      maxParts: z.number().int().min(1).max(10).default(6),
      /** Fold accents to the GSM alphabet (KANNEL_FOLD_ACCENTS). */
      foldToGsm: z.boolean().default(false),
    }),
    secrets: z.object({
      /** That user's password (KANNEL_PASSWORD). */
      password: E.KANNEL_PASSWORD.unwrap(),
      /** The get-url's Basic password and the key of the delivery reports' signatures (KANNEL_WEBHOOK_SECRET). */
      webhookSecret: E.KANNEL_WEBHOOK_SECRET.unwrap(),
    }),
  },
  email: {
    settings: z.object({
      /** The From of the city's e-mails, e.g. "Prefeitura de Santos <156@santos.sp.gov.br>" (MAIL_FROM). */
      mailFrom: z
        .string()
        .trim()
        .min(3)
        .max(200)
        .regex(/^[^\p{Cc}]+$/u, "one line"),
    }),
    secrets: z.object({
      /** The SMTP relay, smtp:// or smtps://, with its user and password (SMTP_URL). */
      smtpUrl: z
        .string()
        .trim()
        .url()
        .max(500)
        .regex(/^smtps?:\/\//, "an smtp:// or smtps:// URL"),
    }),
  },
} as const;

/** The body of `PUT /api/v1/messaging-providers/:provider`: the shown fields and, optional once set, the secrets. */
export function providerInput(provider: MessagingProvider) {
  const { settings, secrets } = PROVIDER_SCHEMAS[provider];
  return settings.extend(secrets.partial().shape).strict();
}

/** Every provider's body, for the API description (the route checks the one its path names). */
export const MessagingProviderInput = z.union([
  providerInput("whatsapp"),
  providerInput("telegram"),
  providerInput("twilio"),
  providerInput("kannel"),
  providerInput("email"),
]);

const ProviderView = z.object({
  /** "environment": the install's provider (read-only for the default tenant); "tenant": the city's own account. */
  source: z.enum(["environment", "tenant", "none"]),
  /** True where the install's environment keeps the provider (the default tenant's): PUT and DELETE are 409. */
  readOnly: z.boolean(),
  /** The shown fields (the SMTP relay's address without its user and password); null with no provider. */
  settings: z.record(z.string(), z.unknown()).nullable(),
  /** Whether the secrets are set; they are never shown. */
  secretSet: z.boolean(),
  /** The address to register at the provider for its webhook (the tenant's), when it has one. */
  webhookUrl: z.string().optional(),
});

/** What GET, PUT and DELETE answer: each provider's state. */
export const MessagingProvidersView = z.object(
  Object.fromEntries(MESSAGING_PROVIDERS.map((p) => [p, ProviderView])) as Record<
    MessagingProvider,
    typeof ProviderView
  >,
);
