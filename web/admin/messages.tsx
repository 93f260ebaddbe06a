/**
 * Message templates: pick a template, a channel and a language; the default text is shown, the custom text is
 * edited with the placeholders it may use listed, a live preview renders it with sample values (through the
 * server's renderer), and "reset" deletes the custom text so the default applies again.
 */
import { useEffect, useState } from "preact/hooks";
import type { ApiProblem } from "../ui/api.ts";
import { ProblemAlert } from "../ui/components.tsx";
import { formatWhen } from "../ui/i18n.ts";
import { asProblem, useLoad } from "../ui/load.ts";
import { ShortcutList, useShortcuts } from "../ui/shortcuts.tsx";
import type { StaffEnv } from "../ui/staff.tsx";
import { StatusLine, sendJson, useChange } from "./change.tsx";
import { ConfirmButton } from "./confirm-button.tsx";
import { FormField, fieldProblem } from "./form-field.tsx";
import type { AdminScreenProps } from "./main.tsx";

interface Override {
  channel: string;
  subject: string;
  body: string;
  updatedBy: { id: number; name: string } | null;
  updatedAt: string;
}
interface TemplateEntry {
  template: string;
  locale: string;
  default: { subject: string; body: string };
  placeholders: string[];
  requiredPlaceholders: string[];
  overrides: Override[];
}
interface TemplateList {
  channels: string[];
  limits: { subject: number; body: number; shortBody: number; shortChannels: string[] };
  templates: TemplateEntry[];
}

const LANGS = ["pt-BR", "en", "es"];

/** The message templates section. */
export function MessagesScreen(props: AdminScreenProps) {
  const { env } = props;
  const { t, locale } = env;
  const [list, loadProblem, reload] = useLoad<TemplateList>("/api/v1/message-templates", locale);
  const [pick, setPick] = useState({ template: "demand.received", channel: "email", locale });
  const shortcuts = [
    {
      keys: "Alt+T",
      label: t("admin.messages.shortcut_template"),
      run: () => document.getElementById("pick-template")?.focus(),
    },
    {
      keys: "Alt+E",
      label: t("admin.messages.shortcut_edit"),
      run: () => document.getElementById("override-body")?.focus(),
    },
  ];
  useShortcuts(shortcuts);
  const templates = [...new Set((list?.templates ?? []).map((x) => x.template))];
  const entry = list?.templates.find((x) => x.template === pick.template && x.locale === pick.locale);
  const set = (name: keyof typeof pick) => (e: Event) =>
    setPick({ ...pick, [name]: (e.currentTarget as HTMLSelectElement).value });
  return (
    <section>
      <h1 tabIndex={-1}>{t("admin.sections.messages")}</h1>
      <p>{t("admin.messages.intro")}</p>
      <ShortcutList t={t} shortcuts={shortcuts} />
      <ProblemAlert problem={loadProblem} t={t} />
      <form class="row" aria-label={t("admin.messages.pick")} onSubmit={(e) => e.preventDefault()}>
        <FormField id="pick-template" label={t("admin.messages.template")}>
          {(control) => (
            <select {...control} value={pick.template} onChange={set("template")}>
              {templates.map((x) => (
                <option key={x} value={x}>
                  {t(`admin.messages.templates.${x.replace(".", "_")}`)}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField id="pick-channel" label={t("admin.messages.channel")}>
          {(control) => (
            <select {...control} value={pick.channel} onChange={set("channel")}>
              {(list?.channels ?? []).map((c) => (
                <option key={c} value={c}>
                  {t(`admin.messages.channels.${c === "*" ? "any" : c}`)}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField id="pick-locale" label={t("admin.messages.language")}>
          {(control) => (
            <select {...control} value={pick.locale} onChange={set("locale")}>
              {LANGS.map((l) => (
                <option key={l} value={l}>
                  {t(`admin.messages.languages.${l}`)}
                </option>
              ))}
            </select>
          )}
        </FormField>
      </form>
      {list && entry ? (
        <Editor
          key={`${pick.template}|${pick.channel}|${pick.locale}`}
          env={env}
          entry={entry}
          channel={pick.channel}
          limit={list.limits.shortChannels.includes(pick.channel) ? list.limits.shortBody : list.limits.body}
          onChanged={reload}
        />
      ) : null}
    </section>
  );
}

function Editor(props: {
  env: StaffEnv;
  entry: TemplateEntry;
  channel: string;
  limit: number;
  onChanged: () => void;
}) {
  const { t, locale } = props.env;
  const { entry, channel } = props;
  const own = entry.overrides.find((o) => o.channel === channel);
  const inherited = channel === "*" ? undefined : entry.overrides.find((o) => o.channel === "*");
  const start = own ?? inherited ?? entry.default;
  const [subject, setSubject] = useState(start.subject);
  const [body, setBody] = useState(start.body);
  const [preview, setPreview] = useState<{ subject: string; text: string } | null>(null);
  const [previewProblem, setPreviewProblem] = useState<ApiProblem | null>(null);
  const change = useChange();
  const path = `/api/v1/message-templates/${entry.template}/${channel}/${entry.locale}`;
  // The preview follows the text as it is typed, a moment after the last key.
  useEffect(() => {
    let live = true;
    const timer = setTimeout(() => {
      sendJson<{ subject: string; text: string }>(
        "/api/v1/message-templates/preview",
        { template: entry.template, channel, locale: entry.locale, subject, body },
        locale,
      )
        .then((p) => {
          if (!live) return;
          setPreview(p);
          setPreviewProblem(null);
        })
        .catch((e) => live && setPreviewProblem(asProblem(e)));
    }, 300);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [subject, body, channel, entry.template, entry.locale, locale]);
  const save = async (e: Event) => {
    e.preventDefault();
    if (await change.run(() => sendJson(path, { subject, body }, locale, "PUT"), t("admin.messages.saved")))
      props.onChanged();
  };
  const reset = async () => {
    const done = await change.run(async () => {
      await sendJson(path, undefined, locale, "DELETE");
      // Back to what applies now: the text for any channel, else the default.
      const next = inherited ?? entry.default;
      setSubject(next.subject);
      setBody(next.body);
      return true;
    }, t("admin.messages.reset_done"));
    if (done) props.onChanged();
    return done;
  };
  const subjectError = fieldProblem(change.problem, "subject", t);
  const bodyError = fieldProblem(change.problem, "body", t);
  return (
    <div class="columns">
      <section class="card" aria-labelledby="default-title">
        <h2 id="default-title">{t("admin.messages.default")}</h2>
        <dl>
          <dt>{t("admin.messages.subject")}</dt>
          <dd lang={entry.locale}>{entry.default.subject}</dd>
          <dt>{t("admin.messages.body")}</dt>
          <dd lang={entry.locale} style={{ whiteSpace: "pre-wrap" }}>
            {entry.default.body}
          </dd>
        </dl>
        <h3>{t("admin.messages.placeholders")}</h3>
        <ul>
          {entry.placeholders.map((p) => (
            <li key={p}>
              <code>{`{${p}}`}</code> — {t(`admin.messages.placeholder.${p}`)}
              {entry.requiredPlaceholders.includes(p) ? ` (${t("admin.messages.required_placeholder")})` : ""}
            </li>
          ))}
        </ul>
      </section>
      <section class="card" aria-labelledby="override-title">
        <h2 id="override-title" tabIndex={-1}>
          {t("admin.messages.custom")}
        </h2>
        <p>
          {own
            ? t("admin.messages.has_custom", {
                who: own.updatedBy?.name ?? "—",
                when: formatWhen(own.updatedAt, locale),
              })
            : inherited
              ? t("admin.messages.inherits_any")
              : t("admin.messages.uses_default")}
        </p>
        <ProblemAlert problem={change.problem} t={t} />
        <StatusLine text={change.status} />
        <form onSubmit={save}>
          <FormField
            id="override-subject"
            label={t("admin.messages.subject")}
            hint={t("admin.messages.subject_hint")}
            error={subjectError}
            required
            requiredText={t("ui.required")}
          >
            {(control) => (
              <input
                {...control}
                type="text"
                lang={entry.locale}
                required
                maxLength={200}
                style={{ width: "100%" }}
                value={subject}
                onInput={(e) => setSubject(e.currentTarget.value)}
              />
            )}
          </FormField>
          <FormField
            id="override-body"
            label={t("admin.messages.body")}
            hint={t("admin.messages.body_hint", { length: body.length, max: props.limit })}
            error={bodyError}
            required
            requiredText={t("ui.required")}
          >
            {(control) => (
              <textarea
                {...control}
                lang={entry.locale}
                required
                rows={8}
                style={{ width: "100%" }}
                value={body}
                onInput={(e) => setBody(e.currentTarget.value)}
              />
            )}
          </FormField>
          <p class="row">
            <button type="submit" disabled={change.busy}>
              {t("admin.messages.save")}
            </button>{" "}
            {own ? (
              <ConfirmButton
                t={t}
                label={t("admin.messages.reset")}
                question={t("admin.messages.reset_question")}
                disabled={change.busy}
                focusAfter="override-title"
                onConfirm={() => reset()}
              />
            ) : null}
          </p>
        </form>
      </section>
      <section class="card" aria-labelledby="preview-title">
        <h2 id="preview-title">{t("admin.messages.preview")}</h2>
        <p class="hint">{t("admin.messages.preview_hint")}</p>
        <ProblemAlert problem={previewProblem} t={t} />
        {preview ? (
          <dl>
            <dt>{t("admin.messages.subject")}</dt>
            <dd lang={entry.locale} id="preview-subject">
              {preview.subject}
            </dd>
            <dt>{t("admin.messages.body")}</dt>
            <dd lang={entry.locale} style={{ whiteSpace: "pre-wrap" }} id="preview-text">
              {preview.text}
            </dd>
          </dl>
        ) : null}
      </section>
    </div>
  );
}
