/**
 * What Meta's Graph API answers to a Messages call it refuses, for the fake (fake.ts): its error objects, and the
 * checks of a body against WhatsApp's documented limits (text, templates and their parameters, media links,
 * buttons, lists, location requests).
 */
import { randomBytes } from "node:crypto";

export const trace = () => randomBytes(8).toString("base64url");
export const graphError = (code: number, message: string, more: Record<string, unknown> = {}) => ({
  error: { message, type: "OAuthException", code, ...more, fbtrace_id: trace() },
});
const chars = (value: unknown) => (typeof value === "string" ? [...value].length : -1);

export type Refusal = [status: number, body: object];
const refuse = (code: number, message: string, details?: string, status = 400): Refusal => [
  status,
  graphError(code, `(#${code}) ${message}`, details ? { error_data: { details } } : {}),
];
const invalid = (details: string) => refuse(131009, "Parameter value is not valid", details);
const outside = (value: unknown, min: number, max: number) => chars(value) < min || chars(value) > max;

/** The Graph error a Messages body earns, or undefined when WhatsApp would take it. */
export function refusalOf(
  body: Record<string, unknown>,
  templates: Record<string, number> | undefined,
): Refusal | undefined {
  if (body.messaging_product !== "whatsapp")
    return refuse(100, "The parameter messaging_product is required.");
  if (typeof body.to !== "string" || !/^\+?\d{8,15}$/.test(body.to))
    return refuse(100, "Invalid parameter", "to");
  if (chars(body.biz_opaque_callback_data) > 512) return invalid("biz_opaque_callback_data is too long");
  const t = body[String(body.type)] as Record<string, unknown> | undefined;
  if (!t || typeof t !== "object") return refuse(100, `The parameter ${body.type} is required.`);
  if (body.type === "text")
    return outside(t.body, 1, 4096) ? invalid("text.body: 1 to 4096 characters") : undefined;
  if (body.type === "template") {
    const language = t.language as { code?: unknown } | undefined;
    if (typeof t.name !== "string" || typeof language?.code !== "string") {
      return refuse(100, "The parameters template['name'] and template['language'] are required.");
    }
    const expected = templates?.[t.name];
    if (templates && expected === undefined) {
      return refuse(132001, "Template name does not exist in the translation", undefined, 404);
    }
    const components = (t.components ?? []) as { type?: string; parameters?: unknown[] }[];
    const given = components.find((c) => c.type === "body")?.parameters?.length ?? 0;
    if (expected === undefined || given === expected) return undefined;
    return refuse(132000, "Number of parameters does not match the expected number of params");
  }
  if (body.type === "image" || body.type === "document") {
    // Media by link (an id of an uploaded file is not what we send): WhatsApp downloads it after taking the call.
    return typeof t.link === "string" && /^https?:\/\//.test(t.link)
      ? undefined
      : refuse(100, `Param ${body.type}['link'] must be a valid URL`);
  }
  if (body.type !== "interactive") return undefined;
  const action = t.action as Record<string, unknown> | undefined;
  const text = (t.body as { text?: unknown } | undefined)?.text;
  if (outside(text, 1, 1024)) return invalid("interactive.body.text: 1 to 1024 characters");
  if (t.type === "location_request_message") {
    return action?.name === "send_location" ? undefined : invalid("action.name must be send_location");
  }
  if (t.type === "button") {
    const buttons = ((action?.buttons ?? []) as { reply?: { id?: unknown; title?: unknown } }[]).map(
      (b) => b.reply,
    );
    if (buttons.length < 1 || buttons.length > 3) return invalid("buttons: 1 to 3");
    if (buttons.some((b) => outside(b?.title, 1, 20) || outside(b?.id, 1, 256))) {
      return invalid("Button title length invalid. Min length: 1, Max length: 20");
    }
    return new Set(buttons.map((b) => b?.title)).size === buttons.length
      ? undefined
      : invalid("Button title must be unique");
  }
  if (t.type === "list") {
    const sections = (action?.sections ?? []) as { rows?: { id?: unknown; title?: unknown }[] }[];
    const rows = sections.flatMap((s) => s.rows ?? []);
    if (outside(action?.button, 1, 20)) return invalid("action.button: 1 to 20 characters");
    if (rows.length < 1 || rows.length > 10) return invalid("Total row count exceed max allowed count: 10");
    const bad = rows.some((r) => outside(r.title, 1, 24) || outside(r.id, 1, 200));
    return bad ? invalid("Row title length invalid. Max length: 24") : undefined;
  }
  return invalid(`interactive type ${String(t.type)} is not supported`);
}
