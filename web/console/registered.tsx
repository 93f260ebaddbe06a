/** The protocol of a demand just registered: big, focused, grouped for reading back, with its receipt to print. */
import { useEffect, useRef } from "preact/hooks";
import { inBase } from "../ui/base.ts";
import type { Translate } from "../ui/i18n.ts";
import { type Shortcut, ShortcutList } from "../ui/shortcuts.tsx";

/** What a registration answers, as the console shows it. */
export interface Registered {
  protocol: string;
  secret: string;
  /** The protocol grouped for reading ("2026 0000 1234 7"); phone intake gets it from the server. */
  readBack?: string;
  readBackWords?: string;
  /** The printable receipt (counter intake). */
  receiptUrl?: string;
}

/** Groups a protocol for reading aloud: year, serial in fours, check digit ("2026 0000 1234 7"). */
export function groupProtocol(protocol: string): string {
  const serial = protocol.slice(4, -1).match(/.{1,4}/g) ?? [];
  return [protocol.slice(0, 4), ...serial, protocol.slice(-1)].join(" ");
}

/** Opens the printable receipt in a new window. */
export function printReceipt(done: Registered): void {
  if (done.receiptUrl) open(done.receiptUrl, "_blank", "noopener");
}

/** The registered demand; the focus lands on its protocol so a screen reader reads it at once. */
export function RegisteredView(props: {
  t: Translate;
  done: Registered;
  shortcuts: Shortcut[];
  onNew: () => void;
}) {
  const { t, done } = props;
  const protocolEl = useRef<HTMLParagraphElement>(null);
  useEffect(() => protocolEl.current?.focus(), []);
  return (
    <section class="registered" aria-labelledby="registered-title">
      <ShortcutList t={t} shortcuts={props.shortcuts} />
      <h2 id="registered-title">{t("console.intake.registered")}</h2>
      <p class="protocol big" tabIndex={-1} ref={protocolEl} data-testid="protocol">
        {done.protocol}
      </p>
      <p>
        {t("console.intake.read_back")}{" "}
        <strong data-testid="read-back">{done.readBack ?? groupProtocol(done.protocol)}</strong>
      </p>
      {done.readBackWords ? <p class="hint">{done.readBackWords}</p> : null}
      <p class="row">
        {done.receiptUrl ? (
          <a
            class="button"
            href={inBase(done.receiptUrl)}
            target="_blank"
            rel="noopener"
            data-testid="receipt"
          >
            {t("console.intake.print_receipt")} <kbd>Alt+P</kbd>
          </a>
        ) : null}
        <button type="button" class="secondary" onClick={props.onNew}>
          {t("console.intake.new")} <kbd>Alt+N</kbd>
        </button>
      </p>
    </section>
  );
}
