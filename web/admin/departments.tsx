/** PLACEHOLDER — replaced by the helper that builds this section. */
import type { AdminScreenProps } from "./main.tsx";

export function DepartmentsScreen(props: AdminScreenProps) {
  return <h1 tabIndex={-1}>{props.env.t("admin.sections.departments")}</h1>;
}
