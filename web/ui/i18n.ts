/**
 * Texts for the screens: the `web` section of locales/*.json, handed over by the shell for one language.
 * Placeholders are written {name}, as on the server.
 */
import { inBase } from "./base.ts";

/** Fills {name} placeholders. Pure, so it is unit-tested and shared by every app. */
export function format(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A translator over one language's messages; a missing key shows itself, so a test or a reader notices. */
export type Translate = (key: string, params?: Record<string, string | number>) => string;

const pluralRules = new Map<string, Intl.PluralRules>();

/**
 * The key of the plural form of `key` for `count` in `locale`: `key_one`, `key_other` (and `key_many`, `key_few`…
 * where a language has them), chosen by Intl.PluralRules, `key_other` when the form is missing. The key itself when
 * the table has no `key_other`: texts without plural forms are used as they are.
 */
export function pluralKey(has: (key: string) => boolean, key: string, count: number, locale: string): string {
  if (!has(`${key}_other`)) return key;
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  const form = `${key}_${rules.select(count)}`;
  return has(form) ? form : `${key}_other`;
}

/**
 * Makes the translator of a message table in `locale`. A numeric `count` picks the plural form of a key written as
 * `key_one` / `key_other` ("{count} tentativa" / "{count} tentativas"), by the language's own rules.
 */
export function translator(messages: Record<string, string>, locale = "pt-BR"): Translate {
  const has = (k: string) => k in messages;
  return (key, params) => {
    const count = params?.count;
    const chosen = typeof count === "number" ? pluralKey(has, key, count, locale) : key;
    return format(messages[chosen] ?? key, params);
  };
}

/**
 * The URL of an app's path in a language (the `lang` query parameter, which the server negotiates first), under the
 * page's tenant prefix (base.ts): every in-app link and navigation goes through it.
 */
export function withLang(href: string, lang: string): string {
  const url = new URL(href, "http://x");
  url.searchParams.set("lang", lang);
  return inBase(`${url.pathname}${url.search}${url.hash}`);
}

/** The path and query of a page without its `lang` (which the language switch sets itself); other parameters kept. */
export function withoutLang(url: URL): string {
  const query = new URLSearchParams(url.search);
  query.delete("lang");
  const rest = query.toString();
  return rest ? `${url.pathname}?${rest}` : url.pathname;
}

let cityTimeZone: string | undefined;

/**
 * Sets the city's IANA time zone (the boot data's, from its calendar) that `formatWhen` says instants in; until it
 * is set, the browser's own zone is used.
 */
export function setCityTimeZone(timeZone: string | undefined): void {
  cityTimeZone = timeZone;
}

/** Formats an ISO instant for people in the city's time zone. */
export function formatWhen(iso: string, locale: string): string {
  return new Date(iso).toLocaleString(locale, {
    ...(cityTimeZone ? { timeZone: cityTimeZone } : {}),
    dateStyle: "short",
    timeStyle: "short",
  });
}
