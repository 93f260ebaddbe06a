/**
 * What the server's HTML shell hands every app: the negotiated language, its texts, the map settings and the city's
 * time zone. It sits in a JSON data block (not a script), so the Content-Security-Policy allows no inline script at
 * all.
 */
import { setCityTimeZone } from "./i18n.ts";
import type { IndicatorDefinition } from "./indicators.ts";

/** A language the screens offer, with its own name. */
export interface LocaleChoice {
  code: string;
  name: string;
}

/** The boot data of an app's shell. */
export interface Boot {
  locale: string;
  locales: LocaleChoice[];
  /** The `web.*` texts of the locale, flattened: "portal.title" → "…". */
  messages: Record<string, string>;
  /** The tile layer URL template (MAP_TILE_URL); null draws districts only, with no internet. */
  tileUrl: string | null;
  /** The hashed URL of Leaflet's stylesheet, loaded with the map. */
  leafletCss: string;
  /**
   * The server's limits on photos (MAX_ATTACHMENT_BYTES, the number of files a demand takes), checked before an
   * upload so a citizen never sends 12 MB to be refused; absent in an older shell.
   */
  limits?: { attachmentBytes: number; attachments: number };
  /**
   * The sign-in providers configured (decision 0057): gov.br on the portal, the city's own provider on the staff
   * apps; absent in an older shell.
   */
  signIn?: { govbr: boolean; city: boolean };
  /**
   * The city's branding (issue 16): its name (null: the platform's) and logo address; its colour comes with the
   * stylesheet /branding.css. Absent in an older shell.
   */
  brand?: { name: string | null; logoUrl: string | null };
  /** The city's IANA time zone (its calendar's): every date on the screens is said in it. */
  timeZone: string;
  /**
   * The public indicators' definitions, in the shell of the transparency pages only: their first screen asks for
   * the readings at once, without first asking GET /api/v1/indicators.
   */
  indicators?: IndicatorDefinition[];
}

/** Reads the boot block written by the server into the page, and says dates in the city's time zone from then on. */
export function readBoot(doc: Document = document): Boot {
  const el = doc.getElementById("boot");
  if (!el?.textContent) throw new Error("the page has no boot data");
  const boot = JSON.parse(el.textContent) as Boot;
  setCityTimeZone(boot.timeZone);
  return boot;
}
