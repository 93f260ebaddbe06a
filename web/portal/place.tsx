/**
 * Where the demand is: an address typed and looked up (each result names its district and subprefeitura, so two
 * "R VERGUEIRO, 3000" can be told apart), the citizen's own location, or a point tapped or dragged on the street map,
 * which is turned into the nearest address with its CEP. The map is loaded only when opened.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiProblem, api } from "../ui/api.ts";
import { describedBy, Field, useListbox } from "../ui/components.tsx";
import { type LatLon, type MapHandle, mountMap } from "../ui/map.ts";
import type { Env } from "./env.ts";

/** An address result of /api/v1/geocode. */
interface Candidate {
  street: string;
  number: number | null;
  lat: number;
  lon: number;
  districtName: string | null;
  subprefeituraName: string | null;
}

/** The nearest address of a point, from /api/v1/geocode/reverse. */
interface Reverse {
  street: string;
  number?: number;
  postcode: string | null;
  districtName: string | null;
  subprefeituraName: string | null;
}

/** What the place fields change in the draft. */
export interface PlacePatch {
  address?: string;
  location?: LatLon | null;
}

/** "01310100" → "01310-100". */
export function formatPostcode(postcode: string): string {
  return `${postcode.slice(0, 5)}-${postcode.slice(5)}`;
}

/** The address line written into the form for a reverse-geocoded point: street, number, district, CEP. */
function addressLine(r: Reverse, t: Env["t"]): string {
  const parts = [r.number ? `${r.street}, ${r.number}` : r.street];
  if (r.districtName) parts.push(r.districtName);
  if (r.postcode) parts.push(t("portal.place.postcode", { postcode: formatPostcode(r.postcode) }));
  return parts.join(" - ");
}

/** The "Where?" fieldset of the filing form. */
export function PlaceFields(props: {
  env: Env;
  address: string;
  location: LatLon | null;
  required: boolean;
  /** What is wrong with the place (no point for a place-bound service), shown at the address field (file.tsx). */
  error?: string | undefined;
  onChange: (patch: PlacePatch) => void;
}) {
  const { t, locale, boot } = props.env;
  const [candidates, setCandidates] = useState<Candidate[] | null>(null);
  const [mapOpen, setMapOpen] = useState(false);
  const [outside, setOutside] = useState(false);
  const [locating, setLocating] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [found, setFound] = useState<Reverse | null>(null);
  const mapEl = useRef<HTMLDivElement>(null);
  const map = useRef<MapHandle | null>(null);
  // The point as it is now, for the map's pick handler (set up once).
  const pointNow = useRef(props.location);
  pointNow.current = props.location;
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  /** Checks a point is in the city, keeps it and fills the address with the nearest street, number and CEP. */
  const pick = async (point: LatLon, source: "map" | "device") => {
    setNotice(null);
    setFound(null);
    // A point outside the city is refused at once; offline the point is kept and the server checks it on sending.
    try {
      await api(`/api/v1/places?lat=${point.lat}&lon=${point.lon}`, {}, locale);
    } catch (e) {
      if (e instanceof ApiProblem && e.code === "point_outside_city") {
        setOutside(true);
        map.current?.setPoint(pointNow.current);
        return;
      }
    }
    setOutside(false);
    if (source === "device") map.current?.showPoint(point);
    else map.current?.setPoint(point);
    onChange.current({ location: point });
    try {
      const { item } = await api<{ item: Reverse | null }>(
        `/api/v1/geocode/reverse?lat=${point.lat}&lon=${point.lon}`,
        {},
        locale,
      );
      setFound(item);
      if (item) onChange.current({ address: addressLine(item, t) });
      else setNotice(t("portal.place.no_street_near"));
    } catch {
      setFound(null);
    }
  };
  const pickRef = useRef(pick);
  pickRef.current = pick;

  useEffect(() => {
    if (!mapOpen || !mapEl.current || map.current) return;
    let cancelled = false;
    mountMap(mapEl.current, {
      boot,
      label: t("portal.file.map_label"),
      markerLabel: t("portal.place.marker_label"),
      center: pointNow.current ?? undefined,
      onPick: (point) => void pickRef.current(point, "map"),
    }).then((handle) => {
      if (cancelled) return handle.destroy();
      map.current = handle;
      if (pointNow.current) handle.showPoint(pointNow.current);
    });
    return () => {
      cancelled = true;
      map.current?.destroy();
      map.current = null;
    };
  }, [mapOpen]);

  const findAddress = async () => {
    if (!props.address.trim()) return;
    try {
      const result = await api<{ items: Candidate[] }>(
        `/api/v1/geocode?q=${encodeURIComponent(props.address)}&limit=5`,
        {},
        locale,
      );
      setCandidates(result.items);
    } catch (e) {
      setCandidates(null);
      setNotice(e instanceof ApiProblem ? e.detail : null);
    }
  };

  const useMyLocation = () => {
    setNotice(null);
    if (!("geolocation" in navigator)) {
      setNotice(t("portal.place.location_unavailable"));
      return;
    }
    setLocating(true);
    setMapOpen(true);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating(false);
        void pick({ lat: position.coords.latitude, lon: position.coords.longitude }, "device");
      },
      (error) => {
        setLocating(false);
        setNotice(
          error.code === error.PERMISSION_DENIED
            ? t("portal.place.location_denied")
            : t("portal.place.location_unavailable"),
        );
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  };

  // A result picked (Enter, or a click): the point and the address are kept; the focus stays in the address field.
  const choose = (c: Candidate) => {
    const label = c.number ? `${c.street}, ${c.number}` : c.street;
    props.onChange({
      location: { lat: c.lat, lon: c.lon },
      address: c.districtName ? `${label} - ${c.districtName}` : label,
    });
    map.current?.showPoint({ lat: c.lat, lon: c.lon });
    setFound(null);
    setCandidates(null);
  };
  // The results are the address field's list (combobox): arrows move, Enter picks, Escape closes; Enter with no
  // result chosen searches instead of sending the form (file.tsx, H5).
  const results = useListbox({
    id: "address-results",
    items: candidates,
    onPick: choose,
    onClose: () => setCandidates(null),
    onEnter: () => void findAddress(),
  });

  const area = (c: { districtName: string | null; subprefeituraName: string | null }) =>
    c.districtName
      ? t("portal.place.area", { district: c.districtName, subprefeitura: c.subprefeituraName ?? "" })
      : "";

  return (
    <fieldset>
      <legend>
        {t("portal.file.where")}
        {props.required ? <span class="required"> ({t("ui.required")})</span> : null}
      </legend>
      <Field
        id="address"
        label={t("portal.file.address")}
        hint={t("portal.file.address_hint")}
        error={props.error}
      >
        <div class="row">
          <input
            class="grow"
            id="address"
            type="text"
            autocomplete="street-address"
            {...results.input}
            aria-invalid={props.error !== undefined}
            aria-describedby={describedBy("address", "hint", props.error)}
            value={props.address}
            onInput={(e) => props.onChange({ address: (e.target as HTMLInputElement).value })}
          />
          <button type="button" class="secondary" onClick={findAddress}>
            {t("portal.file.find_address")}
          </button>
        </div>
      </Field>
      {candidates ? (
        candidates.length === 0 ? (
          <p role="status">{t("portal.file.no_address")}</p>
        ) : (
          <ul class="suggestions" aria-label={t("portal.file.address_results")} {...results.list}>
            {candidates.map((c, i) => (
              <li key={`${c.lat},${c.lon}`} {...results.option(i)}>
                {c.number ? `${c.street}, ${c.number}` : c.street}
                {c.districtName ? <span class="hint"> {area(c)}</span> : null}
              </li>
            ))}
          </ul>
        )
      ) : null}
      <div class="row">
        <button type="button" class="secondary" onClick={useMyLocation} disabled={locating}>
          {locating ? t("portal.place.locating") : t("portal.place.use_location")}
        </button>
        <button type="button" class="secondary" aria-expanded={mapOpen} onClick={() => setMapOpen(!mapOpen)}>
          {mapOpen ? t("portal.file.hide_map") : t("portal.file.show_map")}
        </button>
      </div>
      {notice ? (
        <p class="field-error" role="alert">
          {notice}
        </p>
      ) : null}
      {mapOpen ? (
        <>
          <p class="hint" id="map-hint">
            {t("portal.file.map_hint")}
          </p>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: the map pans with arrows and picks with Enter. */}
          <div ref={mapEl} class="map" tabIndex={0} aria-describedby="map-hint" />
        </>
      ) : null}
      {outside ? (
        <p class="field-error" role="alert">
          {t("portal.file.outside_city")}
        </p>
      ) : null}
      <p role="status" data-testid="point">
        {props.location
          ? found
            ? t("portal.place.found", {
                lat: props.location.lat.toFixed(5),
                lon: props.location.lon.toFixed(5),
                address: found.number ? `${found.street}, ${found.number}` : found.street,
                area: area(found),
                postcode: found.postcode ? formatPostcode(found.postcode) : t("portal.place.no_postcode"),
              })
            : t("portal.file.point_set", {
                lat: props.location.lat.toFixed(5),
                lon: props.location.lon.toFixed(5),
              })
          : t("portal.file.no_point")}
      </p>
    </fieldset>
  );
}
