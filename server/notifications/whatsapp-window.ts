/**
 * WhatsApp's customer-service window (decision 0047): free text reaches a citizen only within 24 hours of their last
 * message to the city's number; outside it only a template Meta approved passes (on Twilio, a Content API template).
 * Every WhatsApp send asks `whatsappTemplateFor` first: inside the window it says nothing (free text goes), outside
 * it gives the city's approved template for the message (WHATSAPP_TEMPLATES, docs/channels.md) with its body
 * parameters filled, or refuses for good so that the message goes on the citizen's next channel instead of failing
 * later at Meta with 131047.
 */
import { DeliveryError, type OutgoingMessage } from "../../channels/channel.ts";

/** How long a citizen's message keeps the window open. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** One approved template: its name (Meta) or Content SID (Twilio, HX…) and the variables of its body, in order. */
export interface ApprovedTemplate {
  name: string;
  variables: string[];
}

/** Our message keys (a notification's template, `conversation.reply`, `sign_in.code`, or "*") → approved templates. */
export type WhatsAppTemplates = Record<string, ApprovedTemplate>;

const KEY = /^(\*|[a-z][a-z_]*(\.[a-z][a-z_]*)*)$/;
const NAME = /^([a-z0-9_]{1,512}|HX[0-9a-fA-F]{32})$/;
const VARIABLE = /^[a-zA-Z]\w{0,63}$/;

/**
 * Reads WHATSAPP_TEMPLATES: `key=name:var1,var2;key=name:…`, e.g.
 * `demand.answered=resposta_156:protocol,answer;*=aviso_156:protocol,text`. Returns the map, or a problem naming the
 * part that is wrong.
 */
export function parseWhatsAppTemplates(
  spec: string | undefined,
): { templates: WhatsAppTemplates } | { problem: string } {
  const templates: WhatsAppTemplates = {};
  for (const part of (spec ?? "").split(";")) {
    const item = part.trim();
    if (!item) continue;
    const match = /^([^=\s]+)\s*=\s*([^:\s]+)\s*(?::\s*(.*))?$/.exec(item);
    const key = match?.[1];
    const name = match?.[2];
    const variables = (match?.[3] ?? "")
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean);
    if (!key || !name || !KEY.test(key) || !NAME.test(name) || !variables.every((v) => VARIABLE.test(v))) {
      return {
        problem: `WHATSAPP_TEMPLATES: "${item}" is not key=template_name:variable,… (a Meta name in lower case or a Twilio HX… SID)`,
      };
    }
    if (templates[key]) return { problem: `WHATSAPP_TEMPLATES: "${key}" is named twice` };
    templates[key] = { name, variables };
  }
  return { templates };
}

/** True while the window opened by the citizen's last message (`lastInboundAt`) is open at `now`. */
export function windowOpen(lastInboundAt: Date | string | null | undefined, now = new Date()): boolean {
  if (!lastInboundAt) return false;
  return now.getTime() - new Date(lastInboundAt).getTime() < WHATSAPP_WINDOW_MS;
}

/**
 * A body parameter as Meta takes it: no line breaks or tabs, never more than four spaces in a row (error 132018),
 * never empty (131008), at most 1,024 characters.
 */
export function templateParameter(value: string | null | undefined): string {
  const flat = (value ?? "").replace(/\s+/g, " ").trim();
  if (!flat) return "-";
  const chars = [...flat];
  return chars.length <= 1024 ? flat : `${chars.slice(0, 1023).join("")}…`;
}

/**
 * The template a WhatsApp message must go as, or undefined when the window is open (free text passes). Outside the
 * window without an approved template for `key` (nor "*"), a permanent DeliveryError: WhatsApp would refuse the text.
 * A variable the message does not have is refused the same way, naming it (a configuration to fix).
 */
export function whatsappTemplateFor(
  templates: WhatsAppTemplates | undefined,
  input: {
    key: string;
    locale: string;
    lastInboundAt: Date | string | null | undefined;
    variables: Record<string, string | null | undefined>;
    now?: Date;
  },
): OutgoingMessage["template"] {
  if (windowOpen(input.lastInboundAt, input.now)) return undefined;
  const approved = templates?.[input.key] ?? templates?.["*"];
  if (!approved) {
    throw new DeliveryError(
      `whatsapp: the 24-hour window is closed and WHATSAPP_TEMPLATES names no template for ${input.key}`,
      false,
    );
  }
  const missing = approved.variables.filter((v) => !Object.hasOwn(input.variables, v));
  if (missing.length > 0) {
    throw new DeliveryError(
      `whatsapp: template ${approved.name} wants ${missing.join(", ")}, which ${input.key} does not have`,
      false,
    );
  }
  return {
    name: approved.name,
    language: input.locale,
    parameters: approved.variables.map((v) => templateParameter(input.variables[v])),
  };
}
