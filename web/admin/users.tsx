/**
 * Users and roles: the staff accounts with search and filters, creating one (a department role needs its
 * department: the server says so), editing, disabling and resetting a password, and the table of what each role
 * may do, read from GET /api/v1/roles.
 */
import { useMemo, useState } from "preact/hooks";
import { useAllPages } from "../ui/all-pages.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { FormField, focusById } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";
import { type Role, RolesTable } from "./roles-table.tsx";
import { type Department, EditUser, NewUser, ROLES, type StaffUser } from "./user-forms.tsx";

/** The users and roles section. */
export function UsersScreen(props: AdminScreenProps) {
  const { env } = props;
  const { t, locale } = env;
  // Every page of both lists (their Link rel="next"): a city's staff and departments are read whole.
  const [users, loadProblem, reload] = useAllPages<StaffUser>("/api/v1/staff", locale);
  const [departments] = useAllPages<Department>("/api/v1/departments", locale);
  const [roles] = useLoad<Role[]>("/api/v1/roles", locale);
  const [filters, setFilters] = useState({ q: "", role: "", department: "", active: "" });
  const [editing, setEditing] = useState<number | null>(null);
  const shortcuts = [
    {
      keys: "/",
      label: t("admin.users.shortcut_search"),
      run: () => document.getElementById("users-q")?.focus(),
    },
    {
      keys: "Alt+N",
      label: t("admin.users.shortcut_new"),
      run: () => document.getElementById("new-user-name")?.focus(),
    },
  ];
  useShortcuts(shortcuts);
  const shown = useMemo(() => {
    const q = filters.q.trim().toLowerCase();
    return (users ?? []).filter(
      (u) =>
        (!q || u.name.toLowerCase().includes(q) || u.email.includes(q)) &&
        (!filters.role || u.role === filters.role) &&
        (!filters.department || u.departmentCode === filters.department) &&
        (!filters.active || String(u.active) === filters.active),
    );
  }, [users, filters]);
  const setFilter = (name: keyof typeof filters) => (e: Event) =>
    setFilters({ ...filters, [name]: (e.currentTarget as HTMLInputElement).value });
  const user = users?.find((u) => u.id === editing) ?? null;
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.users")}</h1>
      <ShortcutList t={t} shortcuts={shortcuts} />
      <ProblemAlert problem={loadProblem} t={t} />
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet read by every screen reader we support. */}
      <form
        role="search"
        class="row"
        aria-label={t("admin.users.filters")}
        onSubmit={(e) => e.preventDefault()}
      >
        <FormField id="users-q" label={t("admin.users.search")}>
          {(control) => <input {...control} type="search" value={filters.q} onInput={setFilter("q")} />}
        </FormField>
        <FormField id="users-role" label={t("admin.users.role")}>
          {(control) => (
            <select {...control} value={filters.role} onChange={setFilter("role")}>
              <option value="">{t("admin.users.any")}</option>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`staff.roles.${r}`)}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField id="users-department" label={t("admin.users.department")}>
          {(control) => (
            <select {...control} value={filters.department} onChange={setFilter("department")}>
              <option value="">{t("admin.users.any")}</option>
              {(departments ?? []).map((d) => (
                <option key={d.code} value={d.code}>
                  {d.code} · {d.name}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField id="users-active" label={t("admin.users.state")}>
          {(control) => (
            <select {...control} value={filters.active} onChange={setFilter("active")}>
              <option value="">{t("admin.users.any")}</option>
              <option value="true">{t("admin.users.active")}</option>
              <option value="false">{t("admin.users.disabled")}</option>
            </select>
          )}
        </FormField>
      </form>
      <div class="table-wrap">
        <table class="data">
          <caption>{t("admin.users.list_caption", { count: shown.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.users.name")}</th>
              <th scope="col">{t("admin.users.email")}</th>
              <th scope="col">{t("admin.users.role")}</th>
              <th scope="col">{t("admin.users.department")}</th>
              <th scope="col">{t("admin.users.state")}</th>
              <th scope="col">{t("admin.users.actions_col")}</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((u) => (
              <tr key={u.id}>
                <th scope="row">{u.name}</th>
                <td>{u.email}</td>
                <td>{t(`staff.roles.${u.role}`)}</td>
                <td>{u.departmentCode ?? "—"}</td>
                <td>{u.active ? t("admin.users.active") : t("admin.users.disabled")}</td>
                <td>
                  {/* The platform operator's account is the command line's to change, not the city's. */}
                  {ROLES.includes(u.role) ? (
                    <button
                      type="button"
                      id={`user-edit-${u.id}`}
                      aria-label={t("admin.users.edit_named", { name: u.name })}
                      onClick={() => {
                        setEditing(u.id);
                        queueMicrotask(() => document.getElementById("edit-user-title")?.focus());
                      }}
                    >
                      {t("staff.edit")}
                    </button>
                  ) : (
                    "—"
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {user ? (
        <EditUser
          key={user.id}
          env={env}
          user={user}
          departments={departments ?? []}
          onDone={(text) => {
            reload();
            if (text === null) {
              // "Close" takes the form away: the keyboard goes back to the row's "edit" button.
              setEditing(null);
              focusById(`user-edit-${user.id}`);
            }
          }}
        />
      ) : null}
      <NewUser env={env} departments={departments ?? []} onCreated={reload} />
      <RolesTable t={t} roles={roles ?? []} />
    </section>
  );
}
