/**
 * One questionnaire: its versions, the draft's editor (save, publish) and its published and retired versions read
 * only (retire the published one; start a draft from one), each beside the live preview. A published version never
 * changes: answers keep the version they were given on.
 */
import { useEffect, useState } from "preact/hooks";
import type { LocalText, Question, QuestionnaireDefinition } from "../../domain/questionnaire.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, withLang } from "../ui/i18n.ts";
import { useLoad } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { focusFirstInvalid } from "./form-field.tsx";
import { LocalTextFields } from "./question-form.tsx";
import { QuestionList } from "./question-list.tsx";
import {
  cleanDefinition,
  cleanText,
  type QuestionnaireView,
  SECTION,
  textIn,
  type VersionView,
} from "./questionnaire-model.ts";
import { QuestionnairePreview } from "./questionnaire-preview.tsx";
import { hasProblems, problemMap } from "./questionnaire-problems.ts";
import { useGroupServices } from "./questionnaire-subject.tsx";
import { VersionReadOnly } from "./questionnaire-version.tsx";

/** The editor of questionnaire `id`. */
export function QuestionnaireEditor(props: { env: StaffEnv; id: string }) {
  const { t, locale } = props.env;
  const base = `/api/v1/questionnaires/${props.id}`;
  const [view, loadProblem, reload] = useLoad<QuestionnaireView>(base, locale);
  const [chosen, setChosen] = useState<number | null>(null);
  const latest = view ? Math.max(0, ...view.versions.map((v) => v.version)) : 0;
  const shown = chosen ?? view?.draft?.version ?? view?.published?.version ?? latest;
  const [version, versionProblem, reloadVersion] = useLoad<VersionView>(
    view && shown ? `${base}/versions/${shown}` : null,
    locale,
  );
  const services = useGroupServices(view?.subject.kind === "group" ? view.subject.code : "", locale);
  // After a change the questionnaire and the version shown are read again (a publish moves the draft on).
  const refresh = (next: number | null) => {
    setChosen(next);
    reload();
    reloadVersion();
  };
  return (
    <section>
      <p>
        <a href={withLang(SECTION, locale)} data-nav>
          {t("admin.questionnaires.back")}
        </a>
      </p>
      <h1 tabIndex={-1} id="qe-title">
        {view ? textIn(view.title, locale) : t("admin.questionnaires.title")}
      </h1>
      <ProblemAlert problem={loadProblem ?? versionProblem} t={t} />
      {view ? (
        <>
          <p>
            <span class="q-code">{view.code}</span> · {t(`admin.questionnaires.kind_${view.subject.kind}`)}:{" "}
            {textIn(view.subject.name, locale)}
            {view.archived ? ` · ${t("admin.questionnaires.states.archived")}` : ""}
          </p>
          <Versions env={props.env} view={view} shown={shown} onShow={setChosen} />
        </>
      ) : null}
      {!view || !version || version.version !== shown ? (
        <p role="status">{t("ui.loading")}</p>
      ) : version.state === "draft" ? (
        <DraftEditor
          key={version.id}
          env={props.env}
          base={base}
          view={view}
          version={version}
          services={view.subject.kind === "group" ? (services ?? []) : null}
          onPublished={() => refresh(null)}
        />
      ) : (
        <VersionReadOnly
          env={props.env}
          base={base}
          view={view}
          version={version}
          services={services}
          onChanged={(next) => refresh(next)}
        />
      )}
      {view && !view.archived ? (
        <Archive env={props.env} base={base} onArchived={() => refresh(chosen)} />
      ) : null}
    </section>
  );
}

/** Archives the questionnaire (after confirming): no longer offered for new routes; its versions and answers stay. */
function Archive(props: { env: StaffEnv; base: string; onArchived: () => void }) {
  const { t, locale } = props.env;
  const change = useChange();
  return (
    <>
      <ProblemAlert problem={change.problem} t={t} />
      <p class="row">
        <ConfirmButton
          t={t}
          label={t("admin.questionnaires.archive")}
          question={t("admin.questionnaires.archive_question")}
          disabled={change.busy}
          focusAfter="qe-title"
          onConfirm={async () => {
            const done = await change.run(() => sendJson(`${props.base}/archive`, undefined, locale));
            if (done !== undefined) props.onArchived();
            return done !== undefined;
          }}
        />
      </p>
    </>
  );
}

/** The versions' table: number, state, when published and retired, where from; each can be shown. */
function Versions(props: {
  env: StaffEnv;
  view: QuestionnaireView;
  shown: number;
  onShow: (version: number) => void;
}) {
  const { t, locale } = props.env;
  const versions = [...props.view.versions].sort((a, b) => b.version - a.version);
  return (
    <div class="table-wrap">
      <table class="data">
        <caption>{t("admin.questionnaires.versions")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("admin.questionnaires.version")}</th>
            <th scope="col">{t("admin.questionnaires.state")}</th>
            <th scope="col">{t("admin.questionnaires.published_at")}</th>
            <th scope="col">{t("admin.questionnaires.retired_at")}</th>
            <th scope="col">{t("admin.questionnaires.source")}</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((v) => (
            <tr key={v.id}>
              <td>
                <button
                  type="button"
                  class="secondary"
                  aria-pressed={v.version === props.shown}
                  onClick={() => props.onShow(v.version)}
                >
                  {t("admin.questionnaires.version_n", { version: v.version })}
                </button>
              </td>
              <td>{t(`admin.questionnaires.version_states.${v.state}`)}</td>
              <td>{v.publishedAt ? formatWhen(v.publishedAt, locale) : "—"}</td>
              <td>{v.retiredAt ? formatWhen(v.retiredAt, locale) : "—"}</td>
              <td>{v.source ? t(`admin.questionnaires.sources.${v.source}`) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The draft's editor: the title, the questions, save and publish; the preview follows every change. */
function DraftEditor(props: {
  env: StaffEnv;
  base: string;
  view: QuestionnaireView;
  version: VersionView;
  services: { code: string; name: string }[] | null;
  onPublished: () => void;
}) {
  const { t, locale } = props.env;
  const [questions, setQuestions] = useState<Question[]>(props.version.definition.questions);
  const [title, setTitle] = useState<LocalText | undefined>(
    typeof props.view.title === "string" ? undefined : props.view.title,
  );
  const [open, setOpen] = useState<number | null>(null);
  const [dirty, setDirty] = useState(false);
  const change = useChange();
  const errors = problemMap(change.problem, t);
  const edit = (next: Question[]) => {
    setQuestions(next);
    setDirty(true);
  };
  const definition: QuestionnaireDefinition = { questions };
  // A refused save opens the first question the server named and puts the keyboard on its first named field.
  const problem = change.problem;
  useEffect(() => {
    if (!problem) return;
    const names = problemMap(problem, t);
    const first = questions.findIndex((_, i) => hasProblems(names, i));
    if (first >= 0) setOpen(first);
    focusFirstInvalid();
    // Only a new problem moves the keyboard, not an edit made after it: the questions are read as refused.
  }, [problem, t]);
  const save = async () => {
    const body = { definition: cleanDefinition(definition), ...(title ? { title: cleanText(title) } : {}) };
    const saved = await change.run(
      () => sendJson(`${props.base}/draft`, body, locale, "PUT"),
      t("admin.questionnaires.draft_saved"),
    );
    if (saved === undefined) return false;
    setDirty(false);
    return true;
  };
  const publish = async () => {
    if (dirty && !(await save())) return false;
    const done = await change.run(
      () => sendJson(`${props.base}/publish`, undefined, locale),
      t("admin.questionnaires.published_now", { version: props.version.version }),
    );
    if (done === undefined) return false;
    props.onPublished();
    return true;
  };
  return (
    <div class="columns q-layout">
      <div>
        <h2 id="q-draft-title" tabIndex={-1}>
          {t("admin.questionnaires.draft_of", { version: props.version.version })}
        </h2>
        <p>{t("admin.questionnaires.draft_hint")}</p>
        <ProblemAlert problem={change.problem} t={t} />
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          {title ? (
            <fieldset>
              <legend>{t("admin.questionnaires.name")}</legend>
              <LocalTextFields
                t={t}
                id="qe-title-text"
                what={t("admin.questionnaires.name")}
                value={title}
                errors={errors}
                path="title"
                required
                onChange={(next) => {
                  setTitle(next);
                  setDirty(true);
                }}
              />
            </fieldset>
          ) : null}
          <QuestionList
            t={t}
            questions={questions}
            errors={errors}
            services={props.services}
            open={open}
            onOpen={setOpen}
            onChange={edit}
          />
          <p class="row q-actions-bar">
            <button type="submit" disabled={change.busy}>
              {t("admin.questionnaires.save_draft")}
            </button>
            <ConfirmButton
              t={t}
              label={t("admin.questionnaires.publish")}
              question={t("admin.questionnaires.publish_question", { version: props.version.version })}
              disabled={change.busy}
              focusAfter="qe-title"
              onConfirm={publish}
            />
            {dirty ? <span class="warn">{t("admin.questionnaires.unsaved")}</span> : null}
          </p>
          <StatusLine compact text={change.status} />
        </form>
      </div>
      <QuestionnairePreview t={t} definition={definition} />
    </div>
  );
}
