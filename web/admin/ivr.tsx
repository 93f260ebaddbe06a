/**
 * The 156 line's IVR menu (issue 18, docs/telephony.md "The IVR"): on or off, when agents answer (always, or the
 * calendar's hours), the options by key (status by protocol, an agent, another language, a message of the city's),
 * and the city's own words for the greeting, the after-hours message and the goodbye in each language.
 */
import { useState } from "preact/hooks";
import { ProblemAlert } from "../ui/components.tsx";
import { useLoad } from "../ui/load.ts";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { FormField } from "./form-field.tsx";
import { RecordedPrompts } from "./ivr-prompts.tsx";
import type { AdminScreenProps } from "./main.tsx";

type Language = "pt-BR" | "en" | "es";
type Localized = Partial<Record<Language, string>>;
type Action = "status" | "agent" | "language" | "message" | "demand" | "auditor_enrol" | "auditor_opt_out";

interface Option {
  key: string;
  action: Action;
  language?: Language;
  label?: Localized;
  message?: Localized;
}

interface Menu {
  enabled: boolean;
  agentHours: "always" | "calendar";
  options: Option[];
  texts: Partial<Record<TextKey, Localized>>;
  updatedAt: string | null;
}

const LANGUAGES: Language[] = ["pt-BR", "en", "es"];
const ACTIONS: Action[] = [
  "status",
  "agent",
  "language",
  "message",
  "demand",
  "auditor_enrol",
  "auditor_opt_out",
];
const KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*"];
const TEXT_KEYS = ["greeting", "after_hours", "goodbye"] as const;
type TextKey = (typeof TEXT_KEYS)[number];

/** Drops empty texts, so that an empty field means the default words; undefined when none is left. */
function cleaned(text: Localized | undefined): Localized | undefined {
  const kept = Object.fromEntries(Object.entries(text ?? {}).filter(([, v]) => v?.trim()));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

/** What is sent: each option with only what its action uses. */
function bodyOf(menu: Menu) {
  // A text given in another language but not in Portuguese is sent as it is: the server names what is missing.
  const texts: Partial<Record<TextKey, Localized>> = {};
  for (const k of TEXT_KEYS) {
    const text = cleaned(menu.texts[k]);
    if (text) texts[k] = text;
  }
  const options = menu.options.map((o) => ({
    key: o.key,
    action: o.action,
    ...(o.action === "language" ? { language: o.language ?? "en" } : {}),
    ...(o.action === "message" ? { label: cleaned(o.label) ?? {}, message: cleaned(o.message) ?? {} } : {}),
  }));
  return { enabled: menu.enabled, agentHours: menu.agentHours, options, texts };
}

/** The IVR section: loads the menu, then its form. */
export function IvrScreen(props: AdminScreenProps) {
  const { t, locale } = props.env;
  const [menu, problem, reload] = useLoad<Menu>("/api/v1/ivr/menu", locale);
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.ivr")}</h1>
      <p class="hint">{t("admin.ivr.intro")}</p>
      {menu ? <MenuForm {...props} menu={menu} onSaved={reload} /> : <ProblemAlert problem={problem} t={t} />}
      {menu ? <RecordedPrompts key={menu.updatedAt ?? ""} {...props} /> : null}
    </section>
  );
}

function LocalizedFields(props: {
  id: string;
  legend: string;
  hint?: string;
  value: Localized | undefined;
  onValue: (value: Localized) => void;
  t: AdminScreenProps["env"]["t"];
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.hint ? <p class="hint">{props.hint}</p> : null}
      {LANGUAGES.map((l) => (
        <FormField
          key={l}
          id={`${props.id}-${l}`}
          label={props.t(`admin.ivr.language.${l}`)}
          value={props.value?.[l] ?? ""}
          onValue={(text) => props.onValue({ ...props.value, [l]: text })}
        />
      ))}
    </fieldset>
  );
}

function MenuForm(props: AdminScreenProps & { menu: Menu; onSaved: () => void }) {
  const { t, locale } = props.env;
  const [menu, setMenu] = useState<Menu>(props.menu);
  const change = useChange();
  const setOption = (i: number, o: Partial<Option>) =>
    setMenu({ ...menu, options: menu.options.map((x, j) => (j === i ? { ...x, ...o } : x)) });
  const free = KEYS.find((k) => !menu.options.some((o) => o.key === k));
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await change.run(() => sendJson("/api/v1/ivr/menu", bodyOf(menu), locale, "PUT"), t("staff.saved")))
      props.onSaved();
  };
  return (
    <form onSubmit={submit}>
      <ProblemAlert problem={change.problem} t={t} />
      <StatusLine text={change.status} />
      <div class="choice">
        <input
          type="checkbox"
          id="ivr-enabled"
          checked={menu.enabled}
          onChange={(e) => setMenu({ ...menu, enabled: e.currentTarget.checked })}
        />
        <label for="ivr-enabled">{t("admin.ivr.enabled")}</label>
      </div>
      <FormField
        id="ivr-agent-hours"
        label={t("admin.ivr.agent_hours")}
        hint={t("admin.ivr.agent_hours_hint")}
        value={menu.agentHours}
        onValue={(v) => setMenu({ ...menu, agentHours: v as Menu["agentHours"] })}
        options={(["calendar", "always"] as const).map((h) => (
          <option key={h} value={h}>
            {t(`admin.ivr.hours.${h}`)}
          </option>
        ))}
      />
      <h2>{t("admin.ivr.options")}</h2>
      {menu.options.map((o, i) => (
        <fieldset key={`${i}-${o.key}`} class="card">
          <legend>{t("admin.ivr.option", { key: o.key })}</legend>
          <div class="row">
            <FormField
              id={`ivr-key-${i}`}
              label={t("admin.ivr.key")}
              value={o.key}
              onValue={(key) => setOption(i, { key })}
              options={KEYS.filter((k) => k === o.key || !menu.options.some((x) => x.key === k)).map((k) => (
                <option key={k} value={k}>
                  {k}
                </option>
              ))}
            />
            <FormField
              id={`ivr-action-${i}`}
              label={t("admin.ivr.action")}
              value={o.action}
              onValue={(action) => setOption(i, { action: action as Action })}
              options={ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {t(`admin.ivr.actions.${a}`)}
                </option>
              ))}
            />
            {o.action === "language" ? (
              <FormField
                id={`ivr-language-${i}`}
                label={t("admin.ivr.speaks")}
                value={o.language ?? "en"}
                onValue={(language) => setOption(i, { language: language as Language })}
                options={LANGUAGES.map((l) => (
                  <option key={l} value={l}>
                    {t(`admin.ivr.language.${l}`)}
                  </option>
                ))}
              />
            ) : null}
          </div>
          {o.action === "message" ? (
            <>
              <LocalizedFields
                id={`ivr-label-${i}`}
                legend={t("admin.ivr.message_label")}
                hint={t("admin.ivr.message_label_hint")}
                value={o.label}
                onValue={(label) => setOption(i, { label })}
                t={t}
              />
              <LocalizedFields
                id={`ivr-message-${i}`}
                legend={t("admin.ivr.message")}
                value={o.message}
                onValue={(message) => setOption(i, { message })}
                t={t}
              />
            </>
          ) : null}
          <button
            type="button"
            onClick={() => setMenu({ ...menu, options: menu.options.filter((_, j) => j !== i) })}
            disabled={menu.options.length === 1}
          >
            {t("admin.ivr.remove", { key: o.key })}
          </button>
        </fieldset>
      ))}
      {free ? (
        <button
          type="button"
          onClick={() => setMenu({ ...menu, options: [...menu.options, { key: free, action: "status" }] })}
        >
          {t("admin.ivr.add")}
        </button>
      ) : null}
      <h2>{t("admin.ivr.texts")}</h2>
      <p class="hint">{t("admin.ivr.texts_hint")}</p>
      {TEXT_KEYS.map((k) => (
        <LocalizedFields
          key={k}
          id={`ivr-text-${k}`}
          legend={t(`admin.ivr.text.${k}`)}
          value={menu.texts[k]}
          onValue={(value) => setMenu({ ...menu, texts: { ...menu.texts, [k]: value } })}
          t={t}
        />
      ))}
      <button type="submit" disabled={change.busy}>
        {t("admin.ivr.save")}
      </button>
    </form>
  );
}
