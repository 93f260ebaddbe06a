/**
 * The address of the intake form: filled by the address said in the citizen's words until the agent types in it,
 * placed as it is typed (the geocoder's best match taken unless another is picked, or a point picked on the map),
 * and without the network the city's streets kept in the browser (offline-streets.ts) to pick the street from, with
 * its district and a warning when the number is outside the numbers known on it.
 */
import type { ComponentChild } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { addressIn } from "../../domain/address-in.ts";
import { Field } from "../ui/components.tsx";
import type { Translate } from "../ui/i18n.ts";
import { lookUp, type Place } from "./geocode.ts";
import { PlaceFound } from "./intake-person.tsx";
import {
  addressOf,
  type CityStreet,
  isOutsideNumbers,
  keptStreets,
  namesStreet,
  type StreetMatches,
  searchStreets,
} from "./offline-streets.ts";
import { useDebounced } from "./service-picker.tsx";

/** The address field's state, and what the form does with it. */
export interface AddressState {
  address: string;
  place: Place | null;
  places: Place[] | null;
  /** Without the link: what the kept streets offer for the address (null while the server answers). */
  offline: StreetMatches | "no-list" | null;
  /** The kept street the address names, picked or the only exact one. */
  street: CityStreet | null;
  /** The place found for exactly `typed`, if the shown one was. */
  placeOf: (typed: string) => Place | null;
  type: (text: string) => void;
  choosePlace: (place: Place) => void;
  pickOnMap: (place: Place, text: string) => void;
  pickStreet: (street: CityStreet) => void;
  reset: () => void;
}

/** The address's state, following the citizen's words in `description` until the agent types an address. */
export function useAddress(description: string, locale: string): AddressState {
  const [address, setAddress] = useState("");
  const [places, setPlaces] = useState<Place[] | null>(null);
  const [place, setPlace] = useState<Place | null>(null);
  const [offline, setOffline] = useState<AddressState["offline"]>(null);
  const [picked, setPicked] = useState<CityStreet | null>(null);
  /** The address text the shown place was found for: a place found for half an address is not used. */
  const placedFor = useRef("");
  /** True once the agent typed in the address field: from then on the description no longer fills it. */
  const typed = useRef(false);
  // An address said in the caller's words fills the address field, so it is never typed twice.
  useEffect(() => {
    if (!typed.current) setAddress(addressIn(description) ?? "");
  }, [description]);

  const settled = useDebounced(address.trim(), 300);
  useEffect(() => {
    if (settled.length < 4) {
      placedFor.current = "";
      setPlaces(null);
      setPlace(null);
      setOffline(null);
      return;
    }
    // Already placed for this text (a point picked on the map wrote it): keep that place.
    if (settled === placedFor.current) return;
    let current = true;
    lookUp(settled, locale).then(async (found) => {
      if (!current) return;
      if (found === "down") {
        // No link: the streets kept in the browser instead of the geocoder.
        const index = await keptStreets().catch(() => undefined);
        if (!current) return;
        setPlaces(null);
        setPlace(null);
        setOffline(index ? searchStreets(index, settled) : "no-list");
        return;
      }
      placedFor.current = settled;
      setOffline(null);
      setPlaces(found);
      setPlace(found[0] ?? null);
    });
    return () => {
      current = false;
    };
  }, [settled]);

  const own = picked && namesStreet(picked, address) ? picked : null;
  const exact = offline && offline !== "no-list" ? offline.exact : null;
  return {
    address,
    place,
    places,
    offline,
    street: own ?? (exact && namesStreet(exact, address) ? exact : null),
    placeOf: (text) => (placedFor.current === text ? place : null),
    type: (text) => {
      typed.current = true;
      setAddress(text);
    },
    choosePlace: setPlace,
    pickOnMap: (found, text) => {
      typed.current = true;
      placedFor.current = text;
      setAddress(text);
      setPlaces([found]);
      setPlace(found);
    },
    pickStreet: (street) => {
      typed.current = true;
      setPicked(street);
      const number = offline && offline !== "no-list" ? offline.number : undefined;
      setAddress(addressOf(street, number));
      requestAnimationFrame(() => document.getElementById("intake-address")?.focus());
    },
    reset: () => {
      typed.current = false;
      setAddress("");
      setPicked(null);
    },
  };
}

/** The address field, the place found for it (or the kept streets offline) and the map beside it, if any. */
export function AddressField(props: {
  t: Translate;
  state: AddressState;
  placeMap?:
    | ((props: { place: Place | null; onPick: (place: Place, address: string) => void }) => ComponentChild)
    | undefined;
}) {
  const { t, state } = props;
  return (
    <>
      <Field id="intake-address" label={t("console.intake.address")} hint={t("console.intake.address_hint")}>
        <input
          id="intake-address"
          type="text"
          autocomplete="off"
          aria-describedby="intake-address-hint"
          value={state.address}
          onInput={(e) => state.type((e.target as HTMLInputElement).value)}
        />
      </Field>
      {state.offline ? (
        <KeptStreets t={t} state={state} />
      ) : (
        <PlaceFound t={t} place={state.place} places={state.places} onChoose={state.choosePlace} />
      )}
      {props.placeMap?.({ place: state.place, onPick: state.pickOnMap })}
    </>
  );
}

/** Without the link: the street the address names, or the kept streets its words may be, to pick one. */
function KeptStreets(props: { t: Translate; state: AddressState }) {
  const { t, state } = props;
  if (state.offline === "no-list")
    return (
      <p role="status" data-testid="offline-streets">
        {t("console.offline_streets.no_list")}
      </p>
    );
  const matches = state.offline as StreetMatches;
  const district = (s: CityStreet) => s.districtName ?? t("console.offline_streets.no_district");
  if (state.street) {
    const street = state.street;
    // One polite live region: the warning is read with the street, not over the agent's typing.
    return (
      <div role="status" data-testid="offline-street">
        <p>
          {t("console.offline_streets.picked", {
            address: addressOf(street, matches.number),
            district: district(street),
          })}
        </p>
        {isOutsideNumbers(street, matches.number) ? (
          <p class="field-error" data-testid="offline-street-warning">
            {t("console.offline_streets.outside_numbers", {
              number: matches.number ?? "",
              low: street.low ?? "",
              high: street.high ?? "",
            })}
          </p>
        ) : null}
      </div>
    );
  }
  if (matches.streets.length === 0)
    return (
      <p role="status" data-testid="offline-streets">
        {t("console.offline_streets.none")}
      </p>
    );
  return (
    <fieldset data-testid="offline-streets">
      <legend>{t("console.offline_streets.legend")}</legend>
      <ul class="options">
        {matches.streets.map((s) => (
          <li key={`${s.name}|${s.districtCode}`}>
            <button type="button" class="secondary choice-button" onClick={() => state.pickStreet(s)}>
              {s.low !== null && s.high !== null
                ? t("console.offline_streets.option_numbers", {
                    street: s.name,
                    district: district(s),
                    low: s.low,
                    high: s.high,
                  })
                : t("console.offline_streets.option", { street: s.name, district: district(s) })}
            </button>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}
