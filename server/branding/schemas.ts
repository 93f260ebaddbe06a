/** The branding a city sets for itself (issue 16): the name citizens see, a colour of the accessible palette, a logo. */
import { z } from "zod";
import { PALETTE_KEYS } from "../../domain/palette.ts";

/** What PUT /api/v1/branding takes: the name shown on every screen (none: the platform's), and the colour's key. */
export const BrandingInput = z
  .object({
    name: z.string().trim().min(1).max(80).nullable().default(null),
    colour: z.enum(PALETTE_KEYS as [string, ...string[]]).default("azul"),
  })
  .strict();
export type BrandingInput = z.infer<typeof BrandingInput>;

/** The logo: a PNG or WebP image as a data URL (at most 256 KB), checked by its bytes, not its name. */
export const LogoInput = z
  .object({
    image: z
      .string()
      .max(400_000)
      .regex(/^data:image\/(png|webp);base64,[A-Za-z0-9+/]+=*$/),
  })
  .strict();

/** A tenant's branding as every screen reads it. */
export const BrandingView = z.object({
  name: z.string().nullable(),
  colour: z.string(),
  /** `#rrggbb` of the colour. */
  colourHex: z.string(),
  /** The logo's address under the tenant's prefix, with its version; null without one. */
  logoUrl: z.string().nullable(),
  palette: z.array(z.object({ key: z.string(), hex: z.string() })),
});
