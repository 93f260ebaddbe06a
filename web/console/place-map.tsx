/**
 * The phone intake's map (desktop): while on a call the agent opens it, sees the place found for the address the
 * caller gave, and clicks or drags the mark to the spot the caller describes; the click becomes the nearest street,
 * number and CEP, which fill the address field. The city's own street tiles: no internet needed. Loaded on demand.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../ui/api.ts";
import { type LatLon, type MapHandle, mountMap } from "../ui/map.ts";
import type { StaffEnv } from "../ui/staff.tsx";

/** A place as the intake form keeps it. */
export interface MapPlace extends LatLon {
  street: string;
  number: number | null;
}

interface Reverse {
  street: string;
  number?: number;
  postcode: string | null;
  districtName: string | null;
}

/** The map toggle and map of the phone intake form. */
export function PlaceMap(props: {
  env: StaffEnv;
  place: MapPlace | null;
  onPick: (place: MapPlace, address: string) => void;
}) {
  const { t, locale, boot } = props.env;
  const [open, setOpen] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const el = useRef<HTMLDivElement>(null);
  const map = useRef<MapHandle | null>(null);
  const onPick = useRef(props.onPick);
  onPick.current = props.onPick;
  const placeNow = useRef(props.place);
  placeNow.current = props.place;

  const pick = async (point: LatLon) => {
    setNotice(null);
    try {
      const { item } = await api<{ item: Reverse | null }>(
        `/api/v1/geocode/reverse?lat=${point.lat}&lon=${point.lon}`,
        {},
        locale,
      );
      if (!item) {
        setNotice(t("console.place_map.no_street"));
        return;
      }
      const line = [item.number ? `${item.street}, ${item.number}` : item.street];
      if (item.districtName) line.push(item.districtName);
      if (item.postcode) line.push(`CEP ${item.postcode.slice(0, 5)}-${item.postcode.slice(5)}`);
      onPick.current({ ...point, street: item.street, number: item.number ?? null }, line.join(" - "));
    } catch {
      setNotice(t("console.place_map.no_street"));
    }
  };
  const pickRef = useRef(pick);
  pickRef.current = pick;

  useEffect(() => {
    if (!open || !el.current || map.current) return;
    let cancelled = false;
    mountMap(el.current, {
      boot,
      label: t("console.place_map.label"),
      markerLabel: t("console.place_map.marker_label"),
      center: placeNow.current ?? undefined,
      onPick: (point) => void pickRef.current(point),
    }).then((handle) => {
      if (cancelled) return handle.destroy();
      map.current = handle;
      if (placeNow.current) handle.showPoint(placeNow.current);
    });
    return () => {
      cancelled = true;
      map.current?.destroy();
      map.current = null;
    };
  }, [open]);

  // The place found for the typed address is shown on the open map.
  useEffect(() => {
    if (props.place) map.current?.showPoint(props.place);
  }, [props.place?.lat, props.place?.lon]);

  return (
    <div class="place-map">
      <button type="button" class="secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? t("console.place_map.hide") : t("console.place_map.show")}
      </button>
      {notice ? (
        <p class="field-error" role="alert">
          {notice}
        </p>
      ) : null}
      {open ? (
        <>
          <p class="hint" id="intake-map-hint">
            {t("console.place_map.hint")}
          </p>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the map pans with arrows and picks with Enter. */}
          <div ref={el} class="map" tabIndex={0} aria-describedby="intake-map-hint" />
        </>
      ) : null}
    </div>
  );
}
