/**
 * What a citizen actually wrote in an e-mail: the text above the quoted message their mail program appended, without
 * their signature. Replies arrive as "new text + the whole conversation quoted"; fed to the conversation engine as
 * they are, every turn would repeat our own last question back to it. Pure string work, no I/O.
 *
 * Recognised (the forms the mail programs Brazilian citizens use produce, in pt, en and es):
 * - the attribution line before a quote — Gmail's "Em seg., 1 de dez. de 2026 às 10:00, Fulano <x@y> escreveu:",
 *   "On Mon, … wrote:", "El lun, … escribió:", wrapped over up to three lines as Gmail does with long names;
 * - lines quoted with ">" (removed wherever they are, so an inline answer between quotes is kept);
 * - Outlook's "-----Original Message-----" / "-----Mensagem original-----" and its header block
 *   ("De: … / Enviado: … / Para: … / Assunto: …"), with or without the "____" rule above it;
 * - the signature delimiter "-- " (RFC 3676) and the phones' "Enviado do meu iPhone", "Sent from my …",
 *   "Enviado desde mi …", "Obter o Outlook para Android".
 */

// A line that starts an attribution: the word each language's Gmail, Apple Mail or Thunderbird puts first.
const ATTRIBUTION_START = /^\s*(em|on|el|le|am|no dia)\s/i;
// … and the verb it ends with, before the colon.
const ATTRIBUTION_END = /(escreveu|wrote|escribió|escribio|a écrit|schrieb)\s*:\s*$/i;
const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(original message|mensagem original|mensaje original|message d'origine|forwarded message|mensagem encaminhada|mensaje reenviado)\s*-{2,}\s*$/i;
// Outlook's header block: a From line followed, within a few lines, by a Sent/Date line.
const OUTLOOK_FROM = /^\s*\*?(de|from|von)\s*:\*?\s*\S/i;
const OUTLOOK_SENT = /^\s*\*?(enviado|enviada|sent|date|data|fecha|gesendet)\s*:\*?\s*\S/i;
const RULE = /^\s*_{8,}\s*$/;
const SIGNATURE = /^--\s*$/;
const MOBILE_SIGNATURE =
  /^\s*(enviado do meu|enviado de meu|enviado desde mi|sent from my|sent from outlook|get outlook for|obter o outlook|obtenha o outlook|enviado do (yahoo|outlook|email))\b/i;

/** The index of the first line of the quoted part or of the signature, or the number of lines when there is none. */
function endOfOwnText(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (SIGNATURE.test(line) || MOBILE_SIGNATURE.test(line) || ORIGINAL_MESSAGE.test(line)) return i;
    if (ATTRIBUTION_START.test(line)) {
      // Gmail wraps a long attribution ("… Prefeitura de Porto Alegre <\nnao-responda@…> escreveu:").
      let joined = "";
      for (let j = i; j < Math.min(i + 3, lines.length); j++) {
        joined += ` ${lines[j]}`;
        if (ATTRIBUTION_END.test(joined)) return i;
      }
    }
    if (OUTLOOK_FROM.test(line) && lines.slice(i + 1, i + 4).some((next) => OUTLOOK_SENT.test(next))) {
      return i > 0 && RULE.test(lines[i - 1]!) ? i - 1 : i;
    }
    if (RULE.test(line) && OUTLOOK_FROM.test(lines[i + 1] ?? "")) return i;
  }
  return lines.length;
}

/**
 * The citizen's own text of an e-mail body: quoted replies and signature stripped, blank runs collapsed, trimmed.
 * An empty string when nothing of their own is left (a bare forward, a reply with only an attachment).
 */
export function stripReplyText(body: string): string {
  const lines = body.replace(/\r\n?/g, "\n").split("\n");
  const own = lines.slice(0, endOfOwnText(lines)).filter((line) => !/^\s*>/.test(line));
  return own
    .map((line) => line.replace(/\s+$/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
