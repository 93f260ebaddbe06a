/** A service's extra field rendered from its Open311 attribute definition (domain/attributes.ts). */
import { describedBy, Field } from "../ui/components.tsx";

/** An attribute as GET /api/v1/services/:code presents it, in the page's language. */
export interface AttributeView {
  code: string;
  datatype: "string" | "number" | "datetime" | "text" | "singlevaluelist" | "multivaluelist";
  required: boolean;
  description: string;
  values: { key: string; name: string }[];
}

type Value = string | number | string[] | undefined;

/** One extra field: text, number, date-time, a single choice (select) or several (checkboxes). */
export function AttributeField(props: {
  attribute: AttributeView;
  value: Value;
  requiredText: string;
  /** What is wrong with the answer, shown under the field. */
  error?: string | undefined;
  onChange: (value: string | number | string[]) => void;
}) {
  const a = props.attribute;
  const id = `attr-${a.code}`;
  const text = (e: Event) => (e.target as HTMLInputElement).value;
  // Each control says whether it is wrong and where the message is.
  const invalid = {
    "aria-invalid": props.error !== undefined,
    "aria-describedby": describedBy(id, undefined, props.error),
  };
  if (a.datatype === "multivaluelist") {
    const chosen = Array.isArray(props.value) ? props.value : [];
    return (
      <fieldset>
        <legend>
          {a.description}
          {a.required ? <span class="required"> ({props.requiredText})</span> : null}
        </legend>
        {a.values.map((v, i) => (
          <label class="choice" key={v.key}>
            <input
              // The first box carries the field's id: the error summary's link and the focus land on it.
              id={i === 0 ? id : undefined}
              {...(i === 0 ? invalid : {})}
              type="checkbox"
              checked={chosen.includes(v.key)}
              onChange={(e) =>
                props.onChange(
                  (e.target as HTMLInputElement).checked
                    ? [...chosen, v.key]
                    : chosen.filter((k) => k !== v.key),
                )
              }
            />
            {v.name}
          </label>
        ))}
        {props.error ? (
          <p class="field-error" id={`${id}-error`}>
            {props.error}
          </p>
        ) : null}
      </fieldset>
    );
  }
  let input = (
    <input
      id={id}
      {...invalid}
      type="text"
      required={a.required}
      value={String(props.value ?? "")}
      onInput={(e) => props.onChange(text(e))}
    />
  );
  if (a.datatype === "text")
    input = (
      <textarea
        id={id}
        {...invalid}
        required={a.required}
        value={String(props.value ?? "")}
        onInput={(e) => props.onChange(text(e))}
      />
    );
  if (a.datatype === "number")
    input = (
      <input
        id={id}
        {...invalid}
        type="number"
        inputMode="decimal"
        required={a.required}
        value={props.value === undefined ? "" : String(props.value)}
        onInput={(e) => props.onChange(text(e) === "" ? "" : Number(text(e)))}
      />
    );
  if (a.datatype === "datetime")
    input = (
      <input
        id={id}
        {...invalid}
        type="datetime-local"
        required={a.required}
        value={String(props.value ?? "")}
        onInput={(e) => props.onChange(text(e))}
      />
    );
  if (a.datatype === "singlevaluelist")
    input = (
      <select
        id={id}
        {...invalid}
        required={a.required}
        value={String(props.value ?? "")}
        onChange={(e) => props.onChange(text(e))}
      >
        <option value="">—</option>
        {a.values.map((v) => (
          <option key={v.key} value={v.key}>
            {v.name}
          </option>
        ))}
      </select>
    );
  return (
    <Field
      id={id}
      label={a.description}
      required={a.required}
      requiredText={props.requiredText}
      error={props.error}
    >
      {input}
    </Field>
  );
}
