/** A value to copy into another system (a redirect URI to register at a provider): read-only, with a copy button. */
import { useRef, useState } from "preact/hooks";
import type { Translate } from "../ui/i18n.ts";

/**
 * A labelled read-only value with a copy button; when the clipboard refuses, the value is selected for Ctrl+C. The
 * outcome is said on a status line of its own.
 */
export function CopyField(props: { t: Translate; id: string; label: string; hint?: string; value: string }) {
  const { t, id } = props;
  const [said, setSaid] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setSaid(t("admin.common.copied"));
    } catch {
      input.current?.focus();
      input.current?.select();
      setSaid(t("admin.common.copy_failed"));
    }
  };
  return (
    <div class="field a-copy">
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <p class="hint" id={`${id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <div class="row">
        <input
          type="text"
          id={id}
          class="grow"
          ref={input}
          readOnly
          value={props.value}
          aria-describedby={props.hint ? `${id}-hint` : undefined}
          onFocus={() => input.current?.select()}
        />
        <button type="button" class="secondary" onClick={copy}>
          {t("admin.common.copy")}
          <span class="visually-hidden"> {props.label}</span>
        </button>
      </div>
      <p role="status" class="a-status">
        {said}
      </p>
    </div>
  );
}
