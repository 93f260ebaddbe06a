/**
 * One form field of the admin screens: its label (marked when required), a hint, the control, and the server's
 * problem for it, with the control's id, aria-describedby and aria-invalid wired to them. The server's field
 * problems in words, and where the keyboard goes after a refused save.
 */
import type { ComponentChildren } from "preact";
import type { ApiProblem } from "../ui/api.ts";
import type { Translate } from "../ui/i18n.ts";

/** What a field gives its control to spread: its id, and the hint and error that describe it. */
export interface ControlAttributes {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: true;
}

/**
 * A labelled field. A plain input is given by its `value` and `onValue` (and `type`, "text" unless said), a plain
 * select by those and its `options`; any other control is rendered by `children` with the attributes to spread on
 * it: `<FormField id="x" label={…} error={…}>{(c) => <textarea {...c} rows={4} value={…} />}</FormField>`.
 */
export function FormField(props: {
  id: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  /** The label says the field is required (the control keeps its own `required`). */
  required?: boolean;
  /** The words of that mark ("obrigatório"). */
  requiredText?: string;
  /** Ids of text outside the field that describes it too (a fieldset's shared hint), read first. */
  alsoDescribedBy?: string;
  /** The plain input's type, value and what to do with a new value (its `required` is the field's). */
  type?: "text" | "number" | "email" | "url" | "date" | "time";
  value?: string | number;
  onValue?: (value: string) => void;
  /** The `<option>`s of a plain select (the field is then a select, not an input). */
  options?: ComponentChildren;
  children?: (control: ControlAttributes) => ComponentChildren;
}) {
  const { id, hint, error } = props;
  const describedBy = [props.alsoDescribedBy ?? "", hint ? `${id}-hint` : "", error ? `${id}-error` : ""]
    .filter(Boolean)
    .join(" ");
  const control: ControlAttributes = { id };
  if (describedBy) control["aria-describedby"] = describedBy;
  if (error) control["aria-invalid"] = true;
  return (
    <div class="field">
      <label for={id}>
        {props.label}
        {props.required ? <span class="required"> ({props.requiredText ?? "*"})</span> : null}
      </label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {props.children ? (
        props.children(control)
      ) : props.options !== undefined ? (
        <select
          {...control}
          required={props.required}
          value={props.value}
          onChange={(e) => props.onValue?.(e.currentTarget.value)}
        >
          {props.options}
        </select>
      ) : (
        <input
          {...control}
          // Preact types each input type apart; the ones a field takes share every attribute written here.
          type={(props.type ?? "text") as "text"}
          required={props.required}
          value={props.value}
          onInput={(e) => props.onValue?.(e.currentTarget.value)}
        />
      )}
      <FieldError id={id} text={error} />
    </div>
  );
}

/** An error beside one field (or a group's legend), with the id its control names in aria-describedby. */
export function FieldError(props: { id: string; text: string | undefined }) {
  if (!props.text) return null;
  return (
    <p class="field-error" id={`${props.id}-error`}>
      {props.text}
    </p>
  );
}

/**
 * The server's field problems by field path ("name.pt-BR", "attributes.0.code"), in words: the problem's own
 * code when it names a domain rule (unknown_group), else the validator's code (too_small, invalid_format …).
 */
export function fieldProblems(problem: ApiProblem | null, t: Translate): Record<string, string> {
  const out: Record<string, string> = {};
  if (!problem) return out;
  for (const f of problem.fields) {
    const key = `admin.services.problems.${f.code}`;
    const text = t(key);
    out[f.field] = text === key ? t("admin.services.problems.other") : text;
  }
  return out;
}

/** The server's words for one field of a problem, if it named that field. */
export function fieldProblem(problem: ApiProblem | null, field: string, t: Translate): string | undefined {
  const hit = problem?.fields.find((f) => f.field === field);
  if (!hit) return undefined;
  const detail = (hit as { detail?: string }).detail;
  return detail || t("admin.common.invalid_field");
}

/** After a refused save, puts the keyboard on the first field the server named (the alert is read out too). */
export function focusFirstInvalid(): void {
  requestAnimationFrame(() => document.querySelector<HTMLElement>('main [aria-invalid="true"]')?.focus());
}

/** Puts the keyboard on the element with `id` (a heading with tabIndex -1) once the page has drawn. */
export function focusById(id: string): void {
  requestAnimationFrame(() => document.getElementById(id)?.focus());
}
