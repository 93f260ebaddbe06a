/** The department filter of supervisors (who see every department's orders), on the list and on the map. */
import type { Translate } from "../ui/i18n.ts";

export function DepartmentFilter(props: {
  id: string;
  t: Translate;
  value: string;
  departments: { code: string; name: string }[];
  onChange: (code: string) => void;
}) {
  const { t } = props;
  return (
    <div class="field">
      <label for={props.id}>{t("backoffice.filters.department")}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{t("backoffice.filters.any_department")}</option>
        {props.departments.map((d) => (
          <option key={d.code} value={d.code}>
            {d.name}
          </option>
        ))}
      </select>
    </div>
  );
}
