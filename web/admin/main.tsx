/**
 * The administration: the catalogue and its extra fields, deadlines and alarm rules, the responsibility matrix,
 * classification criteria, departments, staff and roles, the business calendar, message templates, API keys,
 * webhooks, the city's branding, its sign-in and messaging providers, the field questionnaires; and, for the
 * install's platform operator, its cities (tenants). One entry; each section is its own module.
 */
import "../ui/base.css";
import "./admin.css";
import { render } from "preact";
import { readBoot } from "../ui/boot.ts";
import { translator, withLang } from "../ui/i18n.ts";
import { useLocation } from "../ui/router.ts";
import { type StaffEnv, StaffRoot } from "../ui/staff.tsx";
import { ApiKeysScreen } from "./api-keys.tsx";
import { BrandingScreen } from "./branding.tsx";
import { CalendarScreen } from "./calendar.tsx";
import { ClassificationScreen } from "./classification.tsx";
import { DeadlinesScreen } from "./deadlines.tsx";
import { DepartmentsScreen } from "./departments.tsx";
import { IvrScreen } from "./ivr.tsx";
import { MatrixScreen } from "./matrix.tsx";
import { MessagesScreen } from "./messages.tsx";
import { MessagingScreen } from "./messaging.tsx";
import { PlatformScreen } from "./platform.tsx";
import { QuestionnairesScreen } from "./questionnaires.tsx";
import { ServicesScreen } from "./services.tsx";
import { SignInScreen } from "./sign-in.tsx";
import { UsersScreen } from "./users.tsx";
import { WebhooksScreen } from "./webhooks.tsx";

const boot = readBoot();
const t = translator(boot.messages, boot.locale);

/** A section: its path under /admin, the action that lets a role edit it, and its screen. */
export interface AdminScreenProps {
  env: StaffEnv;
  /** The path after the section's own (e.g. "/SP-123" under /admin/servicos/SP-123), "" for the section itself. */
  rest: string;
  url: URL;
}
const SECTIONS: {
  slug: string;
  key: string;
  needs: string;
  /** The key of its name (and `<key>_hint`) when not `admin.sections.<key>`: a section with its own namespace. */
  names?: string;
  Screen: (p: AdminScreenProps) => preact.JSX.Element;
}[] = [
  { slug: "servicos", key: "services", needs: "catalogue.manage", Screen: ServicesScreen },
  { slug: "prazos", key: "deadlines", needs: "alarm_rules.manage", Screen: DeadlinesScreen },
  { slug: "matriz", key: "matrix", needs: "matrix.manage", Screen: MatrixScreen },
  {
    slug: "classificacao",
    key: "classification",
    needs: "classification.manage",
    Screen: ClassificationScreen,
  },
  { slug: "departamentos", key: "departments", needs: "departments.manage", Screen: DepartmentsScreen },
  { slug: "usuarios", key: "users", needs: "staff.manage", Screen: UsersScreen },
  { slug: "calendario", key: "calendar", needs: "calendar.manage", Screen: CalendarScreen },
  { slug: "ura", key: "ivr", needs: "ivr.manage", Screen: IvrScreen },
  { slug: "mensagens", key: "messages", needs: "message_templates.manage", Screen: MessagesScreen },
  {
    slug: "questionarios",
    key: "questionnaires",
    needs: "questionnaires.manage",
    names: "admin.questionnaires.section",
    Screen: QuestionnairesScreen,
  },
  { slug: "chaves-api", key: "api_keys", needs: "api_clients.manage", Screen: ApiKeysScreen },
  { slug: "webhooks", key: "webhooks", needs: "webhooks.manage", Screen: WebhooksScreen },
  { slug: "identidade", key: "branding", needs: "branding.manage", Screen: BrandingScreen },
  { slug: "acesso", key: "sign_in", needs: "sign_in.manage", Screen: SignInScreen },
  { slug: "mensageria", key: "messaging", needs: "messaging.manage", Screen: MessagingScreen },
  { slug: "cidades", key: "platform", needs: "platform.tenants.manage", Screen: PlatformScreen },
];

/** The key of a section's name in the locales. */
const nameOf = (s: (typeof SECTIONS)[number]) => s.names ?? `admin.sections.${s.key}`;

function Overview(props: { env: StaffEnv; sections: typeof SECTIONS }) {
  const { t, locale } = props.env;
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.site_name")}</h1>
      <ul class="admin-overview">
        {props.sections.map((s) => (
          <li key={s.slug}>
            <a href={withLang(`/admin/${s.slug}`, locale)} data-nav>
              {t(nameOf(s))}
            </a>
            <p>{t(`${nameOf(s)}_hint`)}</p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function App() {
  const url = useLocation();
  const path = url.pathname;
  const query = new URLSearchParams(url.search);
  query.delete("lang");
  const search = query.toString() ? `?${query}` : "";
  const mine = (env: StaffEnv) => SECTIONS.filter((s) => env.can(s.needs));
  return (
    <StaffRoot
      boot={boot}
      t={t}
      app="admin"
      path={path + search}
      sections={(env) => mine(env).map((s) => ({ href: `/admin/${s.slug}`, label: t(nameOf(s)) }))}
      screen={(env) => {
        const [, , slug = "", ...rest] = path.split("/");
        const section = mine(env).find((s) => s.slug === slug);
        if (!section) return <Overview env={env} sections={mine(env)} />;
        const restPath = rest.length ? `/${rest.join("/")}` : "";
        return <section.Screen key={section.slug} env={env} rest={restPath} url={url} />;
      }}
    />
  );
}

const root = document.getElementById("app")!;
root.textContent = "";
render(<App />, root);
