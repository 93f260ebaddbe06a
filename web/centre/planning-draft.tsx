/**
 * The route being planned on the Fiscalização screen: its inspector, note and visits in order, each with the
 * questionnaire asked there (one for all at once, or per visit) and its reason; saved as a new route (POST) or as a
 * new revision of the route being changed (PUT). The server checks everything again and names what it refuses.
 */
import { useState } from "preact/hooks";
import { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { asProblem } from "../ui/load.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";
import {
  blockName,
  bodyOf,
  type Draft,
  type InspectionRoute,
  localOf,
  type QuestionnaireItem,
  removeVisit,
} from "./planning-data.ts";

/** The draft's form; `onSaved` receives the route as the server stored it. */
export function DraftForm(props: {
  env: StaffEnv;
  draft: Draft;
  questionnaires: QuestionnaireItem[];
  inspectors: Array<{ id: number; name: string }> | null;
  onChange: (draft: Draft) => void;
  onSaved: (route: InspectionRoute) => void;
  onDiscard: () => void;
}) {
  const { env, draft, questionnaires, onChange } = props;
  const { t, locale } = env;
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const missing = draft.visits.some((v) => v.questionnaireId === null) || draft.inspectorId === null;
  const questionnaireOptions = questionnaires.map((q) => (
    <option key={q.id} value={String(q.id)}>
      {localOf(q.title, locale)} ({q.code})
    </option>
  ));
  const setAll = (value: string) =>
    onChange({
      ...draft,
      visits: draft.visits.map((v) => ({ ...v, questionnaireId: value ? Number(value) : v.questionnaireId })),
    });
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const route =
        draft.routeId === null
          ? await send<InspectionRoute>("/api/v1/inspection-routes", bodyOf(draft), locale)
          : await send<InspectionRoute>(
              `/api/v1/inspection-routes/${draft.routeId}`,
              bodyOf(draft),
              locale,
              "PUT",
            );
      props.onSaved(route);
    } catch (e) {
      setProblem(e instanceof ApiProblem ? e : asProblem(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card planning-draft" aria-labelledby="planning-draft" onSubmit={save}>
      <h2 id="planning-draft">
        {draft.routeId === null
          ? t("centre.planning.draft_new", { day: draft.day })
          : t("centre.planning.draft_edit", { id: draft.routeId, day: draft.day })}
      </h2>
      <ProblemAlert problem={problem} t={t} />
      <div class="centre-filters">
        <div class="centre-filter">
          <label for="planning-inspector">{t("centre.planning.inspector")}</label>
          {props.inspectors ? (
            <select
              id="planning-inspector"
              name="inspector"
              required
              disabled={draft.routeId !== null}
              value={draft.inspectorId === null ? "" : String(draft.inspectorId)}
              onChange={(e) => {
                const value = (e.target as HTMLSelectElement).value;
                onChange({ ...draft, inspectorId: value ? Number(value) : null });
              }}
            >
              <option value="">{t("centre.planning.choose")}</option>
              {props.inspectors.map((i) => (
                <option key={i.id} value={String(i.id)}>
                  {i.name}
                </option>
              ))}
            </select>
          ) : (
            <input
              id="planning-inspector"
              name="inspector"
              type="number"
              min={1}
              required
              disabled={draft.routeId !== null}
              value={draft.inspectorId === null ? "" : String(draft.inspectorId)}
              onInput={(e) => {
                const value = (e.target as HTMLInputElement).value;
                onChange({ ...draft, inspectorId: value ? Number(value) : null });
              }}
            />
          )}
        </div>
        <label class="centre-filter">
          {t("centre.planning.questionnaire_all")}
          <select
            name="questionnaire-all"
            value=""
            onChange={(e) => setAll((e.target as HTMLSelectElement).value)}
          >
            <option value="">{t("centre.planning.choose")}</option>
            {questionnaireOptions}
          </select>
        </label>
        <label class="centre-filter planning-note">
          {t("centre.planning.note")}
          <input
            name="note"
            value={draft.note}
            maxLength={500}
            onInput={(e) => onChange({ ...draft, note: (e.target as HTMLInputElement).value })}
          />
        </label>
      </div>
      {draft.visits.length === 0 ? <p>{t("centre.planning.no_visits")}</p> : null}
      <ol class="planning-visits">
        {draft.visits.map((v) => {
          const name = blockName(env, v.block);
          return (
            <li key={v.block.id} data-block={v.block.id}>
              <strong>{name}</strong>
              {v.reason ? <span class="hint"> · {t(`centre.planning.reasons.${v.reason}`)}</span> : null}{" "}
              <label>
                <span class="visually-hidden">{t("centre.planning.questionnaire_of", { name })}</span>
                <select
                  name={`questionnaire-${v.block.id}`}
                  required
                  value={v.questionnaireId === null ? "" : String(v.questionnaireId)}
                  onChange={(e) => {
                    const value = (e.target as HTMLSelectElement).value;
                    onChange({
                      ...draft,
                      visits: draft.visits.map((w) =>
                        w.block.id === v.block.id
                          ? { ...w, questionnaireId: value ? Number(value) : null }
                          : w,
                      ),
                    });
                  }}
                >
                  <option value="">{t("centre.planning.questionnaire")}</option>
                  {questionnaireOptions}
                </select>
              </label>{" "}
              <button
                type="button"
                class="secondary"
                aria-label={t("centre.planning.remove_of", { name })}
                onClick={() => onChange(removeVisit(draft, v.block.id))}
              >
                {t("centre.planning.remove")}
              </button>
            </li>
          );
        })}
      </ol>
      {missing && draft.visits.length > 0 ? <p class="hint">{t("centre.planning.missing")}</p> : null}
      <p class="row">
        <button type="submit" disabled={busy || missing || draft.visits.length === 0}>
          {draft.routeId === null ? t("centre.planning.save") : t("centre.planning.save_changes")}
        </button>
        <button type="button" class="secondary" onClick={props.onDiscard}>
          {t("centre.planning.discard")}
        </button>
      </p>
    </form>
  );
}
