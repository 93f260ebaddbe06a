/**
 * Where a citizen auditor lives, for the auditor screen (auditor.tsx): an address in the city, placed on its block by
 * the server, or a point tapped on the map (the map loads only when that is chosen).
 */
import { useEffect, useRef } from "preact/hooks";
import { Field } from "../ui/components.tsx";
import { type LatLon, type MapHandle, mountMap } from "../ui/map.ts";
import type { Env } from "./env.ts";

/** The place as the form holds it: which kind, and both values (the other kept while switching). */
export interface PlaceChoice {
  kind: "address" | "point";
  address: string;
  point: LatLon | null;
}

export function AuditorPlace(props: { env: Env; value: PlaceChoice; onChange: (p: PlaceChoice) => void }) {
  const { t, locale, boot } = props.env;
  const { value, onChange } = props;
  const mapEl = useRef<HTMLDivElement>(null);
  const map = useRef<MapHandle | null>(null);
  const latest = useRef(value);
  latest.current = value;

  useEffect(() => {
    if (value.kind !== "point" || !mapEl.current) return;
    let cancelled = false;
    mountMap(mapEl.current, {
      boot,
      label: t("portal.auditor.map_label"),
      markerLabel: t("portal.auditor.marker_label"),
      onPick: (picked) => {
        onChange({ ...latest.current, point: picked });
        map.current?.setPoint(picked);
      },
    }).then((handle) => {
      if (cancelled) return handle.destroy();
      map.current = handle;
      if (latest.current.point) handle.showPoint(latest.current.point);
    });
    return () => {
      cancelled = true;
      map.current?.destroy();
      map.current = null;
    };
  }, [value.kind, locale]);

  return (
    <>
      <fieldset>
        <legend>{t("portal.auditor.place_legend")}</legend>
        {(["address", "point"] as const).map((k) => (
          <label class="choice" key={k}>
            <input
              type="radio"
              name="auditor-place"
              checked={value.kind === k}
              onChange={() => onChange({ ...value, kind: k })}
            />
            {t(`portal.auditor.place_${k}`)}
          </label>
        ))}
      </fieldset>
      {value.kind === "address" ? (
        <Field
          id="auditor-address"
          label={t("portal.auditor.address_label")}
          hint={t("portal.auditor.address_hint")}
        >
          <input
            id="auditor-address"
            type="text"
            autocomplete="street-address"
            value={value.address}
            aria-describedby="auditor-address-hint"
            onInput={(e) => onChange({ ...value, address: (e.target as HTMLInputElement).value })}
          />
        </Field>
      ) : (
        <>
          <div ref={mapEl} class="map" />
          <p role="status">
            {value.point
              ? t("portal.auditor.point_chosen", {
                  lat: value.point.lat.toFixed(5),
                  lon: value.point.lon.toFixed(5),
                })
              : t("portal.auditor.point_none")}
          </p>
        </>
      )}
    </>
  );
}
