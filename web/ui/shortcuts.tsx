/** A staff screen's keyboard shortcuts: bound on the whole page, and listed on the screen. */
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Translate } from "./i18n.ts";

/** A keyboard shortcut: its key (as KeyboardEvent.key, with "Alt+" or "Ctrl+" prefixes) and what it does. */
export interface Shortcut {
  keys: string;
  label: string;
  run: () => void;
}

function keyName(event: KeyboardEvent): string {
  const parts = [];
  if (event.ctrlKey) parts.push("Ctrl");
  if (event.altKey) parts.push("Alt");
  parts.push(event.key.length === 1 ? event.key.toUpperCase() : event.key);
  return parts.join("+");
}

/**
 * Binds shortcuts on the whole page. Plain keys (no Alt/Ctrl) are ignored while typing in a field, so they never
 * eat a letter; Alt and Ctrl combinations and function keys work everywhere.
 */
export function useShortcuts(shortcuts: Shortcut[]): void {
  const current = useRef(shortcuts);
  current.current = shortcuts;
  // Bound before the screen is painted: a key pressed as soon as the screen shows is not lost.
  useLayoutEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const name = keyName(event);
      const target = event.target as HTMLElement | null;
      const typing =
        target !== null && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
      const plain = !event.ctrlKey && !event.altKey && !/^F\d+$/.test(event.key) && event.key !== "Escape";
      if (typing && plain) return;
      // A held key repeats: a shortcut runs once per press (holding Alt+N must not take several demands).
      if (event.repeat) {
        if (current.current.some((s) => s.keys.toUpperCase() === name.toUpperCase())) event.preventDefault();
        return;
      }
      const hit = current.current.find((s) => s.keys.toUpperCase() === name.toUpperCase());
      if (!hit) return;
      event.preventDefault();
      hit.run();
    };
    addEventListener("keydown", onKey);
    return () => removeEventListener("keydown", onKey);
  }, []);
}

/** The shortcuts of a screen, shown on it (not hidden behind a help key). */
export function ShortcutList(props: { t: Translate; shortcuts: Shortcut[] }) {
  if (props.shortcuts.length === 0) return null;
  return (
    <aside class="shortcuts" aria-labelledby="shortcuts-title">
      <h2 id="shortcuts-title">{props.t("staff.shortcuts")}</h2>
      <dl>
        {props.shortcuts.map((s) => (
          <div key={s.keys}>
            <dt>
              <kbd>{s.keys}</kbd>
            </dt>
            <dd>{s.label}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}
