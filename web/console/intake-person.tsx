/**
 * Parts of the intake form: who is asking (identified, confidential or anonymous, and their details), and the place
 * found for the typed address.
 */
import { Field } from "../ui/components.tsx";
import type { Translate } from "../ui/i18n.ts";
import { type Place, placeLabel } from "./geocode.ts";
import type { IntakeBody, PersonFields } from "./intake.tsx";

/** The person's details as typed (blank ones are left out of the demand). */
export interface PersonValues {
  name: string;
  document: string;
  phone: string;
  email: string;
}

/** The identity choice and, unless anonymous, the person fields the channel asks, with the privacy consent. */
export function IntakePerson(props: {
  t: Translate;
  fields: PersonFields;
  identity: IntakeBody["identity"];
  /** The chosen service lets the person stay anonymous (or none is chosen yet). */
  anonymousAllowed: boolean;
  person: PersonValues;
  consented: boolean;
  onIdentity: (identity: IntakeBody["identity"]) => void;
  onPerson: (person: PersonValues) => void;
  onConsented: (consented: boolean) => void;
}) {
  const { t } = props;
  const required = t("ui.required");
  const personField = (name: keyof PersonValues, type: "text" | "tel" | "email", isRequired = false) => (
    <Field
      id={`intake-${name}`}
      label={t(`console.intake.${name}`)}
      required={isRequired}
      requiredText={required}
    >
      <input
        id={`intake-${name}`}
        // Preact types each input type apart; the three used here share every attribute written.
        type={type as "text"}
        autocomplete="off"
        value={props.person[name]}
        onInput={(e) => props.onPerson({ ...props.person, [name]: (e.target as HTMLInputElement).value })}
      />
    </Field>
  );
  return (
    <>
      <div class="field">
        <label for="intake-identity">{t("console.intake.identity")}</label>
        <select
          id="intake-identity"
          value={props.identity}
          onChange={(e) => props.onIdentity((e.target as HTMLSelectElement).value as IntakeBody["identity"])}
        >
          <option value="identified">{t("console.intake.identified")}</option>
          <option value="confidential">{t("console.intake.confidential")}</option>
          {props.anonymousAllowed ? <option value="anonymous">{t("console.intake.anonymous")}</option> : null}
        </select>
      </div>
      {props.fields !== "none" && props.identity !== "anonymous" ? (
        <fieldset>
          <legend>{t("console.intake.person")}</legend>
          {personField("name", "text", props.fields === "counter")}
          {props.fields === "counter" ? (
            <>
              {personField("document", "text")}
              {personField("phone", "tel")}
              {personField("email", "email")}
            </>
          ) : null}
          <label class="choice">
            <input
              id="intake-consent"
              type="checkbox"
              checked={props.consented}
              onChange={(e) => props.onConsented((e.target as HTMLInputElement).checked)}
            />
            {t("console.intake.consent")}
          </label>
        </fieldset>
      ) : null}
    </>
  );
}

/** The place found for the typed address, and a choice among several (the best one taken until another is picked). */
export function PlaceFound(props: {
  t: Translate;
  place: Place | null;
  places: Place[] | null;
  onChoose: (place: Place) => void;
}) {
  const { t, place, places } = props;
  return (
    <>
      <p role="status" data-testid="place">
        {place
          ? t("console.intake.place", { place: placeLabel(place) })
          : places && places.length === 0
            ? t("console.intake.no_place")
            : ""}
      </p>
      {places && places.length > 1 ? (
        <fieldset>
          <legend>{t("console.intake.places")}</legend>
          {places.map((p) => (
            <label class="choice" key={`${p.lat},${p.lon}`}>
              <input
                type="radio"
                name="intake-place"
                checked={place === p}
                onChange={() => props.onChoose(p)}
              />
              {placeLabel(p)}
            </label>
          ))}
        </fieldset>
      ) : null}
    </>
  );
}
