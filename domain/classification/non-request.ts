/**
 * Messages that ask for no service: praise, thanks, spam, a test, a question for information ("qual o horário da
 * subprefeitura?"). About 5% of what reaches a 156 channel; the suggester answers them with an empty list. Small,
 * general patterns of the three languages, read on the folded text (no accents, lower case): a message is a
 * non-request only when a pattern holds and no complaint word does ("parabéns, mas o buraco voltou" is a request).
 */
import { fold } from "./text.ts";

// Advertising and scams: links, "ganhe dinheiro", "chama no zap". None of these names a city service.
const SPAM =
  /\b(https?|www|clique (aqui|no link)|clica no link|acesse o link|ganhe|ganha dinheiro|renda extra|chama no (zap|whats|whatsapp)|me chama no|bitcoin|criptomoeda|emprestimo consignado|click here|free money|gana dinero|haga clic)\b/;

// Offers: advertising too, unless the message also complains ("a loja da promoção põe som alto na calçada").
const OFFER = /\b(promocao|promocoes|oferta|ofertas|sorteio|desconto|descontos|seguidores|promo)\b/;

// Praise and thanks for work done. "obrigado" alone is not enough: requests often end with it.
const PRAISE =
  /\b(parabens|parabenizar|elogi\w*|agradec\w*|ficou (otimo|otima|excelente|perfeito|perfeita|muito bom|muito boa|lindo|linda)|(otimo|excelente) (trabalho|atendimento|servico)|congratulations|great job|well done|thank you for|felicitaciones|felicidades|buen trabajo)\b/;

// A test message: nothing but these words.
const TEST =
  /^((teste|testando|test|testing|prueba|probando|ok|okay|oi|ola|hello|hi|hola|alo|abc|asdf|\d+) ?)+$/;

// A question for information about the city, not for a service ("quem é o prefeito?", "qual o telefone da…").
const INFORMATION =
  /^(quem (e|eh|foi|sao) |qual (e )?(o|a) (horario|telefone|endereco|email|e mail|site|numero|nome)|quais (sao )?(os|as) (horarios|telefones)|que horas (abre|fecha)|onde fica (o|a) (subprefeitura|prefeitura|sede)|who is the|what time does|quien es el|a que hora abre)\b/;

// Words of a complaint or a request: any of them makes the message a request whatever else it says.
const COMPLAINT =
  /\b(nao|nunca|ainda|continua|continuam|de novo|dnv|voltou|voltaram|mas|porem|so que|problema|problemas|reclam\w*|denunc\w*|solicit\w*|pedido|protocolo|urgente|cade|quando|perigo\w*|risco|ninguem|nada|nenhum|nenhuma|falta|precis\w*|por favor|pfv|but|still|again|not|pero|todavia|sigue|otra vez)\b/;

/** True when a message asks for no service: praise, spam, a test or a question for information. */
export function isNonRequest(text: string): boolean {
  const folded = fold(text);
  if (!folded) return true;
  if (TEST.test(folded)) return true;
  if (SPAM.test(folded)) return true;
  if (COMPLAINT.test(folded)) return false;
  if (OFFER.test(folded) || PRAISE.test(folded)) return true;
  // A question for information is short: a long message that starts with "quem é…" is telling a story.
  return INFORMATION.test(folded) && folded.split(" ").length <= 12;
}
