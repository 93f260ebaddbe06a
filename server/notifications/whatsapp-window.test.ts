/** WHATSAPP_TEMPLATES read strictly; the window's edge; parameters made acceptable to Meta. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeliveryError } from "../../channels/channel.ts";
import { parseConfig } from "../config.ts";
import {
  parseWhatsAppTemplates,
  templateParameter,
  WHATSAPP_WINDOW_MS,
  type WhatsAppTemplates,
  whatsappTemplateFor,
  windowOpen,
} from "./whatsapp-window.ts";

describe("WhatsApp templates and window", () => {
  it("reads the templates' setting and names what is wrong in it", () => {
    assert.deepEqual(
      parseWhatsAppTemplates(`demand.answered=resposta_156:protocol, answer; *=HX${"a".repeat(32)}:text;`),
      {
        templates: {
          "demand.answered": { name: "resposta_156", variables: ["protocol", "answer"] },
          "*": { name: `HX${"a".repeat(32)}`, variables: ["text"] },
        },
      },
    );
    assert.deepEqual(parseWhatsAppTemplates(undefined), { templates: {} });
    assert.deepEqual(parseWhatsAppTemplates("survey.requested=pesquisa"), {
      templates: { "survey.requested": { name: "pesquisa", variables: [] } },
    });
    for (const bad of ["resposta_156", "a=Resposta:x", "a=b:1x", "a=b:c;a=d", "a b=c"]) {
      assert.ok("problem" in parseWhatsAppTemplates(bad), bad);
    }
    // A wrong setting stops the start, naming the variable; a right one reaches the configuration.
    const wrong = parseConfig({ WHATSAPP_TEMPLATES: "resposta_156" });
    assert.ok("problems" in wrong && wrong.problems.some((p) => p.startsWith("WHATSAPP_TEMPLATES")));
    const right = parseConfig({ WHATSAPP_TEMPLATES: "*=aviso_156:protocol,text" });
    assert.ok("config" in right);
    assert.deepEqual(right.config.messaging.whatsappTemplates, {
      "*": { name: "aviso_156", variables: ["protocol", "text"] },
    });
  });

  it("keeps the window open for 24 hours after the citizen's last message", () => {
    const now = new Date("2026-12-05T12:00:00Z");
    assert.equal(windowOpen(null, now), false);
    assert.equal(windowOpen(new Date(now.getTime() - WHATSAPP_WINDOW_MS + 1000), now), true);
    assert.equal(windowOpen(new Date(now.getTime() - WHATSAPP_WINDOW_MS), now), false);
  });

  it("flattens parameters as Meta takes them", () => {
    assert.equal(templateParameter("a\n\nb\t c     d"), "a b c d");
    assert.equal(templateParameter(""), "-");
    assert.equal([...templateParameter("é".repeat(2000))].length, 1024);
  });

  it("gives the template outside the window, nothing inside, and refuses for good without one", () => {
    const templates = { "demand.answered": { name: "resposta_156", variables: ["protocol", "answer"] } };
    const now = new Date("2026-12-05T12:00:00Z");
    const input = {
      key: "demand.answered",
      locale: "es",
      variables: { protocol: "20260000001", answer: "Hecho." },
      now,
    };
    assert.equal(whatsappTemplateFor(templates, { ...input, lastInboundAt: now }), undefined);
    assert.deepEqual(whatsappTemplateFor(templates, { ...input, lastInboundAt: null }), {
      name: "resposta_156",
      language: "es",
      parameters: ["20260000001", "Hecho."],
    });
    const cases: [WhatsAppTemplates | undefined, string][] = [
      [templates, "demand.received"],
      [undefined, "demand.answered"],
      [{ "demand.answered": { name: "x", variables: ["department"] } }, "demand.answered"],
    ];
    for (const [t, key] of cases) {
      assert.throws(
        () => whatsappTemplateFor(t, { ...input, key, lastInboundAt: null }),
        (e: unknown) => e instanceof DeliveryError && !e.temporary,
      );
    }
  });
});
