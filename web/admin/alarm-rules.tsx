/**
 * The alarm rules: at which share of a stage's clock which alarm goes to which level, for every department or one.
 * Listed from GET /api/v1/alarm-rules, added with POST, retired with DELETE (clocks started later use the change).
 */
import { useState } from "preact/hooks";
import { useAllPages } from "../ui/all-pages.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { StatusLine, useChange } from "./change.tsx";
import type { Department } from "./city.ts";
import { ConfirmButton } from "./confirm-button.tsx";
import { FormField, fieldProblems } from "./form-field.tsx";

const STAGES = ["demand", "acceptance", "execution", "complement"] as const;
const KINDS = ["deadline_near", "deadline_breached", "escalation"] as const;
const LEVELS = [0, 1, 2] as const;

interface AlarmRule {
  id: number;
  stage: string | null;
  department: string | null;
  fraction: number;
  kind: string;
  level: number;
}

/** The alarm rules, with the form that adds one. */
export function AlarmRules(props: { env: StaffEnv }) {
  const { t, locale } = props.env;
  const [rules, loadProblem, reload] = useLoad<AlarmRule[]>("/api/v1/alarm-rules", locale);
  const [departments] = useAllPages<Department>("/api/v1/departments", locale);
  const [stage, setStage] = useState("");
  const [department, setDepartment] = useState("");
  const [percent, setPercent] = useState("50");
  const [kind, setKind] = useState<string>("deadline_near");
  const [level, setLevel] = useState("0");
  // One change at a time: a double click must not add the same rule twice.
  const change = useChange();
  const errors = fieldProblems(change.problem, t);

  const add = async (event: Event) => {
    event.preventDefault();
    await change.run(async () => {
      await send(
        "/api/v1/alarm-rules",
        {
          ...(stage ? { stage } : {}),
          ...(department ? { department } : {}),
          fraction: Number(percent) / 100,
          kind,
          level: Number(level),
        },
        locale,
      );
      reload();
    }, t("admin.deadlines.rule_added"));
  };
  const retire = async (rule: AlarmRule) =>
    (await change.run(async () => {
      await send(`/api/v1/alarm-rules/${rule.id}`, undefined, locale, "DELETE");
      reload();
      return true;
    }, t("admin.deadlines.rule_retired"))) ?? false;
  const describe = (r: AlarmRule) =>
    t("admin.deadlines.rule_summary", {
      percent: Math.round(r.fraction * 100),
      stage: r.stage ? t(`admin.deadlines.stages.${r.stage}`) : t("admin.deadlines.every_stage"),
    });

  return (
    <section aria-labelledby="alarm-rules-title">
      <h2 id="alarm-rules-title" tabIndex={-1}>
        {t("admin.deadlines.rules_title")}
      </h2>
      <p>{t("admin.deadlines.rules_intro")}</p>
      <ProblemAlert problem={loadProblem} t={t} />
      {rules ? (
        <div class="table-wrap">
          <table class="data">
            <caption class="visually-hidden">{t("admin.deadlines.rules_title")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.deadlines.share")}</th>
                <th scope="col">{t("admin.deadlines.stage")}</th>
                <th scope="col">{t("admin.deadlines.department")}</th>
                <th scope="col">{t("admin.deadlines.kind")}</th>
                <th scope="col">{t("admin.deadlines.level")}</th>
                <th scope="col">{t("admin.deadlines.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id}>
                  <td>{Math.round(r.fraction * 100)}%</td>
                  <td>
                    {r.stage ? t(`admin.deadlines.stages.${r.stage}`) : t("admin.deadlines.every_stage")}
                  </td>
                  <td>{r.department ?? t("admin.deadlines.every_department")}</td>
                  <td>{t(`admin.deadlines.kinds.${r.kind}`)}</td>
                  <td>{t(`admin.deadlines.levels.${r.level}`)}</td>
                  <td>
                    <ConfirmButton
                      t={t}
                      label={t("admin.deadlines.retire")}
                      labelDetail={describe(r)}
                      question={t("admin.deadlines.retire_question", { rule: describe(r) })}
                      focusAfter="alarm-rules-title"
                      onConfirm={() => retire(r)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>{t("ui.loading")}</p>
      )}
      <form onSubmit={add} class="card" aria-labelledby="rule-add-title" noValidate>
        <h3 id="rule-add-title">{t("admin.deadlines.add_rule")}</h3>
        <ProblemAlert problem={change.problem} t={t} />
        <div class="row a-fields">
          <FormField
            id="rule-fraction"
            label={t("admin.deadlines.share_percent")}
            hint={t("admin.deadlines.share_hint")}
            error={errors.fraction}
          >
            {(control) => (
              <input
                {...control}
                type="number"
                min={1}
                max={1000}
                value={percent}
                onInput={(e) => setPercent((e.target as HTMLInputElement).value)}
              />
            )}
          </FormField>
          <FormField
            id="rule-stage"
            label={t("admin.deadlines.stage")}
            error={errors.stage}
            value={stage}
            onValue={setStage}
            options={
              <>
                <option value="">{t("admin.deadlines.every_stage")}</option>
                {STAGES.map((s) => (
                  <option key={s} value={s}>
                    {t(`admin.deadlines.stages.${s}`)}
                  </option>
                ))}
              </>
            }
          />
          <FormField
            id="rule-department"
            label={t("admin.deadlines.department")}
            error={errors.department}
            value={department}
            onValue={setDepartment}
            options={
              <>
                <option value="">{t("admin.deadlines.every_department")}</option>
                {(departments ?? []).map((d) => (
                  <option key={d.code} value={d.code}>
                    {d.code} — {d.name}
                  </option>
                ))}
              </>
            }
          />
          <FormField
            id="rule-kind"
            label={t("admin.deadlines.kind")}
            error={errors.kind}
            value={kind}
            onValue={setKind}
            options={KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`admin.deadlines.kinds.${k}`)}
              </option>
            ))}
          />
          <FormField
            id="rule-level"
            label={t("admin.deadlines.level")}
            error={errors.level}
            value={level}
            onValue={setLevel}
            options={LEVELS.map((l) => (
              <option key={l} value={String(l)}>
                {t(`admin.deadlines.levels.${l}`)}
              </option>
            ))}
          />
        </div>
        <button type="submit" disabled={change.busy}>
          {t("admin.deadlines.add_rule")}
        </button>
        <StatusLine compact text={change.status} />
      </form>
    </section>
  );
}
