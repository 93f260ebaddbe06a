/**
 * The colour scale of quality scores (0–100, docs/quality-scores.md), shared by the command centre's block layer and
 * the transparency portal's districts: five classes of ColorBrewer's RdYlBu, a scheme readable with the common
 * colour-vision deficiencies, from red (bad) to blue (good), and grey for no score. Every screen says the class in
 * words beside the colour (a legend, a tooltip, a table cell), never by colour alone.
 */

/** One class of the scale: scores from `min` (inclusive) up to the next class's `min`. */
export interface QualityClass {
  /** The class's key in the screens' texts (`…classes.<key>`). */
  key: "very_bad" | "bad" | "fair" | "good" | "very_good";
  min: number;
  max: number;
  colour: string;
}

/** The classes, worst first. */
export const QUALITY_CLASSES: readonly QualityClass[] = [
  { key: "very_bad", min: 0, max: 20, colour: "#d7191c" },
  { key: "bad", min: 20, max: 40, colour: "#fdae61" },
  { key: "fair", min: 40, max: 60, colour: "#ffffbf" },
  { key: "good", min: 60, max: 80, colour: "#abd9e9" },
  { key: "very_good", min: 80, max: 100, colour: "#2c7bb6" },
];

/** The fill of an area with no score (no evidence): neutral grey. */
export const NO_SCORE_COLOUR = "#bdbdbd";

/** The class of a score (0–100; 100 falls in the last class). */
export function qualityClassOf(score: number): QualityClass {
  const clamped = Math.max(0, Math.min(100, score));
  return QUALITY_CLASSES.find((c) => clamped < c.max) ?? QUALITY_CLASSES[QUALITY_CLASSES.length - 1]!;
}

/** The fill of a score, or the no-score grey when there is none. */
export function qualityColourOf(score: number | null | undefined): string {
  return typeof score === "number" ? qualityClassOf(score).colour : NO_SCORE_COLOUR;
}
