/** The staff account forms of the users section: a new account, and one account's changes, disabling included. */
import { useState } from "preact/hooks";
import { describedBy, Field, ProblemAlert } from "../ui/components.tsx";
import type { Translate } from "../ui/i18n.ts";
import type { StaffEnv } from "../ui/staff.tsx";
import { ConfirmButton, fieldProblem, focusById, StatusLine, sendJson, useChange } from "./b-common.tsx";

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

/** Every staff role, in the order the screens list them. */
export const ROLES = [
  "agent",
  "department_staff",
  "focal_point",
  "supervisor",
  "manager",
  "admin",
  "ombudsman",
];
const DEPARTMENT_ROLES = ["department_staff", "focal_point"];

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
      <Field id={`${prefix}-role`} label={t("admin.users.role")} required requiredText={t("ui.required")}>
        <select
          id={`${prefix}-role`}
          value={props.role}
          required
          onChange={(e) => props.onRole(e.currentTarget.value)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {t(`staff.roles.${r}`)}
            </option>
          ))}
        </select>
      </Field>
      <Field
        id={`${prefix}-department`}
        label={t("admin.users.department")}
        hint={t("admin.users.department_hint")}
        error={departmentError}
        required={DEPARTMENT_ROLES.includes(props.role)}
        requiredText={t("ui.required")}
      >
        <select
          id={`${prefix}-department`}
          value={props.department}
          aria-describedby={describedBy(`${prefix}-department`, "hint", departmentError)}
          aria-invalid={departmentError ? true : undefined}
          onChange={(e) => props.onDepartment(e.currentTarget.value)}
        >
          <option value="">{t("admin.users.no_department")}</option>
          {props.departments.map((d) => (
            <option key={d.code} value={d.code}>
              {d.code} · {d.name}
            </option>
          ))}
        </select>
      </Field>
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
          <Field
            key={name}
            id={`new-user-${name}`}
            label={t(`admin.users.${name}`)}
            hint={name === "password" ? t("admin.users.password_hint") : undefined}
            error={errorOf(name)}
            required
            requiredText={t("ui.required")}
          >
            <input
              id={`new-user-${name}`}
              // The union of three literal types trips Preact's per-type input props; each value is valid.
              type={type as "text"}
              autocomplete={autocomplete}
              required
              value={form[name]}
              aria-describedby={describedBy(
                `new-user-${name}`,
                name === "password" ? "h" : undefined,
                errorOf(name),
              )}
              aria-invalid={errorOf(name) ? true : undefined}
              onInput={set(name)}
            />
          </Field>
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
        <Field id="edit-user-name" label={t("admin.users.name")} required requiredText={t("ui.required")}>
          <input
            type="text"
            id="edit-user-name"
            required
            value={form.name}
            onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
          />
        </Field>
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
        <Field
          id="edit-user-password"
          label={t("admin.users.new_password")}
          hint={t("admin.users.new_password_hint")}
          error={passwordError}
        >
          <input
            id="edit-user-password"
            type="password"
            autocomplete="new-password"
            value={form.password}
            aria-describedby={describedBy("edit-user-password", "h", passwordError)}
            onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
          />
        </Field>
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
            {t("admin.b.close")}
          </button>
        </p>
      </form>
    </section>
  );
}
