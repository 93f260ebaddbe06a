/**
 * The texts of a follow's e-mails, in the follower's language from locales/ (`areaFollows.*`): the confirmation
 * (double opt-in) and the digest. A digest lists for each demand only what open data publishes — protocol, service
 * name, status, district, date and the public tracking link — and counts district-only demands without listing them.
 */
import { type Locale, translate } from "../i18n.ts";
import { trackUrlOf } from "../notifications/templates.ts";

/** A follow's area as its e-mails name it. */
export interface AreaLabel {
  districtName: string | null;
  lat: number | null;
  lon: number | null;
  radiusM: number | null;
}

/** One item of a digest, as read for its e-mail. */
export interface DigestItem {
  kind: "opened" | "answered" | "closed";
  district_only: boolean;
  at: Date;
  protocol: string;
  service_name: string;
  status: string;
  district_name: string | null;
}

/** Lines listed per section; the rest are counted. */
export const LISTED_PER_KIND = 30;

const KINDS = ["opened", "answered", "closed"] as const;

/** The area in words: the district's name, or "500 m around -23.55, -46.63". */
export function areaText(locale: Locale, area: AreaLabel): string {
  if (area.districtName !== null)
    return translate(locale, "areaFollows.area.district", { name: area.districtName });
  return translate(locale, "areaFollows.area.point", {
    radius: area.radiusM ?? 0,
    lat: (area.lat ?? 0).toFixed(4),
    lon: (area.lon ?? 0).toFixed(4),
  });
}

function when(locale: Locale, at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: "short", timeStyle: "short", timeZone }).format(at);
}

/** The confirmation e-mail of a follow. */
export function renderConfirmation(
  locale: Locale,
  area: AreaLabel,
  links: { confirmUrl: string; stopUrl: string; days: number },
): { subject: string; text: string } {
  const params = { area: areaText(locale, area), ...links };
  return {
    subject: translate(locale, "areaFollows.confirm.subject", params),
    text: `${translate(locale, "areaFollows.confirm.body", params)}\n\n--\n${translate(locale, "areaFollows.footer", params)}\n`,
  };
}

/** The digest e-mail of a follow's items. */
export function renderDigest(
  locale: Locale,
  area: AreaLabel,
  items: readonly DigestItem[],
  options: { publicUrl: string; stopUrl: string; timeZone: string },
): { subject: string; text: string } {
  const name = areaText(locale, area);
  const sections: string[] = [];
  for (const kind of KINDS) {
    const listed = items.filter((i) => i.kind === kind && !i.district_only);
    if (listed.length === 0) continue;
    const lines = listed.slice(0, LISTED_PER_KIND).map((i) => {
      const status = translate(locale, `status.${i.status}`);
      const district = i.district_name ?? "—";
      const url = trackUrlOf(options.publicUrl, i.protocol, locale);
      return `- ${i.protocol} · ${i.service_name} · ${status} · ${district} · ${when(locale, i.at, options.timeZone)}\n  ${url}`;
    });
    const more = listed.length - LISTED_PER_KIND;
    if (more > 0) lines.push(translate(locale, "areaFollows.digest.more", { count: more }));
    sections.push(
      `${translate(locale, `areaFollows.digest.${kind}`, { count: listed.length })}\n${lines.join("\n")}`,
    );
  }
  const hidden = items.filter((i) => i.district_only);
  if (hidden.length > 0) {
    sections.push(
      translate(locale, "areaFollows.digest.district_only", {
        count: hidden.length,
        opened: hidden.filter((i) => i.kind === "opened").length,
        answered: hidden.filter((i) => i.kind !== "opened").length,
      }),
    );
  }
  const params = { area: name, count: items.length, stopUrl: options.stopUrl };
  return {
    subject: translate(locale, "areaFollows.digest.subject", params),
    text: `${translate(locale, "areaFollows.digest.intro", params)}\n\n${sections.join("\n\n")}\n\n--\n${translate(locale, "areaFollows.footer", params)}\n`,
  };
}
