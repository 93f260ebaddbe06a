/**
 * An indicator's definition as it leaves the server, in one language: the API's list and each answer carry it, and
 * the transparency portal's shell hands the public ones to its first screen (server/http/web.ts), so the screen
 * asks for the readings at once instead of asking for the list first.
 */
import type { Locale } from "../i18n.ts";
import { translate } from "../i18n.ts";
import { INDICATORS, type IndicatorDefinition } from "./definitions.ts";
import { GROUP_KEYS } from "./queries.ts";

/** One indicator's definition in `locale`. */
export function presentDefinition(indicator: IndicatorDefinition, locale: Locale) {
  return {
    id: indicator.id,
    title: translate(locale, `indicators.${indicator.id}.title`),
    description: translate(locale, `indicators.${indicator.id}.description`),
    unit: indicator.unit,
    audience: indicator.audience,
    periodBy: indicator.periodBy,
    values: Object.keys(indicator.values),
    headline: indicator.headline,
    groupBy:
      indicator.periodBy === "now"
        ? GROUP_KEYS.filter((k) => !["hour", "day", "month"].includes(k))
        : GROUP_KEYS,
  };
}

/** The public indicators' definitions in `locale`, as GET /api/v1/indicators lists them to anyone. */
export function publicDefinitions(locale: Locale) {
  return INDICATORS.filter((i) => i.audience === "public").map((i) => presentDefinition(i, locale));
}
