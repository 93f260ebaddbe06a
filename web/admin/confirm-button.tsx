/** A destructive action behind an inline confirmation. */
import { useEffect, useId, useRef, useState } from "preact/hooks";
import type { Translate } from "../ui/i18n.ts";
import { focusById } from "./form-field.tsx";

/**
 * A destructive action behind an inline confirmation: the first press asks, with the question read out and the
 * focus on "confirm"; Escape or "cancel" backs out. When the action takes the button away (a delete, a revoke),
 * `focusAfter` names the element (the section's heading) that gets the keyboard once `onConfirm`'s promise
 * answers a value other than undefined or false (that is, the action worked).
 */
export function ConfirmButton(props: {
  t: Translate;
  label: string;
  /** Read out after the label only (which row the button acts on). */
  labelDetail?: string;
  question: string;
  confirmLabel?: string;
  disabled?: boolean;
  focusAfter?: string;
  onConfirm: () => unknown;
}) {
  const [asking, setAsking] = useState(false);
  const questionId = useId();
  const confirm = useRef<HTMLButtonElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  // Focus follows the question: onto "confirm" when asked, back to the button (when it is still there) after.
  useEffect(() => {
    if (asking) confirm.current?.focus();
    else if (wasAsking.current) opener.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking)
    return (
      <button type="button" ref={opener} disabled={props.disabled} onClick={() => setAsking(true)}>
        {props.label}
        {props.labelDetail ? <span class="visually-hidden"> {props.labelDetail}</span> : null}
      </button>
    );
  const back = () => setAsking(false);
  const onEscape = (e: KeyboardEvent) => e.key === "Escape" && back();
  return (
    <span class="confirm">
      <span class="warn" id={questionId}>
        {props.question}
      </span>{" "}
      <button
        type="button"
        ref={confirm}
        aria-describedby={questionId}
        onKeyDown={onEscape}
        onClick={() => {
          const result = props.onConfirm();
          back();
          const target = props.focusAfter;
          if (target)
            void Promise.resolve(result).then((ok) => {
              if (ok !== undefined && ok !== false) focusById(target);
            });
        }}
      >
        {props.confirmLabel ?? props.label}
      </button>{" "}
      <button type="button" onKeyDown={onEscape} onClick={back}>
        {props.t("staff.cancel")}
      </button>
    </span>
  );
}
