/**
 * Classification criteria: the thematic managers' rules (phrases, channels, areas → a service, boosting or
 * overriding the text suggester), with a "try a text" box that shows the suggester's ranking for a sentence as
 * citizens and agents will get it.
 */
import { useRef, useState } from "preact/hooks";
import type { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { asProblem, useLoad } from "../ui/load.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { send } from "../ui/staff.tsx";
import { type ClassificationRule, ClassificationRuleForm } from "./classification-rule-form.tsx";
import { TryText } from "./classification-try.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import type { AdminScreenProps } from "./main.tsx";

/** The classification section. */
export function ClassificationScreen(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const [rules, loadProblem, reload] = useLoad<ClassificationRule[]>("/api/v1/classification-rules", locale);
  const [editing, setEditing] = useState<ClassificationRule | null>(null);
  const [formKey, setFormKey] = useState(0);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [status, setStatus] = useState("");
  const tryBox = useRef<HTMLTextAreaElement>(null);

  const edit = (rule: ClassificationRule | null) => {
    setEditing(rule);
    setFormKey((k) => k + 1);
    requestAnimationFrame(() => document.getElementById("cr-service")?.focus());
  };
  const remove = async (rule: ClassificationRule) => {
    setProblem(null);
    try {
      await send(`/api/v1/classification-rules/${rule.id}`, undefined, locale, "DELETE");
      setStatus(t("admin.classification.deleted", { id: rule.id }));
      if (editing?.id === rule.id) edit(null);
      reload();
      return true;
    } catch (e) {
      setProblem(asProblem(e));
      return false;
    }
  };
  const shortcuts = [
    { keys: "Alt+N", label: t("admin.classification.shortcut_new"), run: () => edit(null) },
    { keys: "Alt+T", label: t("admin.classification.shortcut_try"), run: () => tryBox.current?.focus() },
  ];
  useShortcuts(shortcuts);

  return (
    <section>
      <h1 id="classification-title" tabIndex={-1}>
        {t("admin.sections.classification")}
      </h1>
      <p>{t("admin.classification.intro")}</p>
      <ProblemAlert problem={loadProblem ?? problem} t={t} />
      <p role="status">
        {rules ? t("admin.classification.count", { total: rules.length }) : t("ui.loading")}
        {status ? ` ${status}` : ""}
      </p>
      {rules && rules.length > 0 ? (
        <div class="table-wrap">
          <table class="data">
            <caption class="visually-hidden">{t("admin.classification.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.classification.service")}</th>
                <th scope="col">{t("admin.classification.phrases")}</th>
                <th scope="col">{t("admin.classification.where")}</th>
                <th scope="col">{t("admin.classification.effect")}</th>
                <th scope="col">{t("admin.classification.state")}</th>
                <th scope="col">{t("admin.classification.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.id} aria-current={editing?.id === r.id ? "true" : undefined}>
                  <td>
                    {r.service} — {r.serviceName}
                  </td>
                  <td>{r.phrases.join("; ")}</td>
                  <td>
                    {r.channels.length
                      ? r.channels.map((c) => t(`admin.classification.channels.${c}`)).join(", ")
                      : t("admin.classification.every_channel")}
                    {" · "}
                    {r.areas.length ? r.areas.join(", ") : t("admin.classification.whole_city")}
                  </td>
                  <td>
                    {t(`admin.classification.effects.${r.effect}`)} ({r.weight})
                  </td>
                  <td>{r.active ? t("admin.services.active") : t("admin.services.inactive")}</td>
                  <td>
                    <div class="row">
                      <button type="button" class="secondary" onClick={() => edit(r)}>
                        {t("staff.edit")}
                        <span class="visually-hidden"> {t("admin.classification.rule_n", { id: r.id })}</span>
                      </button>
                      <ConfirmButton
                        t={t}
                        label={t("staff.delete")}
                        labelDetail={t("admin.classification.rule_n", { id: r.id })}
                        question={t("admin.classification.delete_question", {
                          rule: t("admin.classification.rule_n", { id: r.id }),
                        })}
                        focusAfter="classification-title"
                        onConfirm={() => remove(r)}
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : rules ? (
        <p>{t("staff.none")}</p>
      ) : null}
      <div class="columns">
        <ClassificationRuleForm
          key={formKey}
          env={props.env}
          rule={editing}
          onSaved={(saved) => {
            setStatus(t("admin.classification.saved", { id: saved.id }));
            setEditing(saved);
            reload();
          }}
          onNew={() => edit(null)}
        />
        <TryText env={props.env} boxRef={tryBox} />
      </div>
      <ShortcutList t={t} shortcuts={shortcuts} />
    </section>
  );
}
