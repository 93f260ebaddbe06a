/**
 * Import from XLSForm (the KoBo/ODK spreadsheet, the subset in docs/questionnaires.md): upload a .xlsx, pick the
 * service or group (a code already in use makes a new draft of that questionnaire instead), see what was skipped
 * or simplified, and open the new draft. A refused form lists every problem by sheet and row.
 */
import { useRef, useState } from "preact/hooks";
import { type ApiProblem, api } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { type Translate, withLang } from "../ui/i18n.ts";
import { asProblem } from "../ui/load.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine } from "./change.tsx";
import { FieldError, FormField, focusById } from "./form-field.tsx";
import { type QuestionnaireView, SECTION, textIn, type VersionSummary } from "./questionnaire-model.ts";
import { codeText, detailOf, problemText } from "./questionnaire-problems.ts";
import { NO_SUBJECT, type SubjectChoice, SubjectPicker, subjectFields } from "./questionnaire-subject.tsx";

/** What was skipped or simplified in the form (server/questionnaires/xlsform.ts). */
interface ImportWarning {
  row?: number;
  sheet?: string;
  code: string;
  text: string;
}

/** POST /api/v1/questionnaires/import's answer. */
interface Imported {
  questionnaire: QuestionnaireView;
  version: VersionSummary;
  warnings: ImportWarning[];
}

/** The largest file the server takes (MAX_XLSFORM_BYTES), checked here before sending. */
const MAX_BYTES = 2 * 1024 * 1024;

/** The import screen. */
export function QuestionnaireImport(props: { env: StaffEnv }) {
  const { t, locale } = props.env;
  const file = useRef<HTMLInputElement>(null);
  const [subject, setSubject] = useState<SubjectChoice>(NO_SUBJECT);
  const [code, setCode] = useState("");
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState("");
  const [done, setDone] = useState<Imported | null>(null);
  // A file refused here (none, too large) is said beside its field, with the keyboard on it.
  const [localError, setLocalError] = useState<string | undefined>();
  const refuseHere = (code: string) => {
    setProblem(null);
    setLocalError(codeText(code, t));
    file.current?.focus();
  };
  const send = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const chosen = file.current?.files?.[0];
    setDone(null);
    if (!chosen) return refuseHere("file_required");
    if (chosen.size > MAX_BYTES) return refuseHere("file_too_large");
    setLocalError(undefined);
    setBusy(true);
    setProblem(null);
    setStatus("");
    // The text fields first: the server reads the parts in order.
    const form = new FormData();
    for (const [name, value] of Object.entries({
      ...subjectFields(subject),
      ...(code.trim() ? { code: code.trim() } : {}),
    })) {
      form.append(name, value);
    }
    form.append("file", chosen, chosen.name);
    try {
      const imported = await api<Imported>(
        "/api/v1/questionnaires/import",
        { method: "POST", body: form },
        locale,
      );
      setDone(imported);
      setStatus(t("admin.questionnaires.imported", { version: imported.version.version }));
      focusById("qi-done");
    } catch (error) {
      setProblem(asProblem(error));
      setStatus(t("admin.questionnaires.import_refused"));
      focusById("qi-problems");
    } finally {
      setBusy(false);
    }
  };
  const fileError = localError ?? problemText(problem, "file", t);
  // The form's own problems name a sheet and a row ("file.survey.7"): listed, since no field here is theirs.
  const rows = (problem?.fields ?? []).filter((f) => f.field.startsWith("file."));
  const describedBy = ["qi-file-hint", fileError ? "qi-file-error" : ""].filter(Boolean).join(" ");
  return (
    <section>
      <p>
        <a href={withLang(SECTION, locale)} data-nav>
          {t("admin.questionnaires.back")}
        </a>
      </p>
      <h1 tabIndex={-1}>{t("admin.questionnaires.import")}</h1>
      <p>{t("admin.questionnaires.import_intro")}</p>
      <div id="qi-problems" tabIndex={-1}>
        <ProblemAlert problem={problem} t={t} />
        {rows.length ? (
          <ul class="q-rows">
            {rows.map((f) => (
              <li key={`${f.field}-${f.code}`}>
                {rowName(f.field, t)}: {codeText(f.code, t, detailOf(f))}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      <form onSubmit={send} noValidate>
        <div class="field">
          <label for="qi-file">{t("admin.questionnaires.import_file")}</label>
          <p class="hint" id="qi-file-hint">
            {t("admin.questionnaires.import_file_hint", { max: "2 MB" })}
          </p>
          <input
            id="qi-file"
            ref={file}
            type="file"
            accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            aria-describedby={describedBy}
            aria-invalid={fileError ? "true" : undefined}
            onChange={() => setLocalError(undefined)}
          />
          <FieldError id="qi-file" text={fileError} />
        </div>
        <SubjectPicker
          env={props.env}
          id="qi-subject"
          value={subject}
          errors={{
            service: problemText(problem, "service", t),
            serviceGroup: problemText(problem, "serviceGroup", t),
          }}
          onChange={setSubject}
        />
        <FormField
          id="qi-code"
          label={t("admin.questionnaires.code")}
          hint={t("admin.questionnaires.import_code_hint")}
          error={problemText(problem, "code", t)}
          value={code}
          onValue={(v) => setCode(v.toLowerCase())}
        />
        <button type="submit" disabled={busy}>
          {t("admin.questionnaires.import_send")}
        </button>
        <StatusLine compact text={status} />
      </form>
      {done ? <ImportResult env={props.env} done={done} /> : null}
    </section>
  );
}

/** "file.survey.7" as "Planilha survey, linha 7". */
function rowName(field: string, t: Translate): string {
  const [, sheet = "", row] = field.split(".");
  return row
    ? t("admin.questionnaires.sheet_row", { sheet, row })
    : t("admin.questionnaires.sheet", { sheet });
}

/** A warning in words: ours for the codes we know, else its code and the text it concerns. */
function warningText(w: ImportWarning, t: Translate): string {
  const key = `admin.questionnaires.warnings.${w.code}`;
  const text = t(key, { text: w.text });
  return text === key ? `${w.code}: ${w.text}` : text;
}

function ImportResult(props: { env: StaffEnv; done: Imported }) {
  const { t, locale } = props.env;
  const { questionnaire, version, warnings } = props.done;
  return (
    <section class="card" aria-labelledby="qi-done">
      <h2 id="qi-done" tabIndex={-1}>
        {t("admin.questionnaires.imported_title", {
          title: textIn(questionnaire.title, locale),
          version: version.version,
        })}
      </h2>
      {warnings.length ? (
        <>
          <p>{t("admin.questionnaires.import_warnings", { count: warnings.length })}</p>
          <ul class="q-rows" data-testid="import-warnings">
            {warnings.map((w, i) => (
              <li key={i}>
                {w.sheet
                  ? `${rowName(["file", w.sheet, w.row].filter((x) => x !== undefined).join("."), t)}: `
                  : ""}
                {warningText(w, t)}
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>{t("admin.questionnaires.import_clean")}</p>
      )}
      <p>
        <a class="button" href={withLang(`${SECTION}/${questionnaire.id}`, locale)} data-nav>
          {t("admin.questionnaires.open_draft", { version: version.version })}
        </a>
      </p>
    </section>
  );
}
