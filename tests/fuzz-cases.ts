/**
 * The cases of the fuzzer shared by tests/fuzz.test.ts (a few thousand in CI) and bench/fuzz.ts (the long run):
 * request arbitraries generated from the OpenAPI document. tests/fuzz-run.ts sends them and judges the answers.
 */
import fc from "fast-check";
import { openApiDocument } from "../server/http/openapi.ts";

type Schema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: Schema | boolean;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  nullable?: boolean;
  const?: unknown;
};

/** One operation of the OpenAPI document, as the fuzzer needs it. */
export interface Target {
  method: string;
  /** OpenAPI path template: "/api/v1/demands/{protocol}". */
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  body?: { schema: Schema; mediaTypes: string[] };
  /** false: the route takes a staff session (an admin's is sent half of the time). */
  isPublic: boolean;
}

/** Every operation of the served OpenAPI document. */
export function fuzzTargets(): Target[] {
  const doc = openApiDocument() as unknown as {
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  const targets: Target[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const parameters = (op.parameters ?? []) as { name: string; in: string; schema: Schema }[];
      const content = (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)
        ?.content;
      const first = content ? Object.values(content)[0] : undefined;
      targets.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === "path").map((p) => p.name),
        query: parameters.filter((p) => p.in === "query").map((p) => ({ name: p.name, schema: p.schema })),
        ...(content && first ? { body: { schema: first.schema, mediaTypes: Object.keys(content) } } : {}),
        isPublic: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return targets;
}

// Strings that have broken servers: control characters, NUL, lone surrogates, bidi overrides, combining marks,
// emoji sequences, numbers that overflow, SQL and path tricks, encodings of nothing.
const NASTY = [
  "\u0000",
  "a\u0000b",
  "\ud800",
  "x\udfff",
  "\udc00\ud800",
  "\u0001\u0002\u0007\u001b[31m\u007f",
  "\r\n\t\v\f",
  "\u202eevil\u202c",
  "\u200f\u05e9\u05dc\u05d5\u05dd\u200e",
  "e\u0301\u0302\u0303\u0304\u0305\u0306",
  "Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034f\u0334\u0319\u0324",
  "\ud83d\udc69\u200d\ud83d\udc69\u200d\ud83d\udc67\u200d\ud83d\udc66",
  "\ud83c\uddfa\ud83c\uddf3\ud83c\udffb",
  "\ufeff",
  "\uffff\ufffe",
  "' OR 1=1 --",
  "'; DROP TABLE demands; --",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "%00",
  "%",
  "\\",
  "",
  " ",
  "null",
  "NaN",
  "-1",
  "0",
  "1e309",
  "-9223372036854775809",
  "99999999999999999999999999",
  "2147483648",
  "1.5",
  "0x10",
  "2024-02-30T25:61:61Z",
  "1970-01-01T00:00:00Z",
  "275760-09-13T00:00:00.001Z",
  "https://[::1]:99999/x",
  "javascript:alert(1)",
  "a@b",
  "__proto__",
  "constructor",
];

// Any value as text; objects without a prototype (fc.anything makes them) have no toString.
const asText = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? String(v)));

// Any UTF-16 code unit, lone surrogates and controls included.
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/** A hostile string: a known troublemaker, random code units, unicode text, or a huge one. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(1_000, 10_000, 100_000), fc.constantFrom("x", "é", "\ud83d\ude00", "1"))
      .map(([n, c]) => c.repeat(n)),
  },
);

// Values of the wrong type for any field.
const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, [], {}, [null], { "": "" }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.integer({ min: 33, max: 3000 }).map((depth) => nested(depth)),
);

/** An array `depth` levels deep: [[[…]]]. */
export function nested(depth: number): unknown {
  let value: unknown = "x";
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const typeOf = (schema: Schema): string | undefined =>
  Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;

// A plausible value for a schema (what a well-meaning client sends), to get past validation to the code behind.
function validValue(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0)
    return fc.oneof(...alternatives.map((s) => valueFor(s, depth + 1)));
  switch (typeOf(schema)) {
    case "integer": {
      // Near the low end of the range: small ids and counts are the ones that exist.
      const min = Math.max(schema.minimum ?? -5, -5, Number.MIN_SAFE_INTEGER);
      const max = Math.min(schema.maximum ?? min + 50, min + 50);
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case "number": {
      const min = schema.minimum ?? -100;
      const max = schema.maximum ?? Math.max(min, 0) + 100;
      return fc.double({ min, max, noNaN: true });
    }
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return depth > 4
        ? fc.constant([])
        : fc.array(valueFor(schema.items ?? {}, depth + 1), { maxLength: 3 });
    case "object":
      return objectValue(schema, depth);
    case "string":
      return stringValue(schema);
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
  }
}

function stringValue(schema: Schema): fc.Arbitrary<string> {
  switch (schema.format) {
    case "date-time":
      return fc
        .date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
        .map((d) => d.toISOString());
    case "date":
      return fc
        .date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case "email":
      return fc.constantFrom("maria@example.org", "a@b.co", "x+y@example.com");
    case "uri":
    case "url":
      return fc.constantFrom(
        "https://example.org/hook",
        "http://127.0.0.1:9/x",
        "https://a.example/open311/v2/",
      );
  }
  const min = schema.minLength ?? 0;
  const max = Math.max(min, Math.min(schema.maxLength ?? 30, 60));
  // Words this city's data holds, when they fit the schema's lengths.
  const words = ["1", "AMLURB", "buraco", "pt-BR", "web", "2024-01-01", "-23.55", "-46.63"].filter(
    (s) => s.length >= min && s.length <= max,
  );
  const free = fc.string({ minLength: min, maxLength: max });
  return words.length > 0 ? fc.oneof(free, fc.constantFrom(...words)) : free;
}

function objectValue(schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  if (depth > 4 || Object.keys(props).length === 0)
    return fc.dictionary(fc.string({ maxLength: 8 }), valueFor({}, depth + 1), { maxKeys: 3 });
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, propSchema] of Object.entries(props)) record[name] = valueFor(propSchema, depth + 1);
  return fc
    .tuple(
      fc.record(record, { requiredKeys: [...required].filter((k) => k in props) }),
      // Now and then a key nobody declared, with a hostile name.
      fc.option(fc.tuple(nastyString, valueFor({}, depth + 1)), { freq: 8 }),
    )
    .map(([value, extra]) => (extra ? { ...(value as object), [extra[0]]: extra[1] } : value));
}

/** A value for a schema: mostly plausible, sometimes hostile or of the wrong type (field by field). */
export function valueFor(schema: Schema, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 10, arbitrary: validValue(schema, depth) },
    { weight: 2, arbitrary: laced(validValue(schema, depth)) },
    { weight: 1, arbitrary: nastyString },
    { weight: 1, arbitrary: wrongType },
  );
}

/**
 * A plausible value with a character PostgreSQL cannot store slipped in (a string's middle, or a number made text):
 * the value that passes validation and reaches a query, where a merely hostile one is refused first.
 */
export function laced(value: fc.Arbitrary<unknown>): fc.Arbitrary<string> {
  return fc.tuple(value, fc.constantFrom("\u0000", "\ud800", "\udfff"), fc.nat()).map(([v, bad, at]) => {
    const text = asText(v);
    const i = text.length === 0 ? 0 : at % (text.length + 1);
    return `${text.slice(0, i)}${bad}${text.slice(i)}`;
  });
}

/** Percent-encodes a string as UTF-8 the way a browser would, and lone surrogates as the raw bytes a hostile client sends. */
export function encode(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const isHigh = c >= 0xd800 && c <= 0xdbff;
    const next = text.charCodeAt(i + 1);
    if (isHigh && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // WTF-8 bytes of the surrogate: not valid UTF-8.
      out += `%${(0xe0 | (c >> 12)).toString(16)}%${(0x80 | ((c >> 6) & 0x3f)).toString(16)}%${(0x80 | (c & 0x3f)).toString(16)}`;
    } else out += encodeURIComponent(text[i]!);
  }
  return out;
}

// Raw URL pieces no encoder makes: broken escapes, overlong UTF-8, an escaped NUL twice over.
const rawPiece = fc.constantFrom(
  "%",
  "%zz",
  "%E0%A4%A",
  "%C0%80",
  "%ED%A0%80",
  "%2500",
  "%FF%FE",
  "..%2F..%2F",
  "%0d%0a",
);

const plausiblePath = fc.constantFrom(
  "1",
  "2",
  "0",
  "-1",
  "AMLURB",
  "SMSUB",
  "abc",
  "20240000015",
  "2024000001-5",
);
const pathValue = fc.oneof(
  { weight: 4, arbitrary: plausiblePath },
  { weight: 2, arbitrary: laced(plausiblePath).map(encode) },
  { weight: 2, arbitrary: nastyString.filter((s) => s.length <= 2000).map(encode) },
  { weight: 1, arbitrary: rawPiece },
);

/** An in-process request. */
export interface FuzzRequest {
  /** The operation: "GET /api/v1/services/{code}". */
  operation: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  /** Send an admin's session with it. */
  asAdmin: boolean;
}

function pathOf(target: Target): fc.Arbitrary<string> {
  if (target.pathParams.length === 0) return fc.constant(target.path);
  return fc
    .array(pathValue, { minLength: target.pathParams.length, maxLength: target.pathParams.length })
    .chain((values) =>
      // Open311 resources end in their format: "{file}" is "<id>.json"; "{format}" alone is json or xml.
      fc.constantFrom("", ".json", ".xml").map((ext) => {
        let path = target.path;
        for (const [i, name] of target.pathParams.entries()) {
          const value =
            name === "file" ? `${values[i]}${ext}` : name === "format" && ext ? ext.slice(1) : values[i]!;
          path = path.replace(`{${name}}`, value);
        }
        return path;
      }),
    );
}

function queryOf(target: Target): fc.Arbitrary<string> {
  const pair = (name: string, schema: Schema) =>
    fc.oneof(
      { weight: 3, arbitrary: validValue(schema, 0).map((v) => `${encode(name)}=${encode(asText(v))}`) },
      { weight: 2, arbitrary: laced(validValue(schema, 0)).map((v) => `${encode(name)}=${encode(v)}`) },
      {
        weight: 2,
        arbitrary: nastyString.filter((s) => s.length <= 10_000).map((v) => `${encode(name)}=${encode(v)}`),
      },
      { weight: 1, arbitrary: rawPiece.map((v) => `${encode(name)}=${v}`) },
      // Said twice: an array where a string is expected.
      { weight: 1, arbitrary: fc.constant(`${encode(name)}=1&${encode(name)}=2`) },
    );
  const declared = target.query.map((q) => fc.option(pair(q.name, q.schema), { freq: 2, nil: undefined }));
  const extra = fc.option(
    fc
      .tuple(
        nastyString.filter((s) => s.length <= 100),
        nastyString.filter((s) => s.length <= 100),
      )
      .map(([k, v]) => `${encode(k)}=${encode(v)}`),
    { freq: 6, nil: undefined },
  );
  return fc.tuple(fc.tuple(...declared), extra).map(([pairs, more]) => {
    const all = [...pairs, more].filter((p): p is string => p !== undefined);
    return all.length > 0 ? `?${all.join("&")}` : "";
  });
}

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]);

function formOf(value: unknown): string {
  if (value === null || typeof value !== "object") return `value=${encode(asText(value))}`;
  return Object.entries(value)
    .map(([k, v]) => `${encode(k)}=${encode(asText(v))}`)
    .join("&");
}

function multipartOf(value: unknown, boundary: string, filename: string, file: Buffer): Buffer {
  const parts: Buffer[] = [];
  const fields =
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? {
          demand: JSON.stringify(value),
          ...Object.fromEntries(
            Object.entries(value)
              .slice(0, 2)
              .map(([k, v]) => [k, asText(v)]),
          ),
        }
      : { demand: asText(value) };
  for (const [name, text] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${text}\r\n`),
    );
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="photo"; filename="${filename}"\r\nContent-Type: image/jpeg\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return Buffer.concat(parts);
}

// The body of a case: JSON, a form, multipart (well-formed or broken), or a wrong content type, from the schema.
function bodyOf(target: Target): fc.Arbitrary<{ payload?: string | Buffer; contentType?: string }> {
  const value = target.body ? valueFor(target.body.schema) : fc.anything({ maxDepth: 2 });
  const boundary = "fuzzBoundary7MA4YWxk";
  return fc.oneof(
    {
      weight: 5,
      arbitrary: value.map((v) => ({
        payload: JSON.stringify(v) ?? "null",
        contentType: "application/json",
      })),
    },
    {
      weight: 1,
      arbitrary: fc
        .oneof(
          fc.constantFrom(
            "{",
            '{"a":',
            "[1,2",
            '{"a":"\\u0000"}',
            '{"a":"\\ud800"}',
            '"\\udfff"',
            "nul\u0000l",
            "",
            "\ufeff{}",
          ),
          fc.integer({ min: 33, max: 100_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`),
          fc.integer({ min: 33, max: 50_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`),
        )
        .map((payload) => ({ payload, contentType: "application/json" })),
    },
    {
      weight: 2,
      arbitrary: value.map((v) => ({ payload: formOf(v), contentType: "application/x-www-form-urlencoded" })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(value, rawPiece).map(([v, raw]) => ({
        payload: `${formOf(v)}&description=${raw}`,
        contentType: "application/x-www-form-urlencoded",
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          value,
          nastyString.filter((s) => s.length < 300 && !/["\r\n]/.test(s)),
          fc.uint8Array({ maxLength: 64 }),
          fc.constantFrom("whole", "no-boundary", "truncated", "wrong-boundary", "no-crlf"),
        )
        .map(([v, filename, bytes, shape]) => {
          const body = multipartOf(v, boundary, filename, Buffer.concat([JPEG, Buffer.from(bytes)]));
          switch (shape) {
            case "no-boundary":
              return { payload: body, contentType: "multipart/form-data" };
            case "truncated":
              return {
                payload: body.subarray(0, Math.floor(body.length / 2)),
                contentType: `multipart/form-data; boundary=${boundary}`,
              };
            case "wrong-boundary":
              return { payload: body, contentType: "multipart/form-data; boundary=other" };
            case "no-crlf":
              return {
                payload: Buffer.from(body.toString("latin1").replaceAll("\r\n", "\n"), "latin1"),
                contentType: `multipart/form-data; boundary=${boundary}`,
              };
            default:
              return { payload: body, contentType: `multipart/form-data; boundary=${boundary}` };
          }
        }),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          value,
          fc.constantFrom(
            "text/plain",
            "application/xml",
            "application/octet-stream",
            "image/png",
            "application/json; charset=utf-16",
            "",
            "*/*",
          ),
        )
        .map(([v, contentType]) => ({ payload: JSON.stringify(v) ?? "", contentType })),
    },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

/** A request to one target, anonymous or as an admin. */
export function requestFor(target: Target): fc.Arbitrary<FuzzRequest> {
  const hasBody = target.method !== "GET" && target.method !== "DELETE";
  return fc
    .record({
      path: pathOf(target),
      query: queryOf(target),
      body: hasBody ? bodyOf(target) : fc.constant<{ payload?: string | Buffer; contentType?: string }>({}),
      asAdmin: target.isPublic ? fc.boolean() : fc.nat(3).map((n) => n > 0),
      lang: fc.constantFrom("pt-BR", "en", "es", "xx"),
    })
    .map(({ path, query, body, asAdmin, lang }) => ({
      operation: `${target.method} ${target.path}`,
      method: target.method,
      url: `${path}${query}`,
      headers: {
        "accept-language": lang,
        ...(body.contentType !== undefined ? { "content-type": body.contentType } : {}),
      },
      ...(body.payload !== undefined ? { payload: body.payload } : {}),
      asAdmin,
    }));
}

/** A request to any route of the document. */
export function anyRequest(targets: Target[]): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...targets).chain(requestFor);
}
