/**
 * The form of one classification rule, new (POST /api/v1/classification-rules) or existing (PATCH): the service
 * it proposes, its phrases one per line, the channels and areas it is limited to, its effect, weight, whether it
 * applies, and why it exists.
 */
import { useState } from "preact/hooks";
import { DEMAND_CHANNELS } from "../../domain/channels.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { StatusLine, useChange } from "./change.tsx";
import { FieldError, FormField, fieldProblems, focusFirstInvalid } from "./form-field.tsx";

/** A rule as GET /api/v1/classification-rules lists it. */
export interface ClassificationRule {
  id: number;
  service: string;
  serviceName: string;
  phrases: string[];
  channels: string[];
  areas: string[];
  effect: "boost" | "override";
  weight: number;
  active: boolean;
  note: string | null;
}

/** Adds a rule, or changes `rule`. */
export function ClassificationRuleForm(props: {
  env: StaffEnv;
  rule: ClassificationRule | null;
  onSaved: (rule: ClassificationRule) => void;
  onNew: () => void;
}) {
  const { t, locale } = props.env;
  const r = props.rule;
  const [service, setService] = useState(r?.service ?? "");
  const [phrases, setPhrases] = useState(r?.phrases.join("\n") ?? "");
  const [channels, setChannels] = useState<string[]>(r?.channels ?? []);
  const [areas, setAreas] = useState(r?.areas.join(", ") ?? "");
  const [effect, setEffect] = useState<string>(r?.effect ?? "boost");
  const [weight, setWeight] = useState(String(r?.weight ?? 0.5));
  const [active, setActive] = useState(r?.active ?? true);
  const [note, setNote] = useState(r?.note ?? "");
  // One save at a time: a double click must not add the same rule twice.
  const change = useChange();
  const errors = fieldProblems(change.problem, t);
  const phraseError = Object.entries(errors).find(([k]) => k.startsWith("phrases"))?.[1];
  const areaError = Object.entries(errors).find(([k]) => k.startsWith("areas"))?.[1];

  const save = async (event: Event) => {
    event.preventDefault();
    if (change.busy) return;
    const body = {
      service: service.trim().toUpperCase(),
      phrases: phrases
        .split("\n")
        .map((p) => p.trim())
        .filter(Boolean),
      channels,
      areas: areas
        .split(/[,;\s]+/)
        .map((a) => a.trim())
        .filter(Boolean),
      effect,
      weight: Number(weight),
      active,
      note: note.trim() || null,
    };
    const saved = await change.run(async () => {
      const done = r
        ? await send<ClassificationRule>(`/api/v1/classification-rules/${r.id}`, body, locale, "PATCH")
        : await send<ClassificationRule>("/api/v1/classification-rules", body, locale);
      props.onSaved(done);
      return done;
    }, t("staff.saved"));
    if (!saved) focusFirstInvalid();
  };

  return (
    <form class="card" onSubmit={save} aria-labelledby="cr-title" noValidate>
      <h2 id="cr-title">
        {r ? t("admin.classification.edit_title", { id: r.id }) : t("admin.classification.new_title")}
      </h2>
      <ProblemAlert problem={change.problem} t={t} />
      <FormField
        id="cr-service"
        label={t("admin.classification.service_code")}
        error={errors.service}
        value={service}
        onValue={setService}
      />
      <FormField
        id="cr-phrases"
        label={t("admin.classification.phrases")}
        hint={t("admin.classification.phrases_hint")}
        error={phraseError}
      >
        {(control) => (
          <textarea
            {...control}
            rows={4}
            value={phrases}
            onInput={(e) => setPhrases((e.target as HTMLTextAreaElement).value)}
          />
        )}
      </FormField>
      <fieldset>
        <legend>{t("admin.classification.channels_legend")}</legend>
        <p class="hint">{t("admin.classification.channels_hint")}</p>
        <div class="a-checks">
          {DEMAND_CHANNELS.map((c) => (
            <div class="choice" key={c}>
              <input
                id={`cr-channel-${c}`}
                type="checkbox"
                checked={channels.includes(c)}
                onChange={(e) =>
                  setChannels(
                    (e.target as HTMLInputElement).checked
                      ? [...channels, c]
                      : channels.filter((x) => x !== c),
                  )
                }
              />
              <label for={`cr-channel-${c}`}>{t(`admin.classification.channels.${c}`)}</label>
            </div>
          ))}
        </div>
        <FieldError
          id="cr-channels"
          text={Object.entries(errors).find(([k]) => k.startsWith("channels"))?.[1]}
        />
      </fieldset>
      <FormField
        id="cr-areas"
        label={t("admin.classification.areas")}
        hint={t("admin.classification.areas_hint")}
        error={areaError}
        value={areas}
        onValue={setAreas}
      />
      <div class="row a-fields">
        <FormField
          id="cr-effect"
          label={t("admin.classification.effect")}
          error={errors.effect}
          value={effect}
          onValue={setEffect}
          options={
            <>
              <option value="boost">{t("admin.classification.effects.boost")}</option>
              <option value="override">{t("admin.classification.effects.override")}</option>
            </>
          }
        />
        <FormField
          id="cr-weight"
          label={t("admin.classification.weight")}
          hint={t("admin.classification.weight_hint")}
          error={errors.weight}
        >
          {(control) => (
            <input
              {...control}
              type="number"
              step="0.1"
              min="0.1"
              max="10"
              value={weight}
              onInput={(e) => setWeight((e.target as HTMLInputElement).value)}
            />
          )}
        </FormField>
      </div>
      <div class="choice">
        <input
          id="cr-active"
          type="checkbox"
          checked={active}
          onChange={(e) => setActive((e.target as HTMLInputElement).checked)}
        />
        <label for="cr-active">{t("admin.classification.active")}</label>
      </div>
      <FormField
        id="cr-note"
        label={t("admin.classification.note")}
        error={errors.note}
        value={note}
        onValue={setNote}
      />
      <div class="row">
        <button type="submit" disabled={change.busy}>
          {r ? t("staff.save") : t("admin.classification.add")}
        </button>
        {r ? (
          <button type="button" class="secondary" onClick={props.onNew}>
            {t("admin.classification.new_title")}
          </button>
        ) : null}
      </div>
      <StatusLine compact text={change.status} />
    </form>
  );
}
