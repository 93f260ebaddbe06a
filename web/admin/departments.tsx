/**
 * Departments (secretariats, subprefeituras, municipal companies) and their teams: the list, a form that adds a
 * department or changes one (name, kind, subprefeitura, e-mail, active), and the teams of the one being edited.
 */
import { useRef, useState } from "preact/hooks";
import { useAllPages } from "../ui/all-pages.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { type StaffEnv, send } from "../ui/staff.tsx";
import { StatusLine, useChange } from "./change.tsx";
import { type Area, type Department, useAreas } from "./city.ts";
import { FormField, fieldProblems, focusFirstInvalid } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";

const KINDS = ["secretariat", "subprefeitura", "company", "other"] as const;

/** The departments section. */
export function DepartmentsScreen(props: AdminScreenProps) {
  const { t, locale } = props.env;
  // Every page of the list (its Link rel="next"): a city's departments are read whole.
  const [departments, loadProblem, reload] = useAllPages<Department>("/api/v1/departments", locale);
  const { subprefeituras } = useAreas(locale);
  const [editing, setEditing] = useState<string | null>(null);
  const [formKey, setFormKey] = useState(0);
  const [filter, setFilter] = useState("");
  const filterInput = useRef<HTMLInputElement>(null);
  const current = departments?.find((d) => d.code === editing) ?? null;
  const edit = (code: string | null) => {
    setEditing(code);
    setFormKey((k) => k + 1);
    requestAnimationFrame(() => document.getElementById(code ? "dep-name" : "dep-code")?.focus());
  };
  const shortcuts = [
    { keys: "/", label: t("admin.departments.shortcut_filter"), run: () => filterInput.current?.focus() },
    { keys: "Alt+N", label: t("admin.departments.shortcut_new"), run: () => edit(null) },
  ];
  useShortcuts(shortcuts);
  const words = filter.trim().toLowerCase();
  const shown = (departments ?? []).filter(
    (d) => !words || d.code.toLowerCase().includes(words) || d.name.toLowerCase().includes(words),
  );

  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.departments")}</h1>
      <FormField id="dep-filter" label={t("admin.departments.filter")}>
        {(control) => (
          <input
            {...control}
            ref={filterInput}
            type="search"
            value={filter}
            onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
          />
        )}
      </FormField>
      <ProblemAlert problem={loadProblem} t={t} />
      <p role="status">
        {departments
          ? t("admin.departments.count", {
              shown: shown.length,
              total: departments.length,
              count: departments.length,
            })
          : t("ui.loading")}
      </p>
      <div class="columns">
        <div class="table-wrap">
          <table class="data">
            <caption class="visually-hidden">{t("admin.departments.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.departments.code")}</th>
                <th scope="col">{t("admin.departments.name")}</th>
                <th scope="col">{t("admin.departments.kind")}</th>
                <th scope="col">{t("admin.departments.teams")}</th>
                <th scope="col">{t("admin.departments.state")}</th>
                <th scope="col">{t("admin.departments.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((d) => (
                <tr key={d.code} aria-current={editing === d.code ? "true" : undefined}>
                  <td>{d.code}</td>
                  <td>{d.name}</td>
                  <td>{t(`admin.departments.kinds.${d.kind}`)}</td>
                  <td>{d.teams.length}</td>
                  <td>{d.active ? t("admin.services.active") : t("admin.services.inactive")}</td>
                  <td>
                    <button type="button" class="secondary" onClick={() => edit(d.code)}>
                      {t("staff.edit")}
                      <span class="visually-hidden"> {d.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <DepartmentForm
            key={formKey}
            env={props.env}
            department={current}
            subprefeituras={subprefeituras}
            onSaved={(d) => {
              setEditing(d.code);
              reload();
            }}
            onNew={() => edit(null)}
          />
          {current ? <Teams env={props.env} department={current} onAdded={reload} /> : null}
        </div>
      </div>
      <ShortcutList t={t} shortcuts={shortcuts} />
    </section>
  );
}

function DepartmentForm(props: {
  env: StaffEnv;
  department: Department | null;
  subprefeituras: Area[];
  onSaved: (d: Department) => void;
  onNew: () => void;
}) {
  const { t, locale } = props.env;
  const d = props.department;
  const [code, setCode] = useState(d?.code ?? "");
  const [name, setName] = useState(d?.name ?? "");
  const [kind, setKind] = useState<string>(d?.kind ?? "secretariat");
  const [sub, setSub] = useState(d?.subprefeituraCode ?? "");
  const [email, setEmail] = useState(d?.email ?? "");
  const [active, setActive] = useState(d?.active ?? true);
  const [saved, setSaved] = useState<string | null>(d?.code ?? null);
  // One save at a time: a double click must not send the department twice.
  const change = useChange();
  const errors = fieldProblems(change.problem, t);

  const save = async (event: Event) => {
    event.preventDefault();
    if (change.busy) return;
    const body = {
      name,
      kind,
      subprefeituraCode: sub || null,
      email: email.trim() || null,
      active,
    };
    const result = await change.run(async () => {
      const done = saved
        ? await send<Department>(`/api/v1/departments/${encodeURIComponent(saved)}`, body, locale, "PATCH")
        : await send<Department>("/api/v1/departments", { code: code.trim(), ...body }, locale);
      setSaved(done.code);
      props.onSaved(done);
      return done;
    }, t("staff.saved"));
    if (!result) focusFirstInvalid();
  };

  return (
    <form class="card" onSubmit={save} aria-labelledby="dep-title" noValidate>
      <h2 id="dep-title">
        {saved ? t("admin.departments.edit_title", { code: saved }) : t("admin.departments.new_title")}
      </h2>
      <ProblemAlert problem={change.problem} t={t} />
      {saved ? null : (
        <FormField
          id="dep-code"
          label={t("admin.departments.code")}
          hint={t("admin.departments.code_hint")}
          error={errors.code}
          value={code}
          onValue={setCode}
        />
      )}
      <FormField
        id="dep-name"
        label={t("admin.departments.name")}
        error={errors.name}
        value={name}
        onValue={setName}
      />
      <FormField
        id="dep-kind"
        label={t("admin.departments.kind")}
        error={errors.kind}
        value={kind}
        onValue={setKind}
        options={KINDS.map((k) => (
          <option key={k} value={k}>
            {t(`admin.departments.kinds.${k}`)}
          </option>
        ))}
      />
      <FormField
        id="dep-sub"
        label={t("admin.departments.subprefeitura")}
        error={errors.subprefeituraCode}
        value={sub}
        onValue={setSub}
        options={
          <>
            <option value="">{t("admin.departments.no_subprefeitura")}</option>
            {props.subprefeituras.map((s) => (
              <option key={s.code} value={s.code}>
                {s.name} ({s.code})
              </option>
            ))}
          </>
        }
      />
      <FormField
        id="dep-email"
        label={t("admin.departments.email")}
        error={errors.email}
        type="email"
        value={email}
        onValue={setEmail}
      />
      <div class="choice">
        <input
          id="dep-active"
          type="checkbox"
          checked={active}
          onChange={(e) => setActive((e.target as HTMLInputElement).checked)}
        />
        <label for="dep-active">{t("admin.departments.active")}</label>
      </div>
      <div class="row">
        <button type="submit" disabled={change.busy}>
          {saved ? t("staff.save") : t("admin.departments.add")}
        </button>
        {saved ? (
          <button type="button" class="secondary" onClick={props.onNew}>
            {t("admin.departments.new_title")}
          </button>
        ) : null}
      </div>
      <StatusLine compact text={change.status} />
    </form>
  );
}

function Teams(props: { env: StaffEnv; department: Department; onAdded: () => void }) {
  const { t, locale } = props.env;
  const [name, setName] = useState("");
  // One add at a time: a double click must not add the team twice.
  const change = useChange();
  const errors = fieldProblems(change.problem, t);
  const add = async (event: Event) => {
    event.preventDefault();
    await change.run(
      async () => {
        await send(
          `/api/v1/departments/${encodeURIComponent(props.department.code)}/teams`,
          { name },
          locale,
        );
        setName("");
        props.onAdded();
      },
      t("admin.departments.team_added", { name }),
    );
  };
  return (
    <form class="card" onSubmit={add} aria-labelledby="teams-title" noValidate>
      <h2 id="teams-title">{t("admin.departments.teams_of", { name: props.department.name })}</h2>
      {props.department.teams.length ? (
        <ul>
          {props.department.teams.map((team) => (
            <li key={team}>{team}</li>
          ))}
        </ul>
      ) : (
        <p>{t("admin.departments.no_teams")}</p>
      )}
      <ProblemAlert problem={change.problem} t={t} />
      <FormField
        id="team-name"
        label={t("admin.departments.team_name")}
        error={errors.name}
        value={name}
        onValue={setName}
      />
      <button type="submit" disabled={change.busy}>
        {t("admin.departments.add_team")}
      </button>
      <StatusLine compact text={change.status} />
    </form>
  );
}
