/**
 * `/acompanhar`, the tracking address printed on receipts and sent in every message since the first release: it
 * leads to the portal's page of the demand (`/demanda/{protocol}`), the one citizen's page there is (decision 0030).
 * The redirect keeps the language; a link's fragment (`#chave=…`, the proof of the messages sent to the demand's
 * own citizen) is kept by the browser across it, and an access code typed in the address (`chave`) becomes that
 * fragment, so it leaves the address the server sees.
 */
import type { FastifyInstance } from "fastify";
import { parseProtocol } from "../../domain/protocol.ts";

/** Where `/acompanhar?protocolo=…&lang=…[&chave=…]` leads: the portal's page of the demand, or its protocol box. */
export function citizenPageOf(query: Record<string, unknown>, locale: string): string {
  const text = (value: unknown) => (typeof value === "string" ? value.trim().slice(0, 200) : "");
  const typed = text(query.protocolo);
  const key = text(query.chave);
  const parsed = parseProtocol(typed);
  // A protocol that does not parse still goes to its page, which says what is wrong with it beside the box.
  const protocol = parsed.ok ? parsed.protocol : typed;
  const path = protocol ? `/demanda/${encodeURIComponent(protocol)}` : "/demanda";
  return `${path}?lang=${encodeURIComponent(locale)}${key && protocol ? `#chave=${encodeURIComponent(key)}` : ""}`;
}

/** Registers GET /acompanhar. */
export function registerTrackPage(app: FastifyInstance): void {
  app.get("/acompanhar", async (req, reply) =>
    reply
      .header("cache-control", "no-store")
      .header("referrer-policy", "no-referrer")
      .redirect(citizenPageOf(req.query as Record<string, unknown>, req.locale), 303),
  );
}
