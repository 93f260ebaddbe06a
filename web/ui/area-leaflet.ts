/**
 * The Leaflet side of the area maps (area-map.ts; its own chunk, loaded on demand like leaflet-map.ts): the city's
 * streets and districts as the other maps draw them, and areas (fiscal blocks, or districts on the portal) drawn from
 * GeoJSON with a fill and a text each, which a click, or Enter on a focused area, picks.
 */
import * as L from "leaflet";
import type { Area, AreaMapHandle, AreaMapOptions } from "./area-map.ts";
import { inBase } from "./base.ts";
import { streetTileLayer } from "./street-tiles.ts";

let districts: Promise<GeoJSON.FeatureCollection> | undefined;

/** Reads the districts' outlines once per page (the same address the other maps read, so the browser's cache serves it). */
function readDistricts(): Promise<GeoJSON.FeatureCollection> {
  districts ??= fetch(inBase("/api/v1/districts.geojson")).then(
    (r) => r.json() as Promise<GeoJSON.FeatureCollection>,
  );
  return districts;
}

/** Creates the map of areas in an element. */
export async function createAreaMap(element: HTMLElement, options: AreaMapOptions): Promise<AreaMapHandle> {
  const map = L.map(element, { zoomControl: true, attributionControl: Boolean(options.boot.tileUrl) });
  element.setAttribute("aria-label", options.label);
  element.setAttribute("role", "application");
  if (options.boot.tileUrl) L.tileLayer(options.boot.tileUrl, { maxZoom: 19 }).addTo(map);
  else streetTileLayer().addTo(map);
  const outline = L.geoJSON(await readDistricts(), {
    interactive: false,
    style: () => ({ color: "#0b4ea2", weight: 1, fillOpacity: 0, className: "map-district" }),
  }).addTo(map);
  if (options.view) map.setView([options.view.lat, options.view.lon], options.view.zoom);
  else if (outline.getBounds().isValid()) map.fitBounds(outline.getBounds());
  else map.setView([-23.55, -46.63], 12);
  const areas = L.layerGroup().addTo(map);
  if (options.onPoint) {
    map.on("click", (e: L.LeafletMouseEvent) => options.onPoint?.({ lat: e.latlng.lat, lon: e.latlng.lng }));
  }
  if (options.onMove) map.on("moveend", options.onMove);
  return {
    setAreas(list: Area[]) {
      areas.clearLayers();
      for (const area of list) {
        const layer = L.geoJSON(area.geometry as GeoJSON.GeometryObject, {
          style: () => ({
            color: area.stroke ?? "#1f2937",
            weight: area.strong ? 3 : 1,
            dashArray: area.dashed ? "4 3" : undefined,
            fillColor: area.fill,
            fillOpacity: area.fill === "transparent" ? 0 : 0.7,
            className: `map-area map-area-${area.id}`,
          }),
        });
        layer.bindTooltip(area.label);
        if (options.onArea) {
          layer.on("click", (e: L.LeafletMouseEvent) => {
            L.DomEvent.stopPropagation(e);
            options.onArea?.(area.id);
          });
        }
        layer.addTo(areas);
        // Each area's path is named by its text, so a screen reader and a test find it; Enter picks it.
        layer.eachLayer((path) => {
          const node = (path as L.Path).getElement?.();
          if (!node) return;
          node.setAttribute("aria-label", area.label);
          node.setAttribute("data-area", area.id);
          // A name needs a role: an image of the area, or a button where picking it does something.
          node.setAttribute("role", options.onArea ? "button" : "img");
          if (!options.onArea) return;
          node.setAttribute("tabindex", "0");
          node.addEventListener("keydown", (e) => {
            const key = (e as KeyboardEvent).key;
            if (key !== "Enter" && key !== " ") return;
            e.preventDefault();
            options.onArea?.(area.id);
          });
        });
      }
    },
    fit(geometries: unknown[]) {
      if (geometries.length === 0) return;
      const bounds = L.geoJSON({
        type: "FeatureCollection",
        features: geometries.map((g) => ({ type: "Feature", properties: {}, geometry: g })),
      } as GeoJSON.FeatureCollection).getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, { maxZoom: 17 });
    },
    bounds() {
      const b = map.getBounds();
      return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    },
    view() {
      const c = map.getCenter();
      return { lat: c.lat, lon: c.lng, zoom: map.getZoom() };
    },
    zoom: () => map.getZoom(),
    destroy: () => map.remove(),
  };
}
