/**
 * The Leaflet side of the map (its own chunk): the city's streets (our own tiles, or MAP_TILE_URL when set), the
 * districts from /api/v1/districts.geojson, a picked point that can be dragged, dots.
 */
import * as L from "leaflet";
import { inBase } from "./base.ts";
import type { Dot, HeatCell, LatLon, MapHandle, MapOptions } from "./map.ts";
import { streetTileLayer } from "./street-tiles.ts";

// The zoom a point is shown at: its block and the street names around it.
const STREET_ZOOM = 17;

// The heat layer's ramp, cool to hot (yellow, orange, red, dark red): it reads on the street map and on a wall.
const HEAT_COLOURS = ["#fde047", "#fb923c", "#ef4444", "#991b1b"];

let districts: Promise<GeoJSON.FeatureCollection> | undefined;

/** Creates the map in an element. */
export async function createLeafletMap(element: HTMLElement, options: MapOptions): Promise<MapHandle> {
  const center = options.center ?? { lat: -23.55, lon: -46.63 };
  const map = L.map(element, { zoomControl: true, attributionControl: Boolean(options.boot.tileUrl) });
  map.setView([center.lat, center.lon], 14);
  element.setAttribute("aria-label", options.label);
  element.setAttribute("role", "application");
  if (options.boot.tileUrl) L.tileLayer(options.boot.tileUrl, { maxZoom: 19 }).addTo(map);
  else streetTileLayer().addTo(map);
  districts ??= fetch(inBase("/api/v1/districts.geojson")).then(
    (r) => r.json() as Promise<GeoJSON.FeatureCollection>,
  );
  const outline = L.geoJSON(await districts, {
    style: (feature) => ({
      color: "#0b4ea2",
      weight: 1,
      fillColor: "#dfe9f5",
      // Over a street map the districts are outlines with a hint of colour, so the streets show through.
      fillOpacity: 0.08,
      className: `district district-${feature?.properties?.code ?? ""}`,
    }),
    onEachFeature: (feature, layer) => layer.bindTooltip(String(feature.properties?.name ?? "")),
  }).addTo(map);
  if (!options.center && outline.getBounds().isValid()) {
    // The whole city in view, centred on the district nearest the middle of its outline: a city's bounding box can
    // have its middle in another municipality (São Paulo's lies in Diadema), and keyboard users pick the centre.
    const bounds = outline.getBounds();
    const middle = bounds.getCenter();
    let best: L.LatLng | null = null;
    outline.eachLayer((layer) => {
      const c = (layer as L.Polygon).getBounds().getCenter();
      if (!best || middle.distanceTo(c) < middle.distanceTo(best)) best = c;
    });
    map.fitBounds(bounds);
    if (best) map.setView(best, map.getZoom(), { animate: false });
  }
  let marker: L.Marker | null = null;
  const heat = L.layerGroup().addTo(map);
  const dots = L.layerGroup().addTo(map);
  let heatRenderer: L.Canvas | undefined;
  const setPoint = (point: LatLon | null) => {
    marker?.remove();
    marker = null;
    if (!point) return;
    // A mark the citizen can drag to the exact spot (a CSS dot: no image to fetch).
    marker = L.marker([point.lat, point.lon], {
      icon: L.divIcon({ className: "map-pin", iconSize: [22, 22] }),
      draggable: Boolean(options.onPick),
      keyboard: false,
      title: options.markerLabel ?? options.label,
    }).addTo(map);
    marker.on("dragend", () => {
      const at = marker?.getLatLng();
      if (at) options.onPick?.({ lat: at.lat, lon: at.lng });
    });
  };
  if (options.onPick) {
    const pick = (e: L.LeafletMouseEvent) => {
      const point = { lat: e.latlng.lat, lon: e.latlng.lng };
      setPoint(point);
      options.onPick?.(point);
    };
    map.on("click", pick);
    outline.on("click", pick);
    // Keyboard users pick the centre of the map: arrows pan, Enter or Space picks.
    element.addEventListener("keydown", (e) => {
      if (e.key !== "Enter" && e.key !== " ") return;
      if (e.target !== element) return;
      e.preventDefault();
      const c = map.getCenter();
      setPoint({ lat: c.lat, lon: c.lng });
      options.onPick?.({ lat: c.lat, lon: c.lng });
    });
  }
  if (options.onMove) map.on("moveend", options.onMove);
  return {
    setPoint,
    showPoint(point: LatLon) {
      setPoint(point);
      map.setView([point.lat, point.lon], Math.max(map.getZoom(), STREET_ZOOM));
    },
    setDots(list: Dot[]) {
      dots.clearLayers();
      for (const d of list) {
        const m = L.circleMarker([d.lat, d.lon], {
          radius: d.radius ?? 6,
          color: d.warn ? "#b3261e" : "#0b4ea2",
          weight: 2,
          fillOpacity: 0.9,
        });
        const p = document.createElement("a");
        p.textContent = d.label;
        if (d.href) p.href = inBase(d.href);
        m.bindPopup(p).addTo(dots);
      }
    },
    setHeat(cells: HeatCell[], radiusMetres: number) {
      heat.clearLayers();
      heatRenderer ??= L.canvas({ padding: 0.5 });
      const most = Math.max(1, ...cells.map((c) => c.count));
      for (const c of cells) {
        // Square root: a cell of 100 stays visibly hotter than one of 10 without drowning it.
        const warmth = Math.sqrt(c.count / most);
        L.circle([c.lat, c.lon], {
          radius: radiusMetres,
          renderer: heatRenderer,
          stroke: false,
          interactive: false,
          fillColor:
            HEAT_COLOURS[Math.min(HEAT_COLOURS.length - 1, Math.floor(warmth * HEAT_COLOURS.length))],
          fillOpacity: 0.25 + 0.45 * warmth,
          className: "heat-cell",
        }).addTo(heat);
      }
    },
    bounds() {
      const b = map.getBounds();
      return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
    },
    zoom: () => map.getZoom(),
    destroy: () => map.remove(),
  };
}
