/**
 * Renders a message from its template in locales/ (`messages.<template>.subject` and `.body`, framed by a greeting
 * and a footer with the tracking link), in the citizen's language. What a message says is text in locales/, unless
 * the administration overrode it for a channel and language (server/message-templates/): the most specific
 * override wins (channel + language, then any channel + language), then the default. Code only fills in variables.
 */
import { type Locale, translate } from "../i18n.ts";
import { SHORT_BODY_MAX, SHORT_CHANNELS } from "../message-templates/schemas.ts";
import type { MessageData, Template } from "./schemas.ts";

/** Everything a template may refer to. */
export interface MessageVariables {
  /** The citizen's name, or null for a greeting without one. */
  name: string | null;
  protocol: string;
  /** The service's name in the citizen's language. */
  service: string;
  /** The responsible department's name ("" when none yet). */
  department: string;
  /** The public tracking page of the demand. */
  trackUrl: string;
  /** The demand's deadline in words ("20 dias úteis") and its due date (the receipt, demand.received). */
  deadline?: string;
  dueDate?: string;
  /** The one-click consent withdrawal link (e-mails only); its footer line is left out without one. */
  withdrawUrl?: string | undefined;
  data: MessageData;
}

/** A rendered message. */
export interface Rendered {
  subject: string;
  text: string;
}

/**
 * The tracking page of a demand, in the citizen's language; with the demand's link key (for its own citizen) after
 * `#chave=`, a fragment, so it reaches the page's script but never a server log or a Referer (decision 0030).
 */
export function trackUrlOf(publicUrl: string, protocol: string, locale: Locale, linkKey?: string): string {
  return `${publicUrl}/acompanhar?protocolo=${protocol}&lang=${locale}${linkKey ? `#chave=${linkKey}` : ""}`;
}

/** The subject and body of a template, as locales/ or an override gives them (placeholders unfilled). */
export interface TemplateText {
  subject: string;
  body: string;
}

/** An override of a template's text for one channel ("*": any) in one language. */
export interface TemplateOverride extends TemplateText {
  channel: string;
}

/** The default text of `template` in `locale`, from locales/. */
export function defaultTemplateText(template: Template, locale: Locale): TemplateText {
  return {
    // Without parameters every {name} stays as written.
    subject: translate(locale, `messages.${template}.subject`),
    body: translate(locale, `messages.${template}.body`),
  };
}

/** The placeholder names a text uses ({protocol} → "protocol"), each once, in order of appearance. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!))];
}

/**
 * The override a message on `channel` takes: the channel's own, else the one for any channel, else none. A text for
 * any channel longer than a short channel (SMS, WhatsApp) takes is not used there: the default goes instead.
 */
export function pickOverride(
  overrides: readonly TemplateOverride[],
  channel: string,
): TemplateOverride | undefined {
  const own = overrides.find((o) => o.channel === channel);
  if (own) return own;
  const any = overrides.find((o) => o.channel === "*");
  const short = (SHORT_CHANNELS as readonly string[]).includes(channel);
  return any && (!short || any.body.length <= SHORT_BODY_MAX) ? any : undefined;
}

/** Renders `template` in `locale` with the variables filled in, from `override` when one is given. */
export function renderMessage(
  template: Template,
  locale: Locale,
  vars: MessageVariables,
  override?: TemplateText,
): Rendered {
  const params = messageParams(vars);
  const greeting = vars.name
    ? translate(locale, "messages.greeting", { name: vars.name })
    : translate(locale, "messages.greeting_unnamed");
  const text = override ?? defaultTemplateText(template, locale);
  const body = fill(text.body, params);
  const footer = translate(locale, "messages.footer", params);
  const withdraw = vars.withdrawUrl
    ? `\n${translate(locale, "messages.footer_withdraw", { withdrawUrl: vars.withdrawUrl })}`
    : "";
  return {
    subject: fill(text.subject, params),
    text: `${greeting}\n\n${body}\n\n--\n${footer}${withdraw}\n`,
  };
}

/** The values a template's placeholders take ({protocol}, {answer} …), also a WhatsApp template's parameters. */
export function messageParams(vars: MessageVariables): Record<string, string> {
  return {
    protocol: vars.protocol,
    service: vars.service,
    department: vars.department,
    trackUrl: vars.trackUrl,
    deadline: vars.deadline ?? "",
    dueDate: vars.dueDate ?? "",
    answer: vars.data.answer ?? "",
    question: vars.data.question ?? "",
    survivingProtocol: vars.data.survivingProtocol ?? "",
    surveyUrl: vars.data.surveyUrl ?? vars.trackUrl,
  };
}

// Fills {name} placeholders; an unknown one stays as written (overrides are checked, so none reach a citizen).
function fill(text: string, params: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(params, name) ? params[name]! : whole,
  );
}
