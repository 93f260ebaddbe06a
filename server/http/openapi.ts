/**
 * The route catalogue: every API route is declared once with its schemas and its permission, which both registers it
 * on Fastify and describes it in the OpenAPI 3.1 document served at /openapi.json (built in openapi-document.ts).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import { type FieldProblem, invalidInput } from "../errors.ts";
import { type Action, authorize } from "./auth.ts";
import { changeGuard } from "./edge.ts";
import { refuseOffset } from "./pagination.ts";

export { openApiDocument } from "./openapi-document.ts";

/** One API route: method, path, docs, input schemas and who may call it. */
export interface RouteSpec<B extends z.ZodType = z.ZodType, Q extends z.ZodType = z.ZodType> {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Fastify path syntax (":protocol"); turned into OpenAPI's "{protocol}". */
  path: string;
  summary: string;
  tag: string;
  /**
   * "public" routes take no session; "citizen" routes take a signed-in citizen's session, which the handler checks
   * (401 without one; never a staff session); any other value is an action checked against the caller's role.
   */
  action: Action | "public" | "citizen";
  body?: B;
  query?: Q;
  /** Extra media types the body may come in besides JSON; a body in any other is refused with 415. */
  bodyMediaTypes?: string[];
  /**
   * false: the route never acts on a session cookie (a webhook signed by its sender, an Open311 post with an
   * api_key), so pages of other sites may call it; every other change route refuses cross-site cookie requests.
   */
  cookies?: false;
  responses?: Record<number, { description: string; schema?: z.ZodType }>;
  /**
   * false: the answer is never compressed. For long streamed answers (exports): a streamed body piped through the
   * compression plugin stalled under load in CI; a reverse proxy may compress them instead.
   */
  compress?: false;
  /**
   * The media types of a successful answer when it is not JSON alone (text/csv, text/event-stream, TwiML); the
   * first one is the usual. Open311's `.:format` and `/:file` routes answer JSON or XML without saying so here.
   */
  produces?: string[];
  /**
   * A list paged by pagination.ts: `limit` and `cursor` in its query, the next page in a Link header, `offset`
   * refused with a 400 before the handler runs.
   */
  paginated?: true;
}

const registry: RouteSpec[] = [];

/** Every declared route, for the OpenAPI document and the role × route test. */
export function declaredRoutes(): readonly RouteSpec[] {
  return registry;
}

const registered = new Set<string>();

/**
 * Records every route registered on `app` from now on, by `route()` or directly (pages, assets), so the tests that
 * walk every route (permissions, public outputs) fail on one they do not know.
 */
export function recordRegisteredRoutes(app: FastifyInstance): void {
  app.addHook("onRoute", (r) => {
    // HEAD routes are Fastify's automatic twins of GET routes.
    for (const method of [r.method].flat()) if (method !== "HEAD") registered.add(`${method} ${r.url}`);
  });
}

/** Every route registered on an app of this process since `recordRegisteredRoutes`, as "METHOD /path". */
export function registeredRoutes(): readonly string[] {
  return [...registered];
}

/** Parses `value` with `schema` or throws a 400 problem naming every bad field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw invalidInput(parsed.error.issues.map(toFieldProblem));
}

function toFieldProblem(issue: z.core.$ZodIssue): FieldProblem {
  const field = issue.path.join(".") || "(body)";
  const missing = issue.code === "invalid_type" && /received undefined/.test(issue.message);
  return { field, code: missing ? "required" : issue.code };
}

/** Declares a route: registers it on the app (after the permission check) and records it for OpenAPI. */
export function route<B extends z.ZodType, Q extends z.ZodType>(
  app: FastifyInstance,
  spec: RouteSpec<B, Q>,
  handler: (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
): void {
  if (!registry.some((r) => r.method === spec.method && r.path === spec.path))
    registry.push(spec as RouteSpec);
  app.route({
    method: spec.method,
    url: spec.path,
    onRequest: changeGuard(spec),
    // Authorised first, so a caller without the right learns nothing about the query.
    preHandler: [
      ...(spec.action === "public" || spec.action === "citizen" ? [] : [authorize(spec.action)]),
      ...(spec.paginated ? [async (req: FastifyRequest) => refuseOffset(req)] : []),
    ],
    ...(spec.compress === false ? { compress: false } : {}),
    handler,
  });
}
