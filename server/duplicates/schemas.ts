/** Schemas of the duplicate routes (they also feed OpenAPI). */
import { z } from "zod";

export const CandidateQuery = z.object({
  /** The code of the service the citizen chose. */
  service: z.string().min(1).max(40),
  /** The point the citizen marked (WGS84). */
  lat: z.coerce.number().min(-90).max(90),
  lon: z.coerce.number().min(-180).max(180),
});

/** One open demand a citizen may follow or support instead of filing again: public facts only (decision 0020). */
export const CandidateView = z.object({
  protocol: z.string(),
  /** The service's name in the reader's language. */
  service: z.string(),
  status: z.string(),
  /** When it was opened (ISO 8601). */
  openedAt: z.string(),
  /** The official street the address named, when it names one; never a house number. */
  street: z.string().nullable(),
  districtName: z.string().nullable(),
  /** The point rounded to the open data's ~100 m grid. */
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  /** People behind it: +1s given, and other demands linked into it. */
  supporters: z.number(),
});

export const SupportView = z.object({
  /** The demand's +1s now. */
  supports: z.number(),
  /** False when this address had supported it already (nothing changed). */
  counted: z.boolean(),
});

export const UnlinkView = z.object({
  /** The protocol the demand had been linked to. */
  survivor: z.string(),
});
