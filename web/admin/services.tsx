/**
 * Services and their extra fields: a paged server-side search over the whole catalogue (inactive services too),
 * and the editor of one service or of a new one (a-service-editor.tsx).
 */
import { useRef, useState } from "preact/hooks";
import { useCursorPages } from "../ui/all-pages.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { withLang } from "../ui/i18n.ts";
import { useLoad } from "../ui/load.ts";
import { navigate } from "../ui/router.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import { localized, type ServiceSource } from "./catalogue.ts";
import type { AdminScreenProps } from "./main.tsx";
import { Pager } from "./pager.tsx";
import { ServiceEditor } from "./service-editor.tsx";

const PAGE = 25;

/** The services section: the search, or one service's editor when the path names it ("/novo" for a new one). */
export function ServicesScreen(props: AdminScreenProps) {
  let code = props.rest.slice(1);
  try {
    code = decodeURIComponent(code);
  } catch {
    // A malformed escape ("%E0%A4%A"): the editor asks for the code as written and shows the server's "not found".
  }
  if (code) return <ServiceEditor key={code} env={props.env} code={code === "novo" ? null : code} />;
  return <ServiceSearch {...props} />;
}

function ServiceSearch(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const initial = props.url.searchParams.get("q") ?? "";
  const [q, setQ] = useState(initial);
  const [query, setQuery] = useState(initial);
  const [group, setGroup] = useState("");
  const [groupQuery, setGroupQuery] = useState("");
  const search = useRef<HTMLInputElement>(null);
  const [groups] = useLoad<{ code: string; parent: string | null; name: string }[]>(
    "/api/v1/service-groups",
    locale,
  );
  const params = new URLSearchParams({ limit: String(PAGE) });
  if (query) params.set("q", query);
  if (groupQuery) params.set("group", groupQuery);
  const path = `/api/v1/catalogue/services?${params}`;
  // Paged by the answer's Link rel="next" (decision 0037); the pages seen are the way back.
  const { items, problem, page, hasNext, next, previous } = useCursorPages<ServiceSource>(path, locale);
  const shortcuts = [
    { keys: "/", label: t("admin.services.shortcut_search"), run: () => search.current?.focus() },
    {
      keys: "Alt+N",
      label: t("admin.services.shortcut_new"),
      run: () => navigate(withLang("/admin/servicos/novo", locale)),
    },
  ];
  useShortcuts(shortcuts);
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.services")}</h1>
      <p>
        <a class="button" href={withLang("/admin/servicos/novo", locale)} data-nav>
          {t("admin.services.new")}
        </a>
      </p>
      {/* biome-ignore lint/a11y/useSemanticElements: <search> is not yet read by every screen reader we support. */}
      <form
        role="search"
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
          setGroupQuery(group);
        }}
      >
        <div class="grow field">
          <label for="service-group">{t("admin.services.group_filter")}</label>
          <select
            id="service-group"
            value={group}
            onChange={(e) => setGroup((e.target as HTMLSelectElement).value)}
          >
            <option value="">{t("admin.services.every_group")}</option>
            {(groups ?? [])
              .filter((root) => root.parent === null)
              .flatMap((root) => [root, ...(groups ?? []).filter((g) => g.parent === root.code)])
              .map((g) => (
                <option key={g.code} value={g.code}>
                  {g.parent ? `— ${g.name}` : g.name}
                </option>
              ))}
          </select>
        </div>
        <div class="grow field">
          <label for="service-q">{t("admin.services.search_label")}</label>
          <input
            id="service-q"
            ref={search}
            type="search"
            value={q}
            onInput={(e) => setQ((e.target as HTMLInputElement).value)}
          />
        </div>
        <button type="submit">{t("staff.search")}</button>
      </form>
      <ProblemAlert problem={problem} t={t} />
      <p role="status">
        {items ? t("admin.services.count", { count: items.length, page }) : t("ui.loading")}
      </p>
      {items && items.length > 0 ? (
        <div class="table-wrap">
          <table class="data">
            <caption class="visually-hidden">{t("admin.services.table_caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("admin.services.code")}</th>
                <th scope="col">{t("admin.services.name")}</th>
                <th scope="col">{t("admin.services.group")}</th>
                <th scope="col">{t("admin.services.deadline")}</th>
                <th scope="col">{t("admin.services.state")}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((s) => (
                <tr key={s.code}>
                  <td>
                    <a href={withLang(`/admin/servicos/${encodeURIComponent(s.code)}`, locale)} data-nav>
                      {s.code}
                    </a>
                  </td>
                  <td>{localized(s.name, locale)}</td>
                  <td>{groups?.find((g) => g.code === s.group)?.name ?? s.group}</td>
                  <td>{t(`admin.deadlines.amount_${s.deadline.unit}`, { amount: s.deadline.amount })}</td>
                  <td>{s.active ? t("admin.services.active") : t("admin.services.inactive")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : items ? (
        <p>{t("staff.none")}</p>
      ) : null}
      {items ? (
        <Pager
          t={t}
          page={page}
          pages={hasNext ? page + 1 : page}
          onPage={(to) => (to > page ? next() : previous())}
        />
      ) : null}
      <ShortcutList t={t} shortcuts={shortcuts} />
    </section>
  );
}
