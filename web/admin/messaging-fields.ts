/**
 * The fields of each messaging provider the admin's "Mensageria" screen asks for (server/messaging-providers/
 * schemas.ts): the shown ones, which the server presents back, and the secrets, typed anew and left out of the body
 * when empty so the stored ones are kept. Their labels and hints are `admin.messaging.<provider>.<field>[_hint]`.
 */

export type MessagingProvider = "whatsapp" | "telegram" | "twilio" | "kannel" | "email";

export const MESSAGING_PROVIDERS: MessagingProvider[] = ["whatsapp", "telegram", "twilio", "kannel", "email"];

/** One provider as GET /api/v1/messaging-providers presents it (server/messaging-providers/present.ts). */
export interface MessagingProviderView {
  source: "environment" | "tenant" | "none";
  settings: Record<string, unknown> | null;
  readOnly: boolean;
  secretSet: boolean;
  webhookUrl?: string;
}
export type MessagingProviders = Record<MessagingProvider, MessagingProviderView>;

/**
 * A field: "text" and "url" shown and sent trimmed (left out when empty and `optional`), "number" and "check" the
 * Kannel options, "secret" a password input never filled from the server.
 */
export interface ProviderField {
  name: string;
  kind: "text" | "url" | "number" | "check" | "secret";
  optional?: boolean;
}

export const PROVIDER_FIELDS: Record<MessagingProvider, ProviderField[]> = {
  whatsapp: [
    { name: "phoneNumberId", kind: "text" },
    { name: "token", kind: "secret" },
    { name: "appSecret", kind: "secret" },
    { name: "verifyToken", kind: "secret" },
  ],
  telegram: [
    { name: "token", kind: "secret" },
    { name: "webhookSecret", kind: "secret" },
  ],
  twilio: [
    { name: "accountSid", kind: "text" },
    { name: "smsFrom", kind: "text", optional: true },
    { name: "whatsappFrom", kind: "text", optional: true },
    { name: "authToken", kind: "secret" },
  ],
  kannel: [
    { name: "sendsmsUrl", kind: "url" },
    { name: "username", kind: "text" },
    { name: "from", kind: "text" },
    { name: "maxParts", kind: "number" },
    { name: "foldToGsm", kind: "check" },
    { name: "password", kind: "secret" },
    { name: "webhookSecret", kind: "secret" },
  ],
  email: [
    { name: "mailFrom", kind: "text" },
    { name: "smtpUrl", kind: "secret" },
  ],
};

/** The server's defaults of the Kannel options (server/messaging-providers/schemas.ts). */
const DEFAULTS: Record<string, string | boolean> = { maxParts: "6", foldToGsm: false };

export type ProviderForm = Record<string, string | boolean>;

/** The form's values from what the server presents: secrets always empty. */
export function formOf(provider: MessagingProvider, view: MessagingProviderView): ProviderForm {
  const shown = view.settings ?? {};
  const form: ProviderForm = {};
  for (const f of PROVIDER_FIELDS[provider]) {
    const value = f.kind === "secret" ? undefined : shown[f.name];
    if (f.kind === "check") form[f.name] = typeof value === "boolean" ? value : (DEFAULTS[f.name] as boolean);
    else
      form[f.name] = value === undefined || value === null ? String(DEFAULTS[f.name] ?? "") : String(value);
  }
  return form;
}

/** The PUT body: shown fields trimmed (optional ones left out when empty), secrets only when typed. */
export function bodyOf(provider: MessagingProvider, form: ProviderForm): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const f of PROVIDER_FIELDS[provider]) {
    const value = form[f.name];
    if (f.kind === "check") body[f.name] = value === true;
    else if (f.kind === "secret") {
      if (typeof value === "string" && value !== "") body[f.name] = value;
    } else {
      const text = String(value ?? "").trim();
      if (f.kind === "number") body[f.name] = text === "" ? undefined : Number(text);
      else if (text !== "" || !f.optional) body[f.name] = text;
    }
  }
  return body;
}
