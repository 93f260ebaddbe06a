/** The fake Bot API's check of a message's reply_markup (fake.ts), with Telegram's own error texts. */

/** Telegram's check of a reply_markup; the error text when it would refuse it. */
export function markupProblem(markup: unknown): string | undefined {
  const m = (typeof markup === "string" ? JSON.parse(markup) : markup) as Record<string, unknown>;
  if (Array.isArray(m.inline_keyboard)) {
    for (const button of m.inline_keyboard.flat() as { text?: string; callback_data?: string }[]) {
      if (!button.text) return "Bad Request: text buttons are unallowed in the inline keyboard";
      const bytes = Buffer.byteLength(button.callback_data ?? "", "utf8");
      if (bytes < 1 || bytes > 64) return "Bad Request: BUTTON_DATA_INVALID";
    }
  } else if (Array.isArray(m.keyboard)) {
    if (!(m.keyboard as unknown[]).every(Array.isArray))
      return "Bad Request: keyboard must be an array of arrays";
  } else if (m.remove_keyboard !== true && m.force_reply !== true) {
    return "Bad Request: can't parse reply keyboard markup JSON object";
  }
  return undefined;
}
