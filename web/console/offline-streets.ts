/**
 * The city's streets without the network (issue 16, decision 0058): the list GET /api/v1/console/offline-streets
 * gives (each street name with the districts it runs through and the house numbers known there) is kept in this
 * tenant's store of offline.ts and asked again, naming the version kept, whenever the console opens: an unchanged
 * list is answered 304 and not downloaded again. Offline the address field suggests its streets by the words typed
 * (accents and case aside, each word the start of a word of the name, titles and particles as the geocoder reads
 * them: domain/address.ts), shows each one's district, and warns when the house number is outside the numbers known
 * on the street there. The street picked is placed by the server's geocoder, in its district, when the demand is sent.
 */
import { get, set } from "idb-keyval";
import { normalizeText, parseAddress, parseStreetName } from "../../domain/address.ts";
import { api } from "../ui/api.ts";
import { store } from "./offline.ts";

/** The list as the server sends it (server/areas/offline-streets.ts). */
export interface StreetList {
  version: string;
  /** [code, name]. */
  districts: [string, string][];
  /** [official name, district position or null, lowest known number, highest known number]. */
  streets: [string, number | null, number | null, number | null][];
}

/** A street of the city in one district, as the address field offers it. */
export interface CityStreet {
  /** The official name: "R AUGUSTA". */
  name: string;
  districtCode: string | null;
  districtName: string | null;
  /** The lowest and highest house numbers known on it there; null when none are. */
  low: number | null;
  high: number | null;
}

/** A street as the search reads it: its type, its words and its comparable name (as streets.normalized_name). */
interface Entry {
  street: CityStreet;
  type: string | undefined;
  words: string[];
  comparable: string;
}

/** The kept list made ready to search. */
export interface StreetIndex {
  version: string;
  entries: Entry[];
}

const LIST = "streets";
const VERSION = "streets-version";

/** Reads the list again unless the kept one is current (304); keeps the last one when offline. */
export async function refreshStreets(locale: string): Promise<void> {
  const kept = await get<string>(VERSION, store);
  try {
    const list = await api<StreetList>(
      "/api/v1/console/offline-streets",
      // The browser's own cache is left out: the kept list is in IndexedDB, and a 304 must reach this code.
      { cache: "no-store", headers: kept ? { "if-none-match": `"${kept}"` } : {} },
      locale,
    );
    await set(LIST, list, store);
    await set(VERSION, list.version, store);
    loaded = undefined;
  } catch {
    // 304 (unchanged), no link or no right: the kept list, if any, stays.
  }
}

let loaded: Promise<StreetIndex | undefined> | undefined;

/** The kept list, ready to search (read and indexed once per page); undefined when none is kept. */
export function keptStreets(): Promise<StreetIndex | undefined> {
  loaded ??= get<StreetList>(LIST, store).then((list) => (list ? indexStreets(list) : undefined));
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

/** The list made ready to search. */
export function indexStreets(list: StreetList): StreetIndex {
  const entries = list.streets.map(([name, district, low, high]): Entry => {
    const { type, normalizedName } = parseStreetName(name);
    const official = normalizeText(name.replace(/\([^)]*\)?/g, " ")).split(" ");
    const named = type ? official.slice(1) : official;
    const [districtCode, districtName] = district === null ? [null, null] : (list.districts[district] ?? []);
    return {
      street: { name, districtCode: districtCode ?? null, districtName: districtName ?? null, low, high },
      type,
      // The name as written ("PROF") and as compared ("VINTE CINCO" for "25"): either start matches.
      words: [...new Set([...named, ...normalizedName.split(" ")])].filter(Boolean),
      comparable: normalizedName,
    };
  });
  return { version: list.version, entries };
}

/** What the kept list offers for a typed address. */
export interface StreetMatches {
  /** The best streets first, at most the limit asked. */
  streets: CityStreet[];
  /** The house number typed, if any. */
  number: number | undefined;
  /** The one street the address names exactly (its only district), taken without a click; else null. */
  exact: CityStreet | null;
}

/**
 * The streets a typed address may be: each word of its name (as the geocoder compares names: without the type,
 * titles, saints and particles) starts a word of the street's name. Ordered by: the name exactly, the type typed,
 * the name starting with the first word, then by name and district.
 */
export function searchStreets(index: StreetIndex, typed: string, limit = 8): StreetMatches {
  const parsed = parseAddress(typed);
  const query = parsed.normalizedName.split(" ").filter(Boolean);
  if (query.join("").length < 3) return { streets: [], number: parsed.number, exact: null };
  const found = index.entries.filter((e) => query.every((q) => e.words.some((w) => w.startsWith(q))));
  const rank = (e: Entry) =>
    (e.comparable === parsed.normalizedName ? 0 : 4) +
    (parsed.type === undefined || e.type === parsed.type ? 0 : 2) +
    (e.comparable.startsWith(query[0] as string) ? 0 : 1);
  const ranked = found
    .map((e) => ({ e, rank: rank(e) }))
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        compare(a.e.street.name, b.e.street.name) ||
        compare(a.e.street.districtName ?? "", b.e.street.districtName ?? ""),
    );
  const exact = ranked.filter((r) => r.rank === 0);
  return {
    streets: ranked.slice(0, limit).map((r) => r.e.street),
    number: parsed.number,
    exact: exact.length === 1 ? (exact[0] as { e: Entry }).e.street : null,
  };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Whether a typed address still names `street` (the number and complement may change). */
export function namesStreet(street: CityStreet, typed: string): boolean {
  const parsed = parseAddress(typed);
  const own = parseStreetName(street.name);
  return parsed.normalizedName === own.normalizedName && (parsed.type ?? own.type) === own.type;
}

/** True when the street's known numbers there do not hold `number` (unknown numbers hold any). */
export function isOutsideNumbers(street: CityStreet, number: number | undefined): boolean {
  if (number === undefined || street.low === null || street.high === null) return false;
  return number < street.low || number > street.high;
}

/** The address written for a street picked from the list: "R AUGUSTA, 1200", the street alone without a number. */
export function addressOf(street: CityStreet, number: number | undefined): string {
  return number === undefined ? street.name : `${street.name}, ${number}`;
}
