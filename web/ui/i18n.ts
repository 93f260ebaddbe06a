/**
 * Texts for the screens: the `web` section of locales/*.json, handed over by the shell for one language.
 * Placeholders are written {name}, as on the server.
 */

/** Fills {name} placeholders. Pure, so it is unit-tested and shared by every app. */
export function format(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A translator over one language's messages; a missing key shows itself, so a test or a reader notices. */
export type Translate = (key: string, params?: Record<string, string | number>) => string;

/** Makes the translator of a message table. */
export function translator(messages: Record<string, string>): Translate {
  return (key, params) => format(messages[key] ?? key, params);
}

/** The URL of the same page in another language (the `lang` query parameter, which the server negotiates first). */
export function withLang(href: string, lang: string): string {
  const url = new URL(href, "http://x");
  url.searchParams.set("lang", lang);
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The path and query of a page without its `lang` (which the language switch sets itself); other parameters kept. */
export function withoutLang(url: URL): string {
  const query = new URLSearchParams(url.search);
  query.delete("lang");
  const rest = query.toString();
  return rest ? `${url.pathname}?${rest}` : url.pathname;
}

/** Formats an ISO instant for people in the city's time zone. */
export function formatWhen(iso: string, locale: string): string {
  return new Date(iso).toLocaleString(locale, {
    timeZone: "America/Sao_Paulo",
    dateStyle: "short",
    timeStyle: "short",
  });
}
