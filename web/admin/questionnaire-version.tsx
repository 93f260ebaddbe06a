/**
 * A published or retired version, read only: its number and date, each question with its type, texts, choices,
 * constraint, skip logic and scoring; retire the published one, or start the next draft from it (when there is no
 * draft yet). The preview asks it beside.
 */
import { Fragment } from "preact";
import type { Question } from "../../domain/questionnaire.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen, type Translate } from "../ui/i18n.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { describeCondition } from "./question-condition.tsx";
import { LANGS, type QuestionnaireView, type VersionView } from "./questionnaire-model.ts";
import { QuestionnairePreview } from "./questionnaire-preview.tsx";

/** The read-only view of `version`; `onChanged` is told the version to show next after a change. */
export function VersionReadOnly(props: {
  env: StaffEnv;
  base: string;
  view: QuestionnaireView;
  version: VersionView;
  services: { code: string; name: string }[] | null;
  onChanged: (show: number | null) => void;
}) {
  const { t, locale } = props.env;
  const { version, view } = props;
  const change = useChange();
  const retire = async () => {
    const done = await change.run(
      () => sendJson(`${props.base}/retire`, undefined, locale),
      t("admin.questionnaires.retired_now", { version: version.version }),
    );
    if (done === undefined) return false;
    props.onChanged(version.version);
    return true;
  };
  const startDraft = async () => {
    const done = await change.run(
      () => sendJson(`${props.base}/draft`, { definition: version.definition }, locale, "PUT"),
      t("admin.questionnaires.draft_started"),
    );
    if (done !== undefined) props.onChanged(null);
  };
  const when =
    version.state === "published"
      ? t("admin.questionnaires.published_on", {
          version: version.version,
          date: version.publishedAt ? formatWhen(version.publishedAt, locale) : "—",
        })
      : t("admin.questionnaires.retired_on", {
          version: version.version,
          date: version.retiredAt ? formatWhen(version.retiredAt, locale) : "—",
        });
  return (
    <div class="columns q-layout">
      <div>
        <h2 id="q-version-title" tabIndex={-1} data-testid="version-title">
          {when}
        </h2>
        <p>{t("admin.questionnaires.read_only")}</p>
        <ProblemAlert problem={change.problem} t={t} />
        <p class="row">
          {view.draft ? null : (
            <button type="button" class="secondary" disabled={change.busy} onClick={startDraft}>
              {t("admin.questionnaires.start_draft", { version: version.version })}
            </button>
          )}
          {version.state === "published" ? (
            <ConfirmButton
              t={t}
              label={t("admin.questionnaires.retire")}
              question={t("admin.questionnaires.retire_question", { version: version.version })}
              disabled={change.busy}
              focusAfter="q-version-title"
              onConfirm={retire}
            />
          ) : null}
        </p>
        <StatusLine compact text={change.status} />
        <ol class="q-list">
          {version.definition.questions.map((q) => (
            <li key={q.name} class="q-item">
              <ReadOnlyQuestion t={t} q={q} all={version.definition.questions} services={props.services} />
            </li>
          ))}
        </ol>
      </div>
      <QuestionnairePreview t={t} definition={version.definition} />
    </div>
  );
}

function ReadOnlyQuestion(props: {
  t: Translate;
  q: Question;
  all: Question[];
  services: { code: string; name: string }[] | null;
}) {
  const { t, q } = props;
  const texts = (text: Question["label"] | undefined) =>
    text
      ? LANGS.filter((l) => text[l])
          .map((l) => `${text[l]} (${l})`)
          .join(" · ")
      : "";
  const limits = Object.entries(q.constraint ?? {})
    .filter(([k]) => k !== "message")
    .map(
      ([k, v]) => `${t(`admin.questionnaires.c_${k}`)}: ${v === true ? t("admin.questionnaires.yes") : v}`,
    );
  const service = q.service
    ? (props.services?.find((s) => s.code === q.service)?.name ?? q.service)
    : undefined;
  return (
    <>
      <h3>
        {q.label["pt-BR"]}{" "}
        <span class="q-code">
          {q.name} · {t(`admin.questionnaires.types.${q.type}`)}
          {q.required ? ` · ${t("admin.questionnaires.flag_required")}` : ""}
        </span>
      </h3>
      <dl class="facts">
        <dt>{t("admin.questionnaires.q_label")}</dt>
        <dd>{texts(q.label)}</dd>
        {q.hint ? (
          <>
            <dt>{t("admin.questionnaires.q_hint")}</dt>
            <dd>{texts(q.hint)}</dd>
          </>
        ) : null}
        {(["voice", "chat"] as const).map((c) =>
          q.prompts?.[c] ? (
            <Fragment key={c}>
              <dt>{t(`admin.questionnaires.prompt_${c}`)}</dt>
              <dd>{texts(q.prompts[c])}</dd>
            </Fragment>
          ) : null,
        )}
        {q.choices ? (
          <>
            <dt>{t("admin.questionnaires.choices")}</dt>
            <dd>
              {q.choices
                .map(
                  (c, i) =>
                    `${c.key ?? i + 1}. ${c.label["pt-BR"]} [${c.value}]${c.score === undefined ? "" : ` = ${c.score}`}`,
                )
                .join("; ")}
            </dd>
          </>
        ) : null}
        {limits.length ? (
          <>
            <dt>{t("admin.questionnaires.constraint")}</dt>
            <dd>{limits.join("; ")}</dd>
          </>
        ) : null}
        {q.relevant ? (
          <>
            <dt>{t("admin.questionnaires.relevant")}</dt>
            <dd>{describeCondition(q.relevant, props.all, t)}</dd>
          </>
        ) : null}
        {q.scoring ? (
          <>
            <dt>{t("admin.questionnaires.scoring")}</dt>
            <dd>
              {t(`admin.questionnaires.scorings.${q.scoring}`)}
              {service ? ` · ${service}` : ""}
            </dd>
          </>
        ) : null}
      </dl>
    </>
  );
}
