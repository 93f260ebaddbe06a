/**
 * The extra fields of a service (Open311 attributes): add, remove, move up and down, and edit each one's code,
 * type, whether it is required, its question per language and, for lists, its choices.
 */
import type { Translate } from "../ui/i18n.ts";
import type { Attribute } from "./catalogue.ts";
import { FormField } from "./form-field.tsx";

const DATATYPES: Attribute["datatype"][] = [
  "string",
  "text",
  "number",
  "datetime",
  "singlevaluelist",
  "multivaluelist",
];
const LANGS = ["pt-BR", "en", "es"] as const;

/** Choices written one per line: "key | Nome | Name | Nombre" (the English and Spanish names may be left out). */
export function parseChoices(text: string): Attribute["values"] {
  return text
    .split("\n")
    .map((line) => line.split("|").map((part) => part.trim()))
    .filter((parts) => parts[0])
    .map(([key = "", pt = "", en = "", es = ""]) => ({
      key,
      name: { "pt-BR": pt || key, ...(en ? { en } : {}), ...(es ? { es } : {}) },
    }));
}

/** The choices as the textarea shows them. */
export function formatChoices(values: Attribute["values"]): string {
  return values
    .map((v) =>
      [v.key, v.name["pt-BR"], v.name.en ?? "", v.name.es ?? ""].join(" | ").replace(/( \| )+$/, ""),
    )
    .join("\n");
}

/** The editor of a service's extra fields; `errors` are the server's field problems by path. */
export function AttributesEditor(props: {
  t: Translate;
  attributes: Attribute[];
  errors: Record<string, string>;
  onChange: (attributes: Attribute[]) => void;
}) {
  const { t, attributes, errors } = props;
  const update = (i: number, change: Partial<Attribute>) =>
    props.onChange(attributes.map((a, j) => (j === i ? { ...a, ...change } : a)));
  const move = (i: number, by: number) => {
    const next = [...attributes];
    const [item] = next.splice(i, 1);
    next.splice(i + by, 0, item!);
    props.onChange(next);
    // Keep the keyboard where the moved field went.
    requestAnimationFrame(() => document.getElementById(`attr-${i + by}-code`)?.focus());
  };
  const add = () => {
    props.onChange([
      ...attributes,
      {
        code: "",
        datatype: "string",
        required: false,
        order: attributes.length + 1,
        description: { "pt-BR": "" },
        values: [],
      },
    ]);
    requestAnimationFrame(() => document.getElementById(`attr-${attributes.length}-code`)?.focus());
  };
  return (
    <fieldset>
      <legend>{t("admin.services.fields")}</legend>
      {attributes.length === 0 ? <p>{t("admin.services.no_fields")}</p> : null}
      {attributes.map((a, i) => {
        const base = `attr-${i}`;
        const err = (path: string) => errors[`attributes.${i}.${path}`];
        const other = Object.entries(errors)
          .filter(([k]) => k.startsWith(`attributes.${i}.values`))
          .map(([, v]) => v)[0];
        const isList = a.datatype === "singlevaluelist" || a.datatype === "multivaluelist";
        return (
          <fieldset key={i} class="a-attribute">
            <legend>{t("admin.services.field_n", { n: i + 1, code: a.code || "…" })}</legend>
            <div class="row a-fields">
              <FormField
                id={`${base}-code`}
                label={t("admin.services.field_code")}
                hint={t("admin.services.field_code_hint")}
                error={err("code")}
                value={a.code}
                onValue={(text) => update(i, { code: text.trim() })}
              />
              <FormField id={`${base}-type`} label={t("admin.services.field_type")} error={err("datatype")}>
                {(control) => (
                  <select
                    {...control}
                    value={a.datatype}
                    onChange={(e) =>
                      update(i, { datatype: (e.target as HTMLSelectElement).value as Attribute["datatype"] })
                    }
                  >
                    {DATATYPES.map((d) => (
                      <option key={d} value={d}>
                        {t(`admin.services.datatypes.${d}`)}
                      </option>
                    ))}
                  </select>
                )}
              </FormField>
              <div class="choice">
                <input
                  id={`${base}-required`}
                  type="checkbox"
                  checked={a.required}
                  onChange={(e) => update(i, { required: (e.target as HTMLInputElement).checked })}
                />
                <label for={`${base}-required`}>{t("admin.services.field_required")}</label>
              </div>
            </div>
            {LANGS.map((lang) => {
              const id = `${base}-q-${lang}`;
              const error = err(`description.${lang}`);
              return (
                <FormField key={lang} id={id} label={t(`admin.services.question_${lang}`)} error={error}>
                  {(control) => (
                    <input
                      {...control}
                      type="text"
                      lang={lang}
                      value={a.description[lang] ?? ""}
                      onInput={(e) =>
                        update(i, {
                          description: { ...a.description, [lang]: (e.target as HTMLInputElement).value },
                        })
                      }
                    />
                  )}
                </FormField>
              );
            })}
            {isList ? (
              <FormField
                id={`${base}-values`}
                label={t("admin.services.choices")}
                hint={t("admin.services.choices_hint")}
                error={other}
              >
                {(control) => (
                  <textarea
                    {...control}
                    rows={4}
                    value={formatChoices(a.values)}
                    onChange={(e) =>
                      update(i, { values: parseChoices((e.target as HTMLTextAreaElement).value) })
                    }
                  />
                )}
              </FormField>
            ) : null}
            <div class="row">
              <button type="button" class="secondary" disabled={i === 0} onClick={() => move(i, -1)}>
                {t("admin.services.move_up", { n: i + 1 })}
              </button>
              <button
                type="button"
                class="secondary"
                disabled={i === attributes.length - 1}
                onClick={() => move(i, 1)}
              >
                {t("admin.services.move_down", { n: i + 1 })}
              </button>
              <button
                type="button"
                class="secondary"
                onClick={() => props.onChange(attributes.filter((_, j) => j !== i))}
              >
                {t("admin.services.remove_field", { n: i + 1 })}
              </button>
            </div>
          </fieldset>
        );
      })}
      <button type="button" onClick={add}>
        {t("admin.services.add_field")}
      </button>
    </fieldset>
  );
}
