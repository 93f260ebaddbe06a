/**
 * Every text a person reads comes from locales/: pt-BR is the default, en and es are complete too.
 * Keys are dotted paths into the JSON files; placeholders are written {name}.
 */
import { readFileSync } from "node:fs";

export const LOCALES = ["pt-BR", "en", "es"] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = "pt-BR";

type Tree = { [key: string]: string | Tree };

/** Flattens nested locale JSON into dotted keys. */
export function flatten(tree: Tree, prefix = "", out: Map<string, string> = new Map()): Map<string, string> {
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (typeof v === "string") out.set(key, v);
    else flatten(v, key, out);
  }
  return out;
}

/** Reads one locale file as a map of dotted keys to texts. */
export function loadLocale(locale: Locale): Map<string, string> {
  const url = new URL(`../locales/${locale}.json`, import.meta.url);
  return flatten(JSON.parse(readFileSync(url, "utf8")) as Tree);
}

const catalogues = new Map<Locale, Map<string, string>>(LOCALES.map((l) => [l, loadLocale(l)]));

const pluralRules = new Map<Locale, Intl.PluralRules>(LOCALES.map((l) => [l, new Intl.PluralRules(l)]));

/**
 * The text of `key` in `locale` with its placeholders filled; pt-BR when the locale lacks it, the key when none has
 * it. A numeric `count` picks the plural form of a key written as `key_one` / `key_other` (Intl.PluralRules), as
 * on the screens (web/ui/i18n.ts).
 */
export function translate(locale: Locale, key: string, params: Record<string, string | number> = {}): string {
  const base = catalogues.get(DEFAULT_LOCALE);
  if (typeof params.count === "number" && base?.has(`${key}_other`)) {
    const form = `${key}_${pluralRules.get(locale)?.select(params.count)}`;
    key = base.has(form) ? form : `${key}_other`;
  }
  const text = catalogues.get(locale)?.get(key) ?? catalogues.get(DEFAULT_LOCALE)?.get(key) ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** True when some locale has a text for `key`. */
export function hasText(key: string): boolean {
  const base = catalogues.get(DEFAULT_LOCALE);
  return (base?.has(key) || base?.has(`${key}_other`)) ?? false;
}

/** Picks the best supported locale from an Accept-Language header (or a ?lang= value); pt-BR by default. */
export function negotiateLocale(header: string | undefined): Locale {
  if (!header) return DEFAULT_LOCALE;
  const wanted = header
    .split(",")
    .map((part) => {
      const [tag = "", ...rest] = part.trim().split(";");
      const q = rest.find((r) => r.trim().startsWith("q="));
      return { tag: tag.trim().toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((w) => w.tag && !Number.isNaN(w.q))
    .sort((a, b) => b.q - a.q);
  for (const { tag } of wanted) {
    if (tag.startsWith("pt")) return "pt-BR";
    if (tag.startsWith("en")) return "en";
    if (tag.startsWith("es")) return "es";
  }
  return DEFAULT_LOCALE;
}

/** A value given per locale ({"pt-BR": ..., "en": ...}) read in `locale`, falling back to pt-BR. */
export function pickLocalized(
  value: Partial<Record<Locale, string>> | null | undefined,
  locale: Locale,
): string {
  return value?.[locale] ?? value?.[DEFAULT_LOCALE] ?? "";
}
