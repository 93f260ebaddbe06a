/**
 * The answer templates staff write from (GET /api/v1/answer-templates): the department's answer form and the
 * agents' inbox both offer them, the page's (or the conversation's) language first.
 */

/** An answer template as the API gives it. */
export interface AnswerTemplate {
  id: number;
  service: string | null;
  title: string;
  body: string;
  locale: string;
}

/** A placeholder left in a template's text for the writer to fill ("{data}"). */
export const PLACEHOLDER = /\{[^{}]+\}/;

/** Orders templates: the given language first, then the service's own before the general ones (server order). */
export function sortAnswerTemplates(list: AnswerTemplate[], locale: string): AnswerTemplate[] {
  return [...list].sort((a, b) => Number(b.locale === locale) - Number(a.locale === locale));
}

/** Puts the focus in `textareaId` with its first placeholder selected, so typing replaces it. */
export function selectFirstPlaceholder(textareaId: string): void {
  requestAnimationFrame(() => {
    const area = document.getElementById(textareaId) as HTMLTextAreaElement | null;
    if (!area) return;
    area.focus();
    const match = PLACEHOLDER.exec(area.value);
    if (match) area.setSelectionRange(match.index, match.index + match[0].length);
  });
}
