/** The staff account forms of the users section: a new account, and one account's changes, disabling included. */
import { useState } from "preact/hooks";
import { CITY_ROLES, isDepartmentRole } from "../../domain/staff-roles.ts";
import { ProblemAlert } from "../ui/components.tsx";
import type { Translate } from "../ui/i18n.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { FormField, fieldProblem, focusById } from "./form-field.tsx";

/** A staff account as GET /api/v1/staff lists it. */
export interface StaffUser {
  id: number;
  email: string;
  name: string;
  role: string;
  departmentCode: string | null;
  active: boolean;
  createdAt: string;
}
/** A department to choose. */
export interface Department {
  code: string;
  name: string;
}

/**
 * The roles a city's administration grants, in the order the screens list them: never the platform operator's,
 * which only the command line grants.
 */
export const ROLES: readonly string[] = CITY_ROLES;

function RoleAndDepartment(props: {
  t: Translate;
  prefix: string;
  role: string;
  department: string;
  departments: Department[];
  problem: ReturnType<typeof useChange>["problem"];
  onRole: (v: string) => void;
  onDepartment: (v: string) => void;
}) {
  const { t, prefix } = props;
  const departmentError = fieldProblem(props.problem, "departmentCode", t);
  return (
    <>
      <FormField
        id={`${prefix}-role`}
        label={t("admin.users.role")}
        required
        requiredText={t("ui.required")}
        value={props.role}
        onValue={(text) => props.onRole(text)}
        options={ROLES.map((r) => (
          <option key={r} value={r}>
            {t(`staff.roles.${r}`)}
          </option>
        ))}
      />
      <FormField
        id={`${prefix}-department`}
        label={t("admin.users.department")}
        hint={t("admin.users.department_hint")}
        error={departmentError}
        required={isDepartmentRole(props.role)}
        requiredText={t("ui.required")}
      >
        {(control) => (
          <select
            {...control}
            value={props.department}
            onChange={(e) => props.onDepartment(e.currentTarget.value)}
          >
            <option value="">{t("admin.users.no_department")}</option>
            {props.departments.map((d) => (
              <option key={d.code} value={d.code}>
                {d.code} · {d.name}
              </option>
            ))}
          </select>
        )}
      </FormField>
    </>
  );
}

/** The form that creates an account; a department role needs its department (the server's problem says so). */
export function NewUser(props: { env: StaffEnv; departments: Department[]; onCreated: () => void }) {
  const { t, locale } = props.env;
  const empty = { name: "", email: "", password: "", role: "agent", department: "" };
  const [form, setForm] = useState(empty);
  const change = useChange();
  const set = (name: keyof typeof form) => (e: Event) =>
    setForm({ ...form, [name]: (e.currentTarget as HTMLInputElement).value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const created = await change.run(
      () =>
        sendJson<StaffUser>(
          "/api/v1/staff",
          {
            name: form.name,
            email: form.email,
            password: form.password,
            role: form.role,
            ...(form.department ? { departmentCode: form.department } : {}),
          },
          locale,
        ),
      t("admin.users.created", { name: form.name }),
    );
    if (created) {
      setForm(empty);
      props.onCreated();
    }
  };
  const errorOf = (field: string) => fieldProblem(change.problem, field, t);
  return (
    <section class="card" aria-labelledby="new-user-title">
      <h2 id="new-user-title">{t("admin.users.new")}</h2>
      <ProblemAlert problem={change.problem} t={t} />
      <StatusLine text={change.status} />
      <form onSubmit={submit}>
        {(
          [
            ["name", "text", "name"],
            ["email", "email", "email"],
            ["password", "password", "new-password"],
          ] as const
        ).map(([name, type, autocomplete]) => (
          <FormField
            key={name}
            id={`new-user-${name}`}
            label={t(`admin.users.${name}`)}
            hint={name === "password" ? t("admin.users.password_hint") : undefined}
            error={errorOf(name)}
            required
            requiredText={t("ui.required")}
          >
            {(control) => (
              <input
                {...control}
                // The union of three literal types trips Preact's per-type input props; each value is valid.
                type={type as "text"}
                autocomplete={autocomplete}
                required
                value={form[name]}
                onInput={set(name)}
              />
            )}
          </FormField>
        ))}
        <RoleAndDepartment
          t={t}
          prefix="new-user"
          role={form.role}
          department={form.department}
          departments={props.departments}
          problem={change.problem}
          onRole={(role) => setForm({ ...form, role })}
          onDepartment={(department) => setForm({ ...form, department })}
        />
        <button type="submit" disabled={change.busy}>
          {t("admin.users.create")}
        </button>
      </form>
    </section>
  );
}

/** One account's changes: name, role, department, a password reset, disabling or enabling it. */
export function EditUser(props: {
  env: StaffEnv;
  user: StaffUser;
  departments: Department[];
  onDone: (status: string | null) => void;
}) {
  const { t, locale } = props.env;
  const { user } = props;
  const [form, setForm] = useState({
    name: user.name,
    role: user.role,
    department: user.departmentCode ?? "",
    password: "",
  });
  const change = useChange();
  const patch = (body: Record<string, unknown>, done: string) =>
    change
      .run(() => sendJson(`/api/v1/staff/${user.id}`, body, locale, "PATCH"), done)
      .then((r) => {
        if (r) props.onDone(done);
        return Boolean(r);
      });
  const submit = (e: Event) => {
    e.preventDefault();
    void patch(
      {
        name: form.name,
        role: form.role,
        departmentCode: form.department || null,
        ...(form.password ? { password: form.password } : {}),
      },
      t("staff.saved"),
    ).then(() => setForm((f) => ({ ...f, password: "" })));
  };
  const passwordError = fieldProblem(change.problem, "password", t);
  return (
    <section class="card" aria-labelledby="edit-user-title">
      <h2 id="edit-user-title" tabIndex={-1}>
        {t("admin.users.editing", { name: user.name })}
      </h2>
      <ProblemAlert problem={change.problem} t={t} />
      <StatusLine text={change.status} />
      <p>
        {user.email} · {user.active ? t("admin.users.active") : t("admin.users.disabled")}
      </p>
      <form onSubmit={submit}>
        <FormField
          id="edit-user-name"
          label={t("admin.users.name")}
          required
          requiredText={t("ui.required")}
          value={form.name}
          onValue={(name) => setForm({ ...form, name })}
        />
        <RoleAndDepartment
          t={t}
          prefix="edit-user"
          role={form.role}
          department={form.department}
          departments={props.departments}
          problem={change.problem}
          onRole={(role) => setForm({ ...form, role })}
          onDepartment={(department) => setForm({ ...form, department })}
        />
        <FormField
          id="edit-user-password"
          label={t("admin.users.new_password")}
          hint={t("admin.users.new_password_hint")}
          error={passwordError}
        >
          {(control) => (
            <input
              {...control}
              type="password"
              autocomplete="new-password"
              value={form.password}
              onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
            />
          )}
        </FormField>
        <p class="row">
          <button type="submit" disabled={change.busy}>
            {t("staff.save")}
          </button>{" "}
          {user.active ? (
            <ConfirmButton
              t={t}
              label={t("admin.users.disable")}
              question={t("admin.users.disable_question", { name: user.name })}
              disabled={change.busy}
              focusAfter="edit-user-title"
              onConfirm={() => patch({ active: false }, t("admin.users.disabled_done", { name: user.name }))}
            />
          ) : (
            <button
              type="button"
              disabled={change.busy}
              onClick={() =>
                void patch({ active: true }, t("admin.users.enabled_done", { name: user.name })).then(
                  (ok) => ok && focusById("edit-user-title"),
                )
              }
            >
              {t("admin.users.enable")}
            </button>
          )}{" "}
          <button type="button" onClick={() => props.onDone(null)}>
            {t("admin.common.close")}
          </button>
        </p>
      </form>
    </section>
  );
}
