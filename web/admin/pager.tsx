/** Previous and next page of a paged admin list. */
import type { Translate } from "../ui/i18n.ts";

/** Previous and next page of a paged list; nothing when there is one page. */
export function Pager(props: { t: Translate; page: number; pages: number; onPage: (page: number) => void }) {
  const { t, page, pages } = props;
  if (pages <= 1) return null;
  return (
    <nav class="row" aria-label={t("admin.services.pages")}>
      <button type="button" disabled={page <= 1} onClick={() => props.onPage(page - 1)}>
        {t("admin.services.previous")}
      </button>
      <button type="button" disabled={page >= pages} onClick={() => props.onPage(page + 1)}>
        {t("admin.services.next")}
      </button>
    </nav>
  );
}
