/** Places an address typed on the intake form: GET /api/v1/geocode's best matches, and how a match is named. */
import { api } from "../ui/api.ts";
import { isLinkDown } from "./offline.ts";

/** A street and number found for an address, with its point. */
export interface Place {
  street: string;
  number: number | null;
  lat: number;
  lon: number;
}

/** "Rua Augusta, 1200", or the street alone when the match has no number. */
export const placeLabel = (p: Place) => (p.number ? `${p.street}, ${p.number}` : p.street);

/**
 * Up to five places for an address (its streets in `district` first, when given: a street picked from the kept
 * list), or "down" when the server cannot be reached (offline.ts isLinkDown).
 */
export async function lookUp(q: string, locale: string, district?: string): Promise<Place[] | "down"> {
  try {
    const query = new URLSearchParams({ q, limit: "5" });
    if (district) query.set("district", district);
    const found = await api<{ items: Place[] }>(`/api/v1/geocode?${query}`, {}, locale);
    return found.items;
  } catch (e) {
    return isLinkDown(e) ? "down" : [];
  }
}
