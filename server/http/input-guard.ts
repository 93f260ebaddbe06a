/**
 * The guard at the HTTP edge against input PostgreSQL cannot store: a NUL character (text and jsonb refuse it) or a
 * lone UTF-16 surrogate (jsonb refuses its escape; text would silently get U+FFFD), anywhere in the path, the
 * query, a JSON or form body or a multipart field, and values nested deeper than any of our inputs. Each is
 * refused with a 400 problem naming the field ("description", "query.service_code", "path.id") before any handler,
 * so no such value ever reaches a query and answers 500. Malformed multipart bodies are refused here as well.
 */
import type { Multipart } from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError, type FieldProblem, invalidInput } from "../errors.ts";

/** Deepest nesting of objects and arrays a body may have: our deepest input (questionnaire answers) needs 4. */
export const MAX_DEPTH = 32;

// NUL, or a surrogate half without its partner (written as a string: a NUL in a regex literal reads as a mistake).
const UNSTORABLE_SOURCE =
  "\\u0000|[\\ud800-\\udbff](?![\\udc00-\\udfff])|(?<![\\ud800-\\udbff])[\\udc00-\\udfff]";
const UNSTORABLE = new RegExp(UNSTORABLE_SOURCE);

/** True when PostgreSQL text and jsonb can hold `text` as it is. */
export function isStorable(text: string): boolean {
  return !UNSTORABLE.test(text);
}

// A field name fit to be echoed back in a problem (its own bad characters replaced).
const shown = (name: string) => name.replace(new RegExp(UNSTORABLE_SOURCE, "g"), "\ufffd");

/**
 * The first problem in a parsed value (strings, object keys, nesting), named by its dotted path under `prefix`
 * ("" for a body); undefined when the value is fine. The path is built only for a problem (a tablet's day is
 * thousands of values); recursion stops at MAX_DEPTH, so no nesting overflows the stack.
 */
export function findUnstorable(value: unknown, prefix = ""): FieldProblem | undefined {
  const keys: string[] = prefix ? [prefix] : [];
  const problem = (code: string): FieldProblem => ({ field: shown(keys.join(".") || "(body)"), code });
  const walk = (item: unknown, depth: number): FieldProblem | undefined => {
    if (typeof item === "string") return isStorable(item) ? undefined : problem("invalid_characters");
    if (item === null || typeof item !== "object") return undefined;
    if (depth >= MAX_DEPTH) return problem("too_deep");
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) {
        keys.push(String(i));
        const found = walk(item[i], depth + 1);
        if (found) return found;
        keys.pop();
      }
      return undefined;
    }
    for (const key in item) {
      if (!Object.hasOwn(item, key)) continue;
      keys.push(key);
      if (!isStorable(key)) return problem("invalid_characters");
      const found = walk((item as Record<string, unknown>)[key], depth + 1);
      if (found) return found;
      keys.pop();
    }
    return undefined;
  };
  return walk(value, 0);
}

/** Throws the 400 problem of `findUnstorable`, if any. */
export function refuseUnstorable(value: unknown, prefix = ""): void {
  const problem = findUnstorable(value, prefix);
  if (problem) throw invalidInput([problem]);
}

/**
 * The parts of a multipart body, each field value and file name checked, and the parser's own failures (no
 * boundary, a truncated body, a bad header) turned into 400 `malformed_multipart`; limits stay 413.
 */
export async function* guardedParts(
  req: FastifyRequest,
  limits: NonNullable<Parameters<FastifyRequest["parts"]>[0]>["limits"],
): AsyncGenerator<Multipart> {
  let parts: AsyncIterator<Multipart> | undefined;
  for (;;) {
    let next: IteratorResult<Multipart>;
    try {
      // Started inside the try: a body without a boundary fails when the parser is made.
      parts ??= req.parts({ limits });
      next = await parts.next();
    } catch (error) {
      throw asMultipartError(error);
    }
    if (next.done) return;
    const part = next.value;
    if (!isStorable(part.fieldname))
      throw invalidInput([{ field: shown(part.fieldname), code: "invalid_characters" }]);
    if (part.type === "field") refuseUnstorable(part.value, part.fieldname);
    else if (part.filename && !isStorable(part.filename)) {
      throw invalidInput([{ field: `${shown(part.fieldname)}.filename`, code: "invalid_characters" }]);
    }
    yield part;
  }
}

/**
 * The bytes of one uploaded file part: a file over the size limit is a 413 naming `field` (the largest size in MiB),
 * any other failure of the parser as `asMultipartError` says.
 */
export async function partBytes(
  part: { toBuffer(): Promise<Buffer> },
  field: string,
  maxBytes: number,
): Promise<Buffer> {
  try {
    return await part.toBuffer();
  } catch (error) {
    if ((error as { code?: string }).code === "FST_REQ_FILE_TOO_LARGE") {
      throw new AppError(413, "attachment_too_large", { max: Math.floor(maxBytes / 1024 / 1024) }, [
        { field, code: "attachment_too_large" },
      ]);
    }
    throw asMultipartError(error);
  }
}

/** The problem of an error met while reading a multipart body: ours and 4xx ones kept, the parser's made a 400. */
export function asMultipartError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const status = (error as { statusCode?: number }).statusCode;
  if (status && status >= 400 && status < 500) return error;
  return new AppError(400, "malformed_multipart");
}

/** Registers the guard: every request's path parameters, query and parsed body are checked before validation. */
export function registerInputGuard(app: FastifyInstance): void {
  app.addHook("preValidation", async (req) => {
    refuseUnstorable(req.params, "path");
    refuseUnstorable(req.query, "query");
    // A raw upload (the tablet's photos: a Buffer) is bytes, not text to store: its route checks its content.
    if (!Buffer.isBuffer(req.body)) refuseUnstorable(req.body);
  });
}
