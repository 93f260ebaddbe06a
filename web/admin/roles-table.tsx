/** The table of what each staff role may do, from GET /api/v1/roles, action names in words. */
import type { Translate } from "../ui/i18n.ts";

/** A role and the actions of the permission table it holds. */
export interface Role {
  role: string;
  actions: string[];
}

/** Which role may do what: one row per action, one column per role, "yes" or "no" in words. */
export function RolesTable(props: { t: Translate; roles: Role[] }) {
  const { t, roles } = props;
  const actions = [...new Set(roles.flatMap((r) => r.actions))];
  return (
    <section aria-labelledby="roles-title">
      <h2 id="roles-title">{t("admin.users.roles_title")}</h2>
      <p>{t("admin.users.roles_intro")}</p>
      <div class="table-wrap">
        <table class="data roles">
          <caption>{t("admin.users.roles_caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("admin.users.action")}</th>
              {roles.map((r) => (
                <th scope="col" key={r.role}>
                  {t(`staff.roles.${r.role}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {actions.map((a) => (
              <tr key={a}>
                <th scope="row">{t(`admin.users.actions.${a}`)}</th>
                {roles.map((r) => (
                  <td key={r.role}>{r.actions.includes(a) ? t("admin.users.yes") : t("admin.users.no")}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
