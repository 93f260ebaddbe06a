/**
 * The questionnaires section (issue 17): the list (subject, published version, draft, state), a new questionnaire
 * (code, title in three languages, a service or a group), and by path the editor of one ("/12"), the new one's
 * form ("/novo") and the XLSForm import ("/importar").
 */
import "./questionnaires.css";
import { useState } from "preact/hooks";
import type { QuestionnaireDefinition } from "../../domain/questionnaire.ts";
import type { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, type Translate, withLang } from "../ui/i18n.ts";
import { asProblem, useLoad } from "../ui/load.ts";
import { navigate } from "../ui/router.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { StatusLine } from "./change.tsx";
import { FormField, focusFirstInvalid } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";
import { QuestionnaireEditor } from "./questionnaire-editor.tsx";
import { QuestionnaireImport } from "./questionnaire-import.tsx";
import { LANGS, type QuestionnaireItem, SECTION, textIn } from "./questionnaire-model.ts";
import { codeText, problemText } from "./questionnaire-problems.ts";
import { NO_SUBJECT, type SubjectChoice, SubjectPicker, subjectFields } from "./questionnaire-subject.tsx";

/** The questionnaires section: the list, or the screen its path names. */
export function QuestionnairesScreen(props: AdminScreenProps) {
  const part = props.rest.slice(1);
  if (part === "novo") return <NewQuestionnaire env={props.env} />;
  if (part === "importar") return <QuestionnaireImport env={props.env} />;
  if (/^\d+$/.test(part)) return <QuestionnaireEditor key={part} env={props.env} id={part} />;
  return <QuestionnaireList env={props.env} />;
}

/** The state a row is in, in words: archived, published (maybe with a draft), a draft only. */
function stateOf(item: QuestionnaireItem): string {
  if (item.archived) return "archived";
  if (item.published) return item.draft ? "published_with_draft" : "published";
  return "draft_only";
}

function QuestionnaireList(props: { env: StaffEnv }) {
  const { t, locale } = props.env;
  const [list, problem] = useLoad<{ items: QuestionnaireItem[] }>("/api/v1/questionnaires", locale);
  const items = list?.items;
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.questionnaires.title")}</h1>
      <p>{t("admin.questionnaires.intro")}</p>
      <p class="row">
        <a class="button" href={withLang(`${SECTION}/novo`, locale)} data-nav>
          {t("admin.questionnaires.new")}
        </a>
        <a class="button secondary" href={withLang(`${SECTION}/importar`, locale)} data-nav>
          {t("admin.questionnaires.import")}
        </a>
      </p>
      <ProblemAlert problem={problem} t={t} />
      <p role="status">
        {items ? t("admin.questionnaires.count", { count: items.length }) : t("ui.loading")}
      </p>
      {items && items.length > 0 ? (
        <div class="table-wrap">
          <table class="data">
            <caption class="visually-hidden">{t("admin.questionnaires.table_caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.questionnaires.name")}</th>
                <th scope="col">{t("admin.questionnaires.subject")}</th>
                <th scope="col">{t("admin.questionnaires.published")}</th>
                <th scope="col">{t("admin.questionnaires.draft")}</th>
                <th scope="col">{t("admin.questionnaires.state")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((q) => (
                <tr key={q.id}>
                  <td>
                    <a href={withLang(`${SECTION}/${q.id}`, locale)} data-nav>
                      {textIn(q.title, locale)}
                    </a>{" "}
                    <span class="q-code">{q.code}</span>
                  </td>
                  <td>
                    {t(`admin.questionnaires.kind_${q.subject.kind}`)}: {textIn(q.subject.name, locale)}
                  </td>
                  <td>
                    {q.published
                      ? t("admin.questionnaires.version_on", {
                          version: q.published.version,
                          date: formatWhen(q.published.publishedAt, locale),
                        })
                      : "—"}
                  </td>
                  <td>{q.draft ? t("admin.questionnaires.version_n", { version: q.draft.version }) : "—"}</td>
                  <td>{t(`admin.questionnaires.states.${stateOf(q)}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : items ? (
        <p>{t("admin.questionnaires.none")}</p>
      ) : null}
    </section>
  );
}

/** The server's problem with the subject: neither a service nor a group given (its "custom" rule) said plainly. */
function subjectError(problem: ApiProblem | null, t: Translate): string | undefined {
  if (problem?.fields.some((f) => f.field === "service" && f.code === "custom")) {
    return codeText("subject_required", t);
  }
  return problemText(problem, "service", t);
}

/** The first question of a new questionnaire: the editor is where its questions are written. */
function starter(label: string): QuestionnaireDefinition {
  return { questions: [{ name: "pergunta_1", type: "yes_no", label: { "pt-BR": label }, required: true }] };
}

function NewQuestionnaire(props: { env: StaffEnv }) {
  const { t, locale } = props.env;
  const [code, setCode] = useState("");
  const [title, setTitle] = useState<Record<string, string>>({ "pt-BR": "" });
  const [subject, setSubject] = useState<SubjectChoice>(NO_SUBJECT);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const err = (field: string) => problemText(problem, field, t);
  const create = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setProblem(null);
    setStatus("");
    const cleanTitle = Object.fromEntries(
      Object.entries(title).filter(([lang, v]) => lang === "pt-BR" || v.trim()),
    );
    try {
      const created = await send<QuestionnaireItem>(
        "/api/v1/questionnaires",
        {
          code: code.trim(),
          title: cleanTitle,
          ...subjectFields(subject),
          definition: starter(t("admin.questionnaires.starter_question")),
        },
        locale,
      );
      navigate(withLang(`${SECTION}/${created.id}`, locale));
    } catch (error) {
      setProblem(asProblem(error));
      setStatus(t("admin.questionnaires.not_saved"));
      focusFirstInvalid();
    } finally {
      setBusy(false);
    }
  };
  return (
    <section>
      <p>
        <a href={withLang(SECTION, locale)} data-nav>
          {t("admin.questionnaires.back")}
        </a>
      </p>
      <h1 tabIndex={-1}>{t("admin.questionnaires.new")}</h1>
      <ProblemAlert problem={problem} t={t} />
      <form onSubmit={create} noValidate>
        <FormField
          id="qn-code"
          label={t("admin.questionnaires.code")}
          hint={t("admin.questionnaires.code_hint")}
          error={err("code")}
          required
          requiredText={t("admin.questionnaires.required")}
          value={code}
          onValue={(v) => setCode(v.toLowerCase())}
        />
        {LANGS.map((lang) => (
          <FormField
            key={lang}
            id={`qn-title-${lang}`}
            label={t(`admin.questionnaires.title_${lang}`)}
            error={err(`title.${lang}`) ?? (lang === "pt-BR" ? err("title") : undefined)}
            required={lang === "pt-BR"}
            requiredText={t("admin.questionnaires.required")}
          >
            {(control) => (
              <input
                {...control}
                type="text"
                lang={lang}
                required={lang === "pt-BR"}
                value={title[lang] ?? ""}
                onInput={(e) => setTitle({ ...title, [lang]: e.currentTarget.value })}
              />
            )}
          </FormField>
        ))}
        <SubjectPicker
          env={props.env}
          id="qn-subject"
          value={subject}
          errors={{ service: subjectError(problem, t), serviceGroup: err("serviceGroup") }}
          onChange={setSubject}
        />
        <p class="hint">{t("admin.questionnaires.new_hint")}</p>
        <button type="submit" disabled={busy}>
          {t("admin.questionnaires.create")}
        </button>
        <StatusLine compact text={status} />
      </form>
    </section>
  );
}
