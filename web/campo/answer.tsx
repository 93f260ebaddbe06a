/**
 * Answering a visit: its questionnaire rendered from the kept version's definition, the skip logic live (the same
 * domain/questionnaire.ts the server checks with), kept in IndexedDB at every answer (a reload loses nothing), and
 * checked before finishing — required answers and constraints, each problem said in words and linked to its
 * question. Finishing takes the GPS position and the time (a refusal or a timeout keeps the answer without them)
 * and leaves the response waiting to sync.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import {
  type AnswerProblem,
  type AnswerSet,
  type AnswerValue,
  askedQuestions,
  checkResponse,
  localText,
} from "../../domain/questionnaire.ts";
import { withLang } from "../ui/i18n.ts";
import { navigate } from "../ui/router.ts";
import { blockName } from "./day.tsx";
import { type CampoEnv, PATHS, problemText, questionnaireLocale, titleOf } from "./env.ts";
import { currentPlace } from "./photos.ts";
import { QuestionInput } from "./question.tsx";
import { keepResponse } from "./store.ts";
import { finishedAnswers, type KeptResponse } from "./sync.ts";

/** The questionnaire of one visit. */
export function AnswerScreen(props: { env: CampoEnv; visitId: number }) {
  const { env, visitId } = props;
  const { t, locale, kept } = env;
  const ql = questionnaireLocale(locale);
  const day = kept.day;
  const visit = day?.routes.flatMap((r) => r.visits).find((v) => v.id === visitId);
  const route = day?.routes.find((r) => r.visits.some((v) => v.id === visitId));
  const questionnaire = day?.questionnaires.find((q) => q.versionId === visit?.versionId);
  const block = day?.blocks.find((b) => b.id === visit?.blockId);
  const draft = kept.items.responses.find(
    (r) => r.visitId === visitId && r.state === "draft" && r.inspectorId === env.me.id,
  );
  const [response, setResponse] = useState<KeptResponse | null>(null);
  const [problems, setProblems] = useState<AnswerProblem[]>([]);
  const [finishing, setFinishing] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  // The draft kept (from a reload) is taken once; a new response starts otherwise.
  useEffect(() => {
    if (response || !kept.loaded || !visit || !questionnaire) return;
    setResponse(
      draft ?? {
        clientId: crypto.randomUUID(),
        inspectorId: env.me.id,
        versionId: questionnaire.versionId,
        questionnaireId: questionnaire.id,
        visitId: visit.id,
        blockId: visit.blockId,
        ...(route ? { routeRevision: route.revision } : {}),
        startedAt: new Date().toISOString(),
        answers: {},
        state: "draft",
      },
    );
  }, [kept.loaded, visit?.id, questionnaire?.versionId]);
  useEffect(() => {
    if (problems.length > 0) summary.current?.focus();
  }, [problems]);

  if (!kept.loaded) return <p role="status">{t("ui.loading")}</p>;
  if (!visit || !questionnaire || !day) {
    return (
      <section>
        <h1 tabIndex={-1}>{t("campo.answer.not_found")}</h1>
        <p>
          <a href={withLang(PATHS.day, locale)} data-nav>
            {t("campo.answer.back")}
          </a>
        </p>
      </section>
    );
  }
  if (!response) return <p role="status">{t("ui.loading")}</p>;
  const definition = questionnaire.definition;
  const save = (next: KeptResponse) => {
    setResponse(next);
    void keepResponse(next);
  };
  const setAnswer = (name: string, value: AnswerValue | undefined) => {
    const answers: AnswerSet = { ...response.answers };
    if (value === undefined) delete answers[name];
    else answers[name] = value;
    save({ ...response, answers });
    if (problems.length > 0) setProblems(checkResponse(definition, finishedAnswers(definition, answers)));
  };
  const labelOf = (name?: string) => {
    const q = definition.questions.find((x) => x.name === name);
    return q ? localText(q.label, ql) : (name ?? "");
  };
  const messageOf = (p: AnswerProblem) => {
    const q = definition.questions.find((x) => x.name === p.question);
    const own = q?.constraint?.message;
    if (own && ["below_min", "above_max", "not_integer", "too_long"].includes(p.code))
      return localText(own, ql);
    return problemText(t, p, labelOf(p.question));
  };
  const finish = async (event: Event) => {
    event.preventDefault();
    const answers = finishedAnswers(definition, response.answers);
    const found = checkResponse(definition, answers);
    setProblems(found);
    if (found.length > 0) return;
    setFinishing(true);
    const location = await currentPlace();
    const done: KeptResponse = {
      ...response,
      answers,
      answeredAt: new Date().toISOString(),
      ...(location ? { location } : {}),
      state: "waiting",
    };
    await keepResponse(done);
    navigate(withLang(PATHS.day, locale));
  };
  const asked = askedQuestions(definition, response.answers);
  return (
    <section aria-labelledby="answer-title">
      <h1 id="answer-title" tabIndex={-1}>
        {titleOf(questionnaire.title, ql)}
      </h1>
      <p class="visit-block">
        <strong>{blockName(block)}</strong>
        {visit.reason ? ` · ${visit.reason}` : ""}
      </p>
      <p class="row">
        <a class="button secondary" href={withLang(`${PATHS.demand}?visita=${visit.id}`, locale)} data-nav>
          {t("campo.menu.demand")}
        </a>
      </p>
      {problems.length > 0 ? (
        <div class="problem" role="alert" tabIndex={-1} ref={summary} data-testid="answer-problems">
          <p>
            <strong>{t("campo.answer.problems", { count: problems.length })}</strong>
          </p>
          <ul>
            {problems.map((p) => (
              <li key={`${p.question}-${p.code}`}>
                <a href={`#q-${p.question}`}>{messageOf(p)}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      <form onSubmit={finish} noValidate>
        {asked.map((q) => {
          const own = problems.find((p) => p.question === q.name);
          return (
            <QuestionInput
              key={q.name}
              question={q}
              value={response.answers[q.name]}
              locale={ql}
              t={t}
              error={own ? messageOf(own) : undefined}
              onChange={(v) => setAnswer(q.name, v)}
            />
          );
        })}
        <div class="field">
          <label for="answer-note">{t("campo.answer.note")}</label>
          <textarea
            id="answer-note"
            value={response.note ?? ""}
            onInput={(e) => save({ ...response, note: (e.currentTarget as HTMLTextAreaElement).value })}
          />
        </div>
        <p class="hint">{t("campo.answer.kept_hint")}</p>
        <p class="row">
          <button type="submit" class="big" disabled={finishing}>
            {finishing ? t("campo.answer.locating") : t("campo.answer.finish")}
          </button>
        </p>
      </form>
    </section>
  );
}
