/**
 * GeoReport v2 documents in XML: the spec's "Spark convention" read backwards. A document is built once as plain
 * data (what the JSON format sends); in XML a list becomes a wrapper element holding one element per item, named
 * by the spec (`services` → `service`, `attributes` → `attribute` …), null becomes an empty element, booleans
 * `true`/`false`. Always UTF-8 with the XML declaration, as the spec requires.
 */
import { XMLBuilder } from "fast-xml-parser";

/** A value of a GeoReport document: what the JSON format sends. */
export type Value = string | number | boolean | null | undefined | Value[] | { [key: string]: Value };

/** The element name of one item of each list the spec defines (and FixMyStreet's extensions). */
const ITEM_NAMES: Record<string, string> = {
  services: "service",
  attributes: "attribute",
  values: "value",
  groups: "group",
  service_requests: "request",
  service_request_updates: "request_update",
  errors: "error",
  endpoints: "endpoint",
  formats: "format",
};

const builder = new XMLBuilder({
  ignoreAttributes: false,
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
  processEntities: true,
});

type Node = string | { [key: string]: Node | Node[] };

// Turns a JSON-format value into the builder's tree: lists get their item elements, scalars become text.
function toNode(value: Value, key: string): Node | Node[] {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) {
    const item = ITEM_NAMES[key] ?? "item";
    return { [item]: value.map((v) => toNode(v, item) as Node) };
  }
  if (typeof value === "object") {
    const out: { [key: string]: Node | Node[] } = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toNode(v, k);
    }
    return out;
  }
  return String(value);
}

/** The XML text of a document whose root element is `root` and whose content is `body` (a list or an object). */
export function toXml(root: string, body: Value): string {
  const tree = { "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" }, [root]: toNode(body, root) };
  return builder.build(tree) as string;
}
