/**
 * The filing form's checks, before anything is queued, and the server's field problems mapped back onto the form's
 * fields: both give one message per field id, in the order the fields appear, so the form shows each next to its
 * field, lists them at the top and puts the focus in the first one.
 */
import type { Translate } from "../ui/i18n.ts";
import type { AttributeView } from "./attributes.tsx";
import type { Draft } from "./draft.ts";

/** A message per field id of the form ("description", "attr-height", "address", "name" …), in the form's order. */
export type FieldErrors = Record<string, string>;

/** What the checks need of the service being asked for. */
export interface ServiceRules {
  locationRequired: boolean;
  attributes: AttributeView[];
}

/** The order of the form's fields, for the summary and for the first field to focus. */
export function formOrder(service: ServiceRules): string[] {
  return [
    "description",
    ...service.attributes.map((a) => `attr-${a.code}`),
    "address",
    "photos",
    "identity-identified",
    "name",
    "email",
    "phone",
    "reply",
  ];
}

/** Keeps `errors` in the form's order (the order a person meets the fields). */
export function inFormOrder(errors: FieldErrors, service: ServiceRules): FieldErrors {
  const order = formOrder(service);
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b)));
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The draft's problems the server would refuse, found before sending; an empty object when there is none. */
export function checkDraft(draft: Draft, service: ServiceRules, t: Translate): FieldErrors {
  const errors: FieldErrors = {};
  if (!draft.description.trim()) errors.description = t("portal.file.errors.description_required");
  for (const a of service.attributes) {
    const value = draft.attributes[a.code];
    const empty = value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
    if (a.required && empty) errors[`attr-${a.code}`] = t("portal.file.errors.required");
  }
  if (service.locationRequired && !draft.location) errors.address = t("portal.file.errors.location_required");
  if (draft.identity !== "anonymous") {
    const email = draft.email.trim();
    const phone = draft.phone.trim();
    if (!draft.name.trim() && !email && !phone) errors.name = t("portal.file.errors.contact_required");
    if (email && !EMAIL.test(email)) errors.email = t("portal.file.errors.email_invalid");
    if (phone && phone.replace(/\D/g, "").length < 8) errors.phone = t("portal.file.errors.phone_invalid");
    if (draft.reply === "email" && !email) errors.reply = t("portal.file.errors.reply_email");
    if ((draft.reply === "sms" || draft.reply === "whatsapp") && !phone)
      errors.reply = t("portal.file.errors.reply_phone");
  }
  return inFormOrder(errors, service);
}

/** The form field a field of the API's problem names, or null when the form has no such field. */
export function formFieldOf(apiField: string): string | null {
  if (apiField === "description") return "description";
  if (apiField.startsWith("attributes.")) return `attr-${apiField.slice("attributes.".length)}`;
  if (["location", "district", "address"].includes(apiField) || apiField.startsWith("location."))
    return "address";
  if (apiField.startsWith("attachments") || apiField.startsWith("photos")) return "photos";
  if (apiField === "identity") return "identity-identified";
  if (apiField === "citizen" || apiField === "citizen.name") return "name";
  if (apiField === "citizen.email") return "email";
  if (apiField === "citizen.phone") return "phone";
  if (apiField === "citizen.preferredChannel") return "reply";
  return null;
}

/** The server's field problems (problem+json `errors[]`) on the form's fields; the first message of each field. */
export function serverFieldErrors(
  errors: readonly { field: string; code: string; detail?: string }[],
  service: ServiceRules,
  fallback: string,
): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) {
    const id = formFieldOf(e.field);
    if (id && !(id in out)) out[id] = e.detail || fallback;
  }
  return inFormOrder(out, service);
}
