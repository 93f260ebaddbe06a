/**
 * Renders a message from its template in locales/ (`messages.<template>.subject` and `.body`, framed by a greeting
 * and a footer with the tracking link), in the citizen's language. What a message says is text in locales/, edited
 * there for every language at once; code only fills in the variables.
 */
import { type Locale, translate } from "../i18n.ts";
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
  data: MessageData;
}

/** A rendered message. */
export interface Rendered {
  subject: string;
  text: string;
}

/** The public tracking page of a demand, in the citizen's language. */
export function trackUrlOf(publicUrl: string, protocol: string, locale: Locale): string {
  return `${publicUrl}/acompanhar?protocolo=${protocol}&lang=${locale}`;
}

/** Renders `template` in `locale` with the variables filled in. */
export function renderMessage(template: Template, locale: Locale, vars: MessageVariables): Rendered {
  const params: Record<string, string> = {
    protocol: vars.protocol,
    service: vars.service,
    department: vars.department,
    trackUrl: vars.trackUrl,
    answer: vars.data.answer ?? "",
    question: vars.data.question ?? "",
    survivingProtocol: vars.data.survivingProtocol ?? "",
    surveyUrl: vars.data.surveyUrl ?? vars.trackUrl,
  };
  const greeting = vars.name
    ? translate(locale, "messages.greeting", { name: vars.name })
    : translate(locale, "messages.greeting_unnamed");
  const body = translate(locale, `messages.${template}.body`, params);
  const footer = translate(locale, "messages.footer", params);
  return {
    subject: translate(locale, `messages.${template}.subject`, params),
    text: `${greeting}\n\n${body}\n\n--\n${footer}\n`,
  };
}
