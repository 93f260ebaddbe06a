/**
 * The accessible palette a tenant's branding picks its colour from (issue 16): each colour is the brand of buttons,
 * links, focus rings and the header, so each must read as text on white and carry white text at WCAG AA (4.5:1),
 * which domain/palette.test.ts checks with the WCAG formula. A city names one by key; the default is Responsiva's
 * blue. Pure: no I/O.
 */

/** The colours by key, as `#rrggbb`. */
export const PALETTE = {
  azul: "#0b4ea2",
  "azul-marinho": "#1f3a68",
  verde: "#1b6e3a",
  petroleo: "#00606e",
  vermelho: "#a4262c",
  vinho: "#7a1f3d",
  roxo: "#5c2d91",
  terracota: "#9a3412",
  grafite: "#3b3f45",
} as const;

export type PaletteKey = keyof typeof PALETTE;

export const PALETTE_KEYS = Object.keys(PALETTE) as PaletteKey[];

/** The colour of a tenant with no choice. */
export const DEFAULT_COLOUR: PaletteKey = "azul";

/** `#rrggbb` of `key`, the default's for an unknown one. */
export function colourOf(key: string | undefined): string {
  return key !== undefined && key in PALETTE ? PALETTE[key as PaletteKey] : PALETTE[DEFAULT_COLOUR];
}

/** WCAG 2 relative luminance of `#rrggbb`. */
export function luminance(hex: string): number {
  const channel = (at: number) => {
    const c = Number.parseInt(hex.slice(at, at + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
}

/** WCAG 2 contrast ratio of two `#rrggbb` colours (1 to 21). */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}
