/**
 * Maps of areas: fiscal blocks coloured by their quality score on the command centre, the blocks of an inspection
 * route, districts on the transparency portal. Like map.ts, Leaflet is a chunk fetched the first time such a map
 * shows (area-leaflet.ts); the base layer is the same (the city's own streets unless MAP_TILE_URL, its districts).
 */
import type { RefObject } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Boot } from "./boot.ts";
import type { LatLon } from "./map.ts";

/** An area to draw: its GeoJSON geometry, its fill and the text that says what the colour says. */
export interface Area {
  /** Handed back to `onArea` when the area is picked. */
  id: string;
  geometry: unknown;
  /** A CSS colour, or "transparent" for an outline only. */
  fill: string;
  stroke?: string;
  /** Drawn with a thick outline: picked or planned. */
  strong?: boolean;
  /** Drawn with a dashed outline: suggested, not yet planned. */
  dashed?: boolean;
  /** Its tooltip and accessible name: never colour alone. */
  label: string;
}

/** Where a map looks: its centre and zoom level. */
export interface MapView extends LatLon {
  zoom: number;
}

/** What a screen can do with a mounted map of areas. */
export interface AreaMapHandle {
  /** Draws these areas in place of the ones drawn before. */
  setAreas(areas: Area[]): void;
  /** Brings these geometries into view. */
  fit(geometries: unknown[]): void;
  bounds(): [number, number, number, number];
  view(): MapView;
  zoom(): number;
  destroy(): void;
}

/** Options of a map of areas. */
export interface AreaMapOptions {
  boot: Pick<Boot, "tileUrl" | "leafletCss">;
  label: string;
  /** Where it opens; the whole city when absent. */
  view?: MapView;
  /** Called with the id of an area clicked, or focused and picked with Enter. */
  onArea?: (id: string) => void;
  /** Called with a point clicked outside every area. */
  onPoint?: (point: LatLon) => void;
  onMove?: () => void;
}

let cssLoaded: Promise<void> | undefined;
function loadCss(href: string): Promise<void> {
  // The same stylesheet map.ts loads: a page that shows both kinds of map adds it once (the browser dedupes the fetch).
  cssLoaded ??= new Promise((resolve) => {
    if (document.querySelector(`link[href="${href}"]`)) return resolve();
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.onload = () => resolve();
    link.onerror = () => resolve();
    document.head.append(link);
  });
  return cssLoaded;
}

/**
 * Mounts a map of areas in `element` once `options` are given (null: not yet) and removes it when the component
 * goes; the handle is null until Leaflet has come. The options are read when the map is mounted, except the
 * callbacks, which are called through `options` as last given (so they see the screen's current state).
 */
export function useAreaMap(
  element: RefObject<HTMLElement | null>,
  options: AreaMapOptions | null,
): AreaMapHandle | null {
  const [map, setMap] = useState<AreaMapHandle | null>(null);
  const [latest] = useState<{ options: AreaMapOptions | null }>({ options });
  latest.options = options;
  const ready = options !== null;
  useEffect(() => {
    if (!options) return;
    let handle: AreaMapHandle | undefined;
    let gone = false;
    const forward: AreaMapOptions = {
      ...options,
      onArea: options.onArea ? (id) => latest.options?.onArea?.(id) : undefined,
      onPoint: options.onPoint ? (p) => latest.options?.onPoint?.(p) : undefined,
      onMove: () => latest.options?.onMove?.(),
    };
    Promise.all([import("./area-leaflet.ts"), loadCss(options.boot.leafletCss)])
      .then(([{ createAreaMap }]) => createAreaMap(element.current!, forward))
      .then((h) => {
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
