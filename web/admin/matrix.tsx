/**
 * The responsibility matrix: which department answers a service (or any service) in an area (the whole city, a
 * subprefeitura, a district). Rules are filtered by service and department, created or replaced with PUT, deleted
 * (the server refuses to delete the last fallback and says so), and a "who answers?" tester resolves a service in
 * a place the way intake does.
 */
import { useRef, useState } from "preact/hooks";
import { useAllPages } from "../ui/all-pages.ts";
import type { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { asProblem, useLoad } from "../ui/load.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { send } from "../ui/staff.tsx";
import { type Department, useAreas } from "./city.ts";
import { ConfirmButton } from "./confirm-button.tsx";
import { FormField } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";
import { RuleForm, WhoAnswers } from "./matrix-forms.tsx";
import { UncoveredServices } from "./matrix-uncovered.tsx";

/** A rule of the matrix as GET /api/v1/matrix lists it. */
export interface MatrixRule {
  id: number;
  service: string | null;
  /** The service's name in the page's language (null: any service). */
  serviceName: string | null;
  areaKind: "city" | "subprefeitura" | "district";
  areaCode: string | null;
  department: string;
  /** The point's subprefeitura answers; `department` without a point. */
  toSubprefeitura: boolean;
  /** Who wrote it: an administrator, or the seed's learning (decision 0025). */
  origin: "admin" | "history" | "catalogue" | "subprefeitura_default" | "group_default" | "seed";
  updatedAt: string;
}

const SHOWN = 50;

/** The matrix section. */
export function MatrixScreen(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const [service, setService] = useState("");
  const [department, setDepartment] = useState("");
  const [filter, setFilter] = useState({ service: "", department: "" });
  const [shown, setShown] = useState(SHOWN);
  const query = new URLSearchParams();
  if (filter.service) query.set("service", filter.service);
  if (filter.department) query.set("department", filter.department);
  const [rules, loadProblem, reload] = useLoad<MatrixRule[]>(`/api/v1/matrix?${query}`, locale);
  const [departments] = useAllPages<Department>("/api/v1/departments", locale);
  const areas = useAreas(locale);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [status, setStatus] = useState("");
  // A service picked from the list of services without a rule starts the rule form; saving refreshes the list.
  const [picked, setPicked] = useState("");
  const [version, setVersion] = useState(0);
  const serviceInput = useRef<HTMLInputElement>(null);

  const remove = async (rule: MatrixRule) => {
    setProblem(null);
    setStatus("");
    try {
      await send(`/api/v1/matrix/rules/${rule.id}`, undefined, locale, "DELETE");
      setStatus(t("admin.matrix.deleted"));
      reload();
      return true;
    } catch (e) {
      setProblem(asProblem(e));
      return false;
    }
  };
  const areaName = (r: MatrixRule) => {
    if (r.areaKind === "city") return t("admin.matrix.whole_city");
    const list = r.areaKind === "district" ? areas.districts : areas.subprefeituras;
    const name = list.find((a) => a.code === r.areaCode)?.name ?? r.areaCode;
    return `${t(`admin.matrix.kinds.${r.areaKind}`)}: ${name}`;
  };
  const summary = (r: MatrixRule) =>
    t("admin.matrix.rule_summary", {
      service: r.service ?? t("admin.matrix.any_service"),
      area: areaName(r),
      department: r.department,
    });
  const shortcuts = [
    { keys: "/", label: t("admin.matrix.shortcut_filter"), run: () => serviceInput.current?.focus() },
    {
      keys: "Alt+N",
      label: t("admin.matrix.shortcut_new"),
      run: () => document.getElementById("rule-service")?.focus(),
    },
    {
      keys: "Alt+W",
      label: t("admin.matrix.shortcut_who"),
      run: () => document.getElementById("who-service")?.focus(),
    },
  ];
  useShortcuts(shortcuts);
  const visible = rules?.slice(0, shown) ?? [];

  return (
    <section>
      <h1 id="matrix-title" tabIndex={-1}>
        {t("admin.sections.matrix")}
      </h1>
      <p>{t("admin.matrix.intro")}</p>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet read by every screen reader we support. */}
      <form
        role="search"
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(SHOWN);
          setFilter({ service: service.trim().toUpperCase(), department });
        }}
      >
        <FormField id="matrix-service" label={t("admin.matrix.filter_service")}>
          {(control) => (
            <input
              {...control}
              type="text"
              ref={serviceInput}
              value={service}
              onInput={(e) => setService((e.target as HTMLInputElement).value)}
            />
          )}
        </FormField>
        <FormField
          id="matrix-department"
          label={t("admin.matrix.filter_department")}
          value={department}
          onValue={setDepartment}
          options={
            <>
              <option value="">{t("admin.matrix.any_department")}</option>
              {(departments ?? []).map((d) => (
                <option key={d.code} value={d.code}>
                  {d.code} — {d.name}
                </option>
              ))}
            </>
          }
        />
        <button type="submit">{t("admin.matrix.filter")}</button>
      </form>
      <ProblemAlert problem={loadProblem ?? problem} t={t} />
      <p role="status">
        {rules ? t("admin.matrix.count", { shown: visible.length, total: rules.length }) : t("ui.loading")}
        {status ? ` ${status}` : ""}
      </p>
      {rules && rules.length > 0 ? (
        <div class="table-wrap">
          <table class="data">
            <caption class="visually-hidden">{t("admin.matrix.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.matrix.service")}</th>
                <th scope="col">{t("admin.matrix.area")}</th>
                <th scope="col">{t("admin.matrix.department")}</th>
                <th scope="col">{t("admin.matrix.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {visible.map((r) => (
                <tr key={r.id}>
                  <td>
                    {r.service ? (
                      <>
                        {r.serviceName}
                        <br />
                        <span class="hint">{r.service}</span>
                      </>
                    ) : (
                      t("admin.matrix.any_service")
                    )}
                  </td>
                  <td>{areaName(r)}</td>
                  <td>
                    {r.toSubprefeitura
                      ? t("admin.matrix.point_subprefeitura", { department: r.department })
                      : r.department}
                    <br />
                    <span class="hint">{t(`admin.matrix.origins.${r.origin}`)}</span>
                  </td>
                  <td>
                    <ConfirmButton
                      t={t}
                      label={t("staff.delete")}
                      labelDetail={summary(r)}
                      question={t("admin.matrix.delete_question", { rule: summary(r) })}
                      focusAfter="matrix-title"
                      onConfirm={() => remove(r)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : rules ? (
        <p>{t("staff.none")}</p>
      ) : null}
      {rules && rules.length > shown ? (
        <button type="button" class="secondary" onClick={() => setShown(shown + SHOWN)}>
          {t("admin.matrix.show_more")}
        </button>
      ) : null}
      <div class="columns">
        <RuleForm
          key={picked}
          env={props.env}
          departments={departments ?? []}
          areas={areas}
          initialService={picked}
          onSaved={() => {
            reload();
            setVersion(version + 1);
          }}
        />
        <WhoAnswers env={props.env} areas={areas} />
      </div>
      <UncoveredServices
        {...props}
        version={version}
        onPick={(code) => {
          setPicked(code);
          // The form is rebuilt with the code; focus follows once it is on the page.
          setTimeout(() => document.getElementById("rule-department")?.focus(), 0);
        }}
      />
      <ShortcutList t={t} shortcuts={shortcuts} />
    </section>
  );
}
