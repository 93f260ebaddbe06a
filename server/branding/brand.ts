/**
 * A tenant's branding as stored in `tenants.branding` (name, colour key, logo version) and as the shells and the
 * routes present it. The row is the install's (decision 0059); a tenant changes only its own, through the database
 * function `responsiva_set_branding`, which updates the row of the tenant of the transaction and no other.
 */
import { colourOf, DEFAULT_COLOUR, PALETTE, PALETTE_KEYS } from "../../domain/palette.ts";
import type { Tenant } from "../tenants/queries.ts";

/** What tenants.branding holds. */
export interface StoredBranding {
  name?: string | null;
  colour?: string;
  /** The version of the logo in tenant_logos, when there is one. */
  logo?: string | null;
}

/** The branding a screen shows: the city's name (null: the platform's own), colour and logo address. */
export interface Brand {
  name: string | null;
  colour: string;
  colourHex: string;
  logoUrl: string | null;
}

/** Reads tenants.branding, ignoring whatever is not a known field of the right type. */
export function storedBranding(value: unknown): StoredBranding {
  const v = (value ?? {}) as Record<string, unknown>;
  return {
    name: typeof v.name === "string" && v.name.trim() !== "" ? v.name : null,
    colour: typeof v.colour === "string" && v.colour in PALETTE ? v.colour : DEFAULT_COLOUR,
    logo: typeof v.logo === "string" && /^[0-9a-f]{16}$/.test(v.logo) ? v.logo : null,
  };
}

/** The brand of `tenant` (none: the default look), its logo addressed under `base` ("/t/santos" or ""). */
export function brandOf(tenant: Pick<Tenant, "branding"> | undefined, base = ""): Brand {
  const b = storedBranding(tenant?.branding);
  const colour = b.colour ?? DEFAULT_COLOUR;
  return {
    name: b.name ?? null,
    colour,
    colourHex: colourOf(colour),
    logoUrl: b.logo ? `${base}/branding/logo?v=${b.logo}` : null,
  };
}

/** The palette, for the admin screen's picker. */
export const paletteView = () => PALETTE_KEYS.map((key) => ({ key, hex: PALETTE[key] }));

/** The stylesheet that gives every screen the tenant's colour (the CSS uses `var(--brand)`). */
export function brandCss(brand: Brand): string {
  return `:root{--brand:${brand.colourHex}}\n`;
}
