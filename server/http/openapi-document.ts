/**
 * The OpenAPI 3.1 document of every declared route (decision 0037): JSON Schema 2020-12 from the zod schemas (type
 * arrays, never `nullable`), a stable operationId per operation, schemas named with `.meta({ id })` shared under
 * components, the real media types of each answer, and the security of each operation.
 */
import { z } from "zod";
import { declaredRoutes, type RouteSpec } from "./openapi.ts";

type Json = Record<string, unknown>;

const JSON_TYPE = "application/json";
const PROBLEM_TYPE = "application/problem+json";
/** Media types whose body the response schema describes; any other (CSV, XML, an event stream) is text. */
const JSON_LIKE = /^application\/([\w.-]+\+)?json$/;

/**
 * The operationId of a route: its method and its path after the API prefix in camelCase, parameters as "ByName"
 * (GET /api/v1/work-orders/:id → getWorkOrdersById). Derived, so it is stable while the route is.
 */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\//, "/")
    .replace(/^\/open311\/v2\//, "/open311/")
    .split(/[/.\-_]+/)
    .filter(Boolean)
    .map((w) => (w.startsWith(":") ? ["By", w.slice(1)] : [w]))
    .flatMap((parts) => parts.map((w) => w.charAt(0).toUpperCase() + w.slice(1)));
  return method.toLowerCase() + words.join("");
}

/** Collects the named schemas met while converting, for components.schemas. */
class Components {
  readonly schemas: Record<string, Json> = {};

  /** A zod schema as JSON Schema 2020-12, its named parts moved to components and referenced from there. */
  convert(schema: z.ZodType, io: "input" | "output"): Json {
    const {
      $schema: _dialect,
      $defs,
      ...root
    } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json & {
      $defs?: Record<string, Json>;
    };
    const renamed: Record<string, string> = {};
    for (const [id, def] of Object.entries($defs ?? {})) {
      // An input shape differs from its output (defaults make fields optional): both kept, under two names.
      const name = this.place(id, def, io);
      renamed[id] = name;
    }
    const text = JSON.stringify(root).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) =>
      JSON.stringify(`#/components/schemas/${renamed[id] ?? id}`),
    );
    return JSON.parse(text) as Json;
  }

  private place(id: string, def: Json, io: "input" | "output"): string {
    const body = JSON.parse(
      JSON.stringify(def).replace(/"#\/\$defs\/([^"]+)"/g, (_m, ref: string) =>
        JSON.stringify(`#/components/schemas/${ref}`),
      ),
    ) as Json;
    const existing = this.schemas[id];
    if (!existing || JSON.stringify(existing) === JSON.stringify(body)) {
      this.schemas[id] = body;
      return id;
    }
    const name = `${id}${io === "input" ? "Input" : "Output"}`;
    this.schemas[name] = body;
    return name;
  }
}

/** The alternatives of security an operation accepts. */
function securityOf(r: RouteSpec, query?: Json, body?: Json): Json[] {
  if (r.action === "citizen") return [{ citizenSession: [] }];
  if (r.action !== "public") return [{ staffBearer: [] }, { staffSession: [] }];
  // A public route that reads an `api_key` field counts the caller against its client's limit; without one it is
  // anonymous (`{}`), except where the handler requires the key (Open311 writes, said in their summaries).
  const takesKey = [query, body].some((s) => (s?.properties as Json | undefined)?.api_key !== undefined);
  return takesKey ? [{}, { apiKeyQuery: [] }, { apiKeyHeader: [] }] : [];
}

function parametersOf(r: RouteSpec, query?: Json): Json[] {
  const path = [...r.path.matchAll(/:(\w+)/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  const props = (query?.properties ?? {}) as Record<string, Json>;
  const required = (query?.required ?? []) as string[];
  const inQuery = Object.entries(props).map(([name, schema]) => ({
    name,
    in: "query",
    required: required.includes(name),
    ...(typeof schema.description === "string" ? { description: schema.description } : {}),
    schema,
  }));
  return [...path, ...inQuery];
}

/** The media types a route answers with on success. */
function producesOf(r: RouteSpec): string[] {
  if (r.produces) return r.produces;
  // Open311's convention: the format is part of the path (`requests.json`, `requests.xml`, `services/CODE.xml`).
  if (/:(format|file)\b/.test(r.path)) return [JSON_TYPE, "text/xml"];
  return [JSON_TYPE];
}

function responsesOf(r: RouteSpec, components: Components): Json {
  const responses: Json = {};
  const declared = r.responses ?? { 200: { description: "OK" } };
  for (const [status, res] of Object.entries(declared)) {
    const ok = status.startsWith("2");
    const schema = res.schema ? components.convert(res.schema, "output") : undefined;
    const content =
      status === "204"
        ? undefined
        : ok
          ? Object.fromEntries(
              producesOf(r).map((type) => [
                type,
                { schema: JSON_LIKE.test(type) ? (schema ?? {}) : { type: "string" } },
              ]),
            )
          : { [PROBLEM_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } };
    responses[status] = {
      description: res.description,
      ...(ok && r.paginated ? { headers: { Link: { $ref: "#/components/headers/NextPage" } } } : {}),
      ...(content ? { content } : {}),
    };
  }
  responses.default = {
    description: "Problem (RFC 9457)",
    content: { [PROBLEM_TYPE]: { schema: { $ref: "#/components/schemas/Problem" } } },
  };
  return responses;
}

/** The OpenAPI 3.1 document of every declared route. */
export function openApiDocument(): Json {
  const components = new Components();
  components.schemas.Problem = PROBLEM;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of declaredRoutes()) {
    const query = r.query ? components.convert(r.query, "input") : undefined;
    const body = r.body ? components.convert(r.body, "input") : undefined;
    const path = r.path.replace(/:(\w+)/g, "{$1}");
    paths[path] ??= {};
    paths[path][r.method.toLowerCase()] = {
      operationId: operationIdOf(r.method, r.path),
      summary: r.summary,
      tags: [r.tag],
      security: securityOf(r, query, body),
      ...(r.action === "public" || r.action === "citizen" ? {} : { "x-action": r.action }),
      parameters: parametersOf(r, query),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                [JSON_TYPE, ...(r.bodyMediaTypes ?? [])].map((t) => [t, { schema: body }]),
              ),
            },
          }
        : {}),
      responses: responsesOf(r, components),
    };
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    info: {
      title: "Responsiva API",
      version: "1",
      description: "Citizen-service centre (156/311): services, demands with protocol numbers, departments.",
    },
    servers: [{ url: "/" }],
    components: {
      securitySchemes: SECURITY_SCHEMES,
      headers: {
        NextPage: {
          description:
            'The next page of the list (RFC 8288): `<…?cursor=…>; rel="next"`; absent on the last page.',
          schema: { type: "string" },
        },
      },
      schemas: components.schemas,
    },
    paths,
  };
}

const SECURITY_SCHEMES = {
  staffBearer: {
    type: "http",
    scheme: "bearer",
    description: "A staff session token from POST /api/v1/auth/login.",
  },
  staffSession: {
    type: "apiKey",
    in: "cookie",
    name: "responsiva_session",
    description: "The staff session cookie set by POST /api/v1/auth/login (the staff screens use it).",
  },
  citizenSession: {
    type: "apiKey",
    in: "cookie",
    name: "responsiva_citizen",
    description: "The citizen session cookie set by POST /api/v1/citizen/verify.",
  },
  apiKeyHeader: {
    type: "apiKey",
    in: "header",
    name: "X-API-Key",
    description: "A client application's key.",
  },
  apiKeyQuery: { type: "apiKey", in: "query", name: "api_key", description: "A client application's key." },
};

/** RFC 9457 problem details, with the stable code and the fields at fault. */
const PROBLEM: Json = {
  type: "object",
  properties: {
    type: { type: "string", format: "uri-reference" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    code: { type: "string", description: "Stable snake_case code: unknown_service, point_outside_city …" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: { field: { type: "string" }, code: { type: "string" }, detail: { type: "string" } },
        required: ["field", "code"],
      },
    },
  },
  required: ["title", "status"],
};
