/** Query schemas of the demand exports; they validate requests and feed the OpenAPI document. */
import { z } from "zod";
import { DEMAND_STATUSES } from "../../domain/status.ts";
import { CHANNELS } from "../demands/schemas.ts";

// A calendar day (the city's midnight) or an instant with its offset.
const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

const CodeList = (values: readonly string[]) =>
  z
    .string()
    .max(400)
    .transform((v) => v.split(",").map((s) => s.trim()))
    .pipe(z.array(z.enum(values as [string, ...string[]])).min(1));

const Code = z.string().trim().min(1).max(80);

/** Longitude and latitude bounds "west,south,east,north" in WGS84 degrees. */
const Bbox = z
  .string()
  .max(100)
  .transform((v) => v.split(",").map((s) => Number(s)))
  .pipe(
    z
      .tuple([
        z.number().min(-180).max(180),
        z.number().min(-90).max(90),
        z.number().min(-180).max(180),
        z.number().min(-90).max(90),
      ])
      .refine(([w, s, e, n]) => w < e && s < n, { message: "west < east and south < north" }),
  );

/** The filters every export takes. */
export const ExportFilters = z.object({
  /** Opened at or after: a date (midnight in the city's time zone) or a date-time with offset. */
  from: Instant.optional(),
  /** Opened before (exclusive): a date or a date-time with offset; `from=2024-01-01&to=2024-02-01` is January. */
  to: Instant.optional(),
  /** A service code. */
  service: Code.optional(),
  /** A service group code (a Tema or an Assunto): its services and those of its child groups. */
  group: Code.optional(),
  /** Statuses, comma-separated: `closed,answered`. */
  status: CodeList(DEMAND_STATUSES).optional(),
  /** A district code. */
  district: Code.optional(),
  /** A subprefeitura code. */
  subprefeitura: Code.optional(),
  /** Channels, comma-separated: `web,phone`. */
  channel: CodeList(CHANNELS).optional(),
  /** Language of service names: pt-BR (default), en or es. */
  lang: z.string().optional(),
});
export type ExportFilters = z.infer<typeof ExportFilters>;

/** The query of the open-data CSV. */
export const OpenDataCsvQuery = ExportFilters.extend({
  /** `true` starts the file with a UTF-8 byte order mark, so Excel reads accents right; off by default. */
  bom: z.enum(["true", "false"]).optional(),
  /** The client application's API key (optional; also the X-Api-Key header): a higher rate limit. */
  api_key: z.string().max(200).optional(),
});
export type OpenDataCsvQuery = z.infer<typeof OpenDataCsvQuery>;

/** The query of the open-data GeoJSON. */
export const OpenDataGeoJsonQuery = ExportFilters.extend({
  /** Only demands whose published (rounded) point lies in "west,south,east,north"; district-level ones never do. */
  bbox: Bbox.optional(),
  /** The client application's API key (optional; also the X-Api-Key header). */
  api_key: z.string().max(200).optional(),
});
export type OpenDataGeoJsonQuery = z.infer<typeof OpenDataGeoJsonQuery>;

/** The query of the staff CSV. */
export const StaffCsvQuery = ExportFilters.extend({
  /** `true` starts the file with a UTF-8 byte order mark. */
  bom: z.enum(["true", "false"]).optional(),
});
export type StaffCsvQuery = z.infer<typeof StaffCsvQuery>;
