/**
 * The counter-report: the public answer (started from one of the service's answer templates, whose {placeholders}
 * must be filled in), an internal note, and evidence photos. The photos are uploaded first
 * (POST /api/v1/work-orders/:id/attachments) and their ids sent with the answer; they reach the citizen with it.
 * A generic answer is refused by the server, and its words are shown.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import {
  type AnswerTemplate,
  PLACEHOLDER,
  selectFirstPlaceholder,
  sortAnswerTemplates,
} from "../ui/answer-templates.ts";
import { ApiProblem, api } from "../ui/api.ts";
import { describedBy, ProblemAlert } from "../ui/components.tsx";
import { type StaffEnv, send } from "../ui/staff.tsx";
import type { WorkOrder } from "./data.ts";

type Template = AnswerTemplate;
/** The most photos the server takes in one upload (MAX_ATTACHMENTS in server/demands/attachments.ts). */
const MAX_PHOTOS = 5;

/** The answer form of an order. */
export function AnswerForm(props: {
  env: StaffEnv;
  order: WorkOrder;
  onAnswered: (order: WorkOrder) => void;
}) {
  const { env, order } = props;
  const { t, locale } = env;
  const [templates, setTemplates] = useState<Template[]>([]);
  const [templateId, setTemplateId] = useState("");
  const [answer, setAnswer] = useState("");
  const [note, setNote] = useState("");
  const [answerError, setAnswerError] = useState("");
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const files = useRef<HTMLInputElement>(null);
  const [fileCount, setFileCount] = useState(0);
  const tooMany = fileCount > MAX_PHOTOS ? t("backoffice.answer.too_many_photos", { max: MAX_PHOTOS }) : "";

  useEffect(() => {
    api<Template[]>(`/api/v1/answer-templates?service=${encodeURIComponent(order.service)}`, {}, locale)
      .then((list) => setTemplates(sortAnswerTemplates(list, locale)))
      .catch(() => setTemplates([]));
  }, [order.service, locale]);

  const useTemplate = () => {
    const chosen = templates.find((x) => String(x.id) === templateId);
    if (!chosen) return;
    setAnswer(chosen.body);
    setAnswerError("");
    selectFirstPlaceholder("answer");
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    if (PLACEHOLDER.test(answer)) {
      setAnswerError(t("backoffice.answer.placeholders_left"));
      document.getElementById("answer")?.focus();
      return;
    }
    setAnswerError("");
    if (tooMany) {
      document.getElementById("evidence")?.focus();
      return;
    }
    setBusy(true);
    try {
      let evidence: number[] = [];
      const chosen = files.current?.files;
      if (chosen && chosen.length > 0) {
        const form = new FormData();
        for (const file of Array.from(chosen)) form.append("files", file, file.name);
        const stored = await api<{ attachments: { id: number }[] }>(
          `/api/v1/work-orders/${order.id}/attachments`,
          { method: "POST", body: form },
          locale,
        );
        evidence = stored.attachments.map((a) => a.id);
      }
      const body: Record<string, unknown> = { answer };
      if (note.trim()) body.internalNote = note;
      if (evidence.length > 0) body.evidence = evidence;
      const answered = await send<WorkOrder>(`/api/v1/work-orders/${order.id}/answer`, body, locale);
      props.onAnswered(answered);
    } catch (e) {
      const p = e instanceof ApiProblem ? e : new ApiProblem(0, "offline", "", "");
      setProblem(p);
      if (p.fields.some((f) => f.field === "answer")) {
        setAnswerError(p.detail || p.title);
        document.getElementById("answer")?.focus();
      }
    } finally {
      setBusy(false);
    }
  };

  const answerHint = t("backoffice.answer.answer_hint");
  return (
    <section aria-labelledby="answer-title" class="card">
      <h2 id="answer-title">{t("backoffice.answer.title")}</h2>
      <ProblemAlert problem={problem} t={t} />
      <form onSubmit={submit}>
        <div class="row">
          <div class="field grow">
            <label for="template">{t("backoffice.answer.template")}</label>
            <select id="template" value={templateId} onChange={(e) => setTemplateId(e.currentTarget.value)}>
              <option value="">{t("backoffice.answer.choose_template")}</option>
              {templates.map((x) => (
                <option key={x.id} value={String(x.id)}>
                  {x.title}
                  {x.locale === locale ? "" : ` (${x.locale})`}
                </option>
              ))}
            </select>
          </div>
          <button type="button" class="secondary" disabled={!templateId} onClick={useTemplate}>
            {t("backoffice.answer.use_template")}
          </button>
        </div>
        <div class="field">
          <label for="answer">
            {t("backoffice.answer.answer")}
            <span class="required"> ({t("ui.required")})</span>
          </label>
          <p class="hint" id="answer-hint">
            {answerHint}
          </p>
          <textarea
            id="answer"
            required
            maxLength={5000}
            rows={6}
            value={answer}
            aria-invalid={answerError ? "true" : undefined}
            aria-describedby={describedBy("answer", answerHint, answerError)}
            onInput={(e) => setAnswer(e.currentTarget.value)}
          />
          {answerError ? (
            <p class="field-error" id="answer-error">
              {answerError}
            </p>
          ) : null}
        </div>
        <div class="field">
          <label for="internal-note">{t("backoffice.answer.note")}</label>
          <p class="hint" id="internal-note-hint">
            {t("backoffice.answer.note_hint")}
          </p>
          <textarea
            id="internal-note"
            rows={3}
            maxLength={5000}
            value={note}
            aria-describedby="internal-note-hint"
            onInput={(e) => setNote(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="evidence">{t("backoffice.answer.evidence")}</label>
          <p class="hint" id="evidence-hint">
            {t("backoffice.answer.evidence_hint")}
          </p>
          <input
            id="evidence"
            ref={files}
            type="file"
            accept="image/jpeg,image/png,image/webp,image/heic"
            multiple
            aria-invalid={tooMany ? "true" : undefined}
            aria-describedby={describedBy("evidence", "hint", tooMany)}
            onChange={(e) => setFileCount(e.currentTarget.files?.length ?? 0)}
          />
          {fileCount > 0 ? <p>{t("backoffice.answer.evidence_count", { count: fileCount })}</p> : null}
          {tooMany ? (
            <p class="field-error" id="evidence-error" role="alert">
              {tooMany}
            </p>
          ) : null}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t("backoffice.answer.sending") : t("backoffice.answer.submit")}
        </button>
      </form>
    </section>
  );
}
