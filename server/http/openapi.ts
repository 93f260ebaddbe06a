/**
 * The route catalogue: every API route is declared once with its schemas and its permission, which both registers it
 * on Fastify and describes it in the OpenAPI 3.1 document served at /openapi.json.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { type FieldProblem, invalidInput } from "../errors.ts";
import { type Action, authorize } from "./auth.ts";
import { changeGuard } from "./edge.ts";

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
    preHandler: spec.action === "public" || spec.action === "citizen" ? [] : [authorize(spec.action)],
    ...(spec.compress === false ? { compress: false } : {}),
    handler,
  });
}

function jsonSchema(schema: z.ZodType, io: "input" | "output") {
  return z.toJSONSchema(schema, { io, unrepresentable: "any", target: "openapi-3.0" });
}

/** The OpenAPI 3.1 document of every declared route. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of registry) {
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    const params = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const query = r.query ? jsonSchema(r.query, "input") : undefined;
    const queryParams = query?.properties
      ? Object.entries(query.properties).map(([name, schema]) => ({
          name,
          in: "query",
          required: (query.required ?? []).includes(name),
          schema,
        }))
      : [];
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses ?? { 200: { description: "OK" } })) {
      responses[status] = {
        description: res.description,
        ...(res.schema
          ? { content: { "application/json": { schema: jsonSchema(res.schema, "output") } } }
          : {}),
      };
    }
    responses.default = {
      description: "Problem (RFC 9457)",
      content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
    };
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.action === "public"
        ? { security: [] }
        : r.action === "citizen"
          ? { security: [{ citizenSession: [] }] }
          : { "x-action": r.action }),
      parameters: [...params, ...queryParams],
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                ["application/json", ...(r.bodyMediaTypes ?? [])].map((t) => [
                  t,
                  { schema: jsonSchema(r.body as z.ZodType, "input") },
                ]),
              ),
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Responsiva API",
      version: "1",
      description: "Citizen-service centre (156/311): services, demands with protocol numbers, departments.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        citizenSession: { type: "apiKey", in: "cookie", name: "responsiva_citizen" },
      },
      schemas: {
        Problem: {
          type: "object",
          properties: {
            type: { type: "string" },
            title: { type: "string" },
            status: { type: "integer" },
            detail: { type: "string" },
            code: { type: "string" },
            errors: {
              type: "array",
              items: {
                type: "object",
                properties: {
                  field: { type: "string" },
                  code: { type: "string" },
                  detail: { type: "string" },
                },
              },
            },
          },
        },
      },
    },
    paths,
  };
}
