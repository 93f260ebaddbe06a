/** A secret (an API key, a webhook's signing secret) shown once, with a copy button. */
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Translate } from "../ui/i18n.ts";

/** A secret shown this once: a warning, the value in a read-only field, a copy button and "done". */
export function SecretOnce(props: {
  t: Translate;
  id: string;
  label: string;
  warning: string;
  value: string;
  onDone: () => void;
  children?: ComponentChildren;
}) {
  const { t } = props;
  const [copied, setCopied] = useState("");
  const input = useRef<HTMLInputElement>(null);
  const box = useRef<HTMLElement>(null);
  useEffect(() => box.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied(t("admin.common.copied"));
    } catch {
      input.current?.select();
      setCopied(t("admin.common.copy_failed"));
    }
  };
  return (
    <section class="card secret" aria-labelledby={`${props.id}-title`} tabIndex={-1} ref={box}>
      <h2 id={`${props.id}-title`}>{props.label}</h2>
      <p class="warn">
        <strong>{t("admin.common.attention")}</strong> {props.warning}
      </p>
      <div class="field">
        <label for={props.id}>{props.label}</label>
        <input
          type="text"
          id={props.id}
          ref={input}
          readOnly
          value={props.value}
          size={60}
          onFocus={() => input.current?.select()}
        />
      </div>
      <p class="row">
        <button type="button" onClick={copy}>
          {t("admin.common.copy")}
        </button>{" "}
        <button type="button" onClick={props.onDone}>
          {t("admin.common.saved_it")}
        </button>
      </p>
      <p role="status">{copied}</p>
      {props.children}
    </section>
  );
}
