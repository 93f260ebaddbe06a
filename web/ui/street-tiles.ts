/**
 * The city's own street map as a Leaflet layer: each tile of /api/v1/tiles/streets (JSON lines in 0..extent tile
 * coordinates, decision 0028) drawn on a canvas, with street names along the longer lines when zoomed in. No
 * internet: the tiles come from this server, which draws them from the street layer it geocodes with.
 */
import * as L from "leaflet";
import { inBase } from "./base.ts";

interface TileStreet {
  name: string;
  type: string | null;
  lines: [number, number][][];
}

interface StreetTile {
  extent: number;
  streets: TileStreet[];
}

// The zooms the server serves (server/areas/tiles.ts); Leaflet scales the nearest one beyond them.
const NATIVE = { min: 10, max: 16 };
// Avenues, roads, viaducts, bridges, tunnels: drawn wider and coloured, as on a printed city map.
const MAJOR = new Set(["AV", "ES", "VD", "RV", "PTE", "TN", "VIA", "EL"]);
const COLOURS = { land: "#f4f1ea", casing: "#b9b2a5", street: "#ffffff", major: "#f7d58b", text: "#333333" };

/** Line widths in CSS pixels by zoom: thin at the city's scale, wide at street level. */
function widths(zoom: number, major: boolean): { line: number; casing: number } {
  const base = zoom >= 17 ? 7 : zoom >= 16 ? 5 : zoom >= 15 ? 3.5 : zoom >= 14 ? 2.2 : 1.2;
  const line = major ? base * 1.5 : base;
  return { line, casing: line + (zoom >= 14 ? 2 : 1) };
}

function drawTile(canvas: HTMLCanvasElement, tile: StreetTile, zoom: number, size: number): void {
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = size * ratio;
  canvas.height = size * ratio;
  const scale = (size * ratio) / tile.extent;
  ctx.fillStyle = COLOURS.land;
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  // Minor streets first, avenues over them; each pass draws the casing under the fill.
  const ordered = [...tile.streets].sort(
    (a, b) => Number(MAJOR.has(a.type ?? "")) - Number(MAJOR.has(b.type ?? "")),
  );
  for (const pass of ["casing", "fill"] as const) {
    for (const street of ordered) {
      const major = MAJOR.has(street.type ?? "");
      const w = widths(zoom, major);
      ctx.lineWidth = (pass === "casing" ? w.casing : w.line) * ratio;
      ctx.strokeStyle = pass === "casing" ? COLOURS.casing : major ? COLOURS.major : COLOURS.street;
      ctx.beginPath();
      for (const line of street.lines) {
        line.forEach(([x, y], i) => {
          if (i === 0) ctx.moveTo(x * scale, y * scale);
          else ctx.lineTo(x * scale, y * scale);
        });
      }
      ctx.stroke();
    }
  }
  if (zoom >= 16) drawNames(ctx, ordered, scale, ratio);
}

/** Writes each street's name along its longest straight stretch, when the name fits on it. */
function drawNames(ctx: CanvasRenderingContext2D, streets: TileStreet[], scale: number, ratio: number): void {
  ctx.font = `${11 * ratio}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = COLOURS.text;
  ctx.strokeStyle = COLOURS.land;
  ctx.lineWidth = 3 * ratio;
  // One label per name and tile: an avenue's two carriageways are two lines of one name.
  const written = new Set<string>();
  for (const street of streets) {
    if (written.has(street.name)) continue;
    let best: { x0: number; y0: number; x1: number; y1: number; length: number } | null = null;
    for (const line of street.lines) {
      for (let i = 1; i < line.length; i++) {
        const [x0, y0] = line[i - 1] as [number, number];
        const [x1, y1] = line[i] as [number, number];
        const length = Math.hypot(x1 - x0, y1 - y0) * scale;
        if (!best || length > best.length) best = { x0, y0, x1, y1, length };
      }
    }
    if (!best) continue;
    const width = ctx.measureText(street.name).width;
    if (width + 8 * ratio > best.length) continue;
    let angle = Math.atan2(best.y1 - best.y0, best.x1 - best.x0);
    if (angle > Math.PI / 2 || angle < -Math.PI / 2) angle += Math.PI;
    ctx.save();
    ctx.translate(((best.x0 + best.x1) / 2) * scale, ((best.y0 + best.y1) / 2) * scale);
    ctx.rotate(angle);
    ctx.strokeText(street.name, 0, 0);
    ctx.fillText(street.name, 0, 0);
    ctx.restore();
    written.add(street.name);
  }
}

/** A canvas GridLayer over the server's street tiles. */
class StreetTiles extends L.GridLayer {
  override createTile(coords: L.Coords, done: L.DoneCallback): HTMLElement {
    const canvas = document.createElement("canvas");
    canvas.setAttribute("role", "presentation");
    const size = this.getTileSize().x;
    fetch(inBase(`/api/v1/tiles/streets/${coords.z}/${coords.x}/${coords.y}.json`))
      .then((r) => (r.ok ? (r.json() as Promise<StreetTile>) : { extent: 1, streets: [] }))
      .then((tile) => {
        drawTile(canvas, tile, coords.z, size);
        canvas.dataset.streets = String(tile.streets.length);
        done(undefined, canvas);
      })
      .catch((error: Error) => done(error, canvas));
    return canvas;
  }
}

/** The street layer of the maps when no MAP_TILE_URL is configured. */
export function streetTileLayer(): L.GridLayer {
  return new StreetTiles({
    minNativeZoom: NATIVE.min,
    maxNativeZoom: NATIVE.max,
    maxZoom: 19,
    className: "street-tiles",
  });
}
