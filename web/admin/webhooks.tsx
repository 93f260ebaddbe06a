/** PLACEHOLDER — replaced by the helper that builds this section. */
import type { AdminScreenProps } from "./main.tsx";

export function WebhooksScreen(props: AdminScreenProps) {
  return <h1 tabIndex={-1}>{props.env.t("admin.sections.webhooks")}</h1>;
}
