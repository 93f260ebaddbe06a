/**
 * The day's blocks on a map (Leaflet, its own chunk, loaded with the day's screen): each block's outline with its
 * position in the route, over the street tiles when they come (MAP_TILE_URL, or the city's own street tiles);
 * without the network the tiles are absent and the outlines alone still show, as they come from the kept day.
 */
import * as L from "leaflet";
import { streetTileLayer } from "../ui/street-tiles.ts";

/** A block as the map draws it. */
export interface MapBlock {
  outline: GeoJSON.Geometry | null;
  centre: { lat: number; lng: number };
  label: string;
  done: boolean;
}

/** Draws the blocks in `element`; returns how to remove the map. */
export function drawBlocks(
  element: HTMLElement,
  blocks: MapBlock[],
  tileUrl: string | null,
  label: string,
): () => void {
  const map = L.map(element, { zoomControl: true, attributionControl: Boolean(tileUrl) });
  element.setAttribute("aria-label", label);
  element.setAttribute("role", "region");
  if (tileUrl) L.tileLayer(tileUrl, { maxZoom: 19 }).addTo(map);
  else streetTileLayer().addTo(map);
  const group = L.featureGroup().addTo(map);
  for (const b of blocks) {
    const style = { color: b.done ? "#146c2e" : "#0b4ea2", weight: 3, fillOpacity: 0.15 };
    if (b.outline)
      L.geoJSON(b.outline as GeoJSON.GeoJsonObject, { style })
        .bindTooltip(b.label)
        .addTo(group);
    L.circleMarker([b.centre.lat, b.centre.lng], { radius: 5, ...style })
      .bindTooltip(b.label)
      .addTo(group);
  }
  const bounds = group.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, { padding: [16, 16], maxZoom: 18 });
  else map.setView([-23.55, -46.63], 12);
  return () => map.remove();
}
