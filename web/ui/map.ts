/**
 * The map, loaded on demand: Leaflet is a separate chunk fetched the first time a screen shows a map, never part of
 * the first screen's script. With no tile URL configured (MAP_TILE_URL) the map draws the city's own streets from
 * /api/v1/tiles/streets and its districts, so it needs no internet (decision 0028).
 */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Boot } from "./boot.ts";

/** A point picked or shown on a map. */
export interface LatLon {
  lat: number;
  lon: number;
}

/** A feature to show as a dot, with the text of its popup. */
export interface Dot extends LatLon {
  label: string;
  href?: string;
  /** The dot's radius in pixels (default 6): a cluster grows with its count. */
  radius?: number;
  /** Drawn in the warning colour (a cluster holding late demands). */
  warn?: boolean;
}

/** A cell of a heat layer: where its demands are and how many. */
export interface HeatCell extends LatLon {
  count: number;
}

/** What a screen can do with a mounted map. */
export interface MapHandle {
  /** Marks a point (or clears the mark) without moving the map. */
  setPoint(point: LatLon | null): void;
  /** Marks a point and brings it into view at street level. */
  showPoint(point: LatLon): void;
  setDots(dots: Dot[]): void;
  /**
   * Draws a heat layer (or clears it with []): one soft disc per cell, `radiusMetres` wide, warmer and more opaque
   * as its count nears the largest; drawn on a canvas under the dots, never catching clicks.
   */
  setHeat(cells: HeatCell[], radiusMetres: number): void;
  bounds(): [number, number, number, number];
  /** The map's zoom level. */
  zoom(): number;
  destroy(): void;
}

/** Options of a map. */
export interface MapOptions {
  boot: Pick<Boot, "tileUrl" | "leafletCss">;
  label: string;
  /** The accessible name of the draggable mark of a picked point. */
  markerLabel?: string;
  /** Called with a point tapped, picked with the keyboard, or where the mark was dragged to. */
  onPick?: (point: LatLon) => void;
  onMove?: () => void;
  center?: LatLon;
}

let cssLoaded: Promise<void> | undefined;
function loadCss(href: string): Promise<void> {
  cssLoaded ??= new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.onload = () => resolve();
    link.onerror = () => resolve();
    document.head.append(link);
  });
  return cssLoaded;
}

/** Mounts a map in an element, fetching Leaflet and the districts the first time. */
export async function mountMap(element: HTMLElement, options: MapOptions): Promise<MapHandle> {
  const [{ createLeafletMap }] = await Promise.all([
    import("./leaflet-map.ts"),
    loadCss(options.boot.leafletCss),
  ]);
  return createLeafletMap(element, options);
}

/** The map's view as the clusters' queries take it: `zoom=…&bbox=west,south,east,north` (degrees to 5 places). */
export function viewQueryOf(map: MapHandle): string {
  const bbox = map
    .bounds()
    .map((n) => n.toFixed(5))
    .join(",");
  return `zoom=${map.zoom()}&bbox=${bbox}`;
}

/**
 * Mounts a map in `element` once `options` are given (null: not yet, e.g. until the screen knows where to centre it
 * or the map comes near the screen) and removes it when the component goes; the handle is null until Leaflet has
 * come. The options are read when the map is mounted, not after.
 */
export function useMap(element: RefObject<HTMLElement | null>, options: MapOptions | null): MapHandle | null {
  const [map, setMap] = useState<MapHandle | null>(null);
  const ready = options !== null;
  useEffect(() => {
    if (!options) return;
    let handle: MapHandle | undefined;
    let gone = false;
    mountMap(element.current!, options).then((h) => {
      if (gone) h.destroy();
      else {
        handle = h;
        setMap(h);
      }
    });
    return () => {
      gone = true;
      handle?.destroy();
    };
  }, [ready]);
  return map;
}
