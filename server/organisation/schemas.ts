/** Input and output schemas of the organisation concept; they also feed the OpenAPI document. */
import { z } from "zod";
import { pageFields } from "../http/pagination.ts";

/** What kind of body a department is. */
export const DepartmentKind = z.enum(["secretariat", "subprefeitura", "company", "other"]);
export type DepartmentKind = z.infer<typeof DepartmentKind>;

/** Which kind of area a rule of the matrix covers. */
export const AreaKind = z.enum(["city", "subprefeitura", "district"]);
export type AreaKind = z.infer<typeof AreaKind>;

/** The query of GET /api/v1/departments; the default page holds every department (screens read one page). */
export const DepartmentListQuery = z.object({ ...pageFields(500, 1000) });
export type DepartmentListQuery = z.infer<typeof DepartmentListQuery>;

const DepartmentCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9 /_.-]{0,39}$/);

/** The body of POST /api/v1/departments. */
export const DepartmentInput = z.object({
  /** Stable short code, as the city writes it: AMLURB, SMSU/Defesa Civil, SUB-26 … */
  code: DepartmentCode,
  /** Readable name. */
  name: z.string().trim().min(1).max(200),
  /** Secretariat, subprefeitura, municipal company or other. */
  kind: DepartmentKind.default("secretariat"),
  /** For a subprefeitura's own department: the subprefeitura's code. */
  subprefeituraCode: z.string().trim().min(1).max(10).nullable().default(null),
  /** Address that receives the department's work orders and notices. */
  email: z.email().max(254).nullable().default(null),
  /** false stops new demands being routed to it; the matrix then falls through to the next rule. */
  active: z.boolean().default(true),
});
export type DepartmentInput = z.infer<typeof DepartmentInput>;

/** The body of PATCH /api/v1/departments/:code: only the fields given change (the code never does). */
export const DepartmentPatch = z.object({
  /** New readable name. */
  name: z.string().trim().min(1).max(200).optional(),
  /** New kind. */
  kind: DepartmentKind.optional(),
  /** New subprefeitura; null removes it. */
  subprefeituraCode: z.string().trim().min(1).max(10).nullable().optional(),
  /** New e-mail address; null removes it. */
  email: z.email().max(254).nullable().optional(),
  /** Switch the department on or off. */
  active: z.boolean().optional(),
});
export type DepartmentPatch = z.infer<typeof DepartmentPatch>;

/** The path of the routes about one department. */
export const DepartmentParams = z.object({
  /** The department's code (URL-encoded when it holds "/"). */
  code: z.string().min(1).max(40),
});

/** A new team of a department. */
export const TeamInput = z.object({
  /** The team's name, unique within its department: "Equipe de poda — Zona Sul". */
  name: z.string().trim().min(1).max(120),
});

/** A department as the API shows it. */
export const DepartmentView = z.object({
  code: z.string(),
  name: z.string(),
  kind: DepartmentKind,
  subprefeituraCode: z.string().nullable(),
  email: z.string().nullable(),
  active: z.boolean(),
  teams: z.array(z.string()),
});
export type DepartmentView = z.infer<typeof DepartmentView>;

/** Where a rule came from: an administrator, or the seed's learning (decision 0025). */
export const RuleOrigin = z.enum([
  "admin",
  "history",
  "catalogue",
  "subprefeitura_default",
  "group_default",
  "seed",
]);
export type RuleOrigin = z.infer<typeof RuleOrigin>;

/** The body of PUT /api/v1/matrix/rules: the rule for a (service, area) key, created or replaced. */
export const RuleInput = z
  .object({
    /** Public code of the service; null makes a fallback rule for any service. */
    service: z.string().trim().min(1).max(40).nullable(),
    /** The kind of area the rule covers. */
    areaKind: AreaKind.default("city"),
    /** Code of the subprefeitura or district; null for the whole city. */
    areaCode: z.string().trim().min(1).max(10).nullable().default(null),
    /** Code of the department that answers. */
    department: DepartmentCode,
    /**
     * true: the subprefeitura of the demand's point answers (its own department); `department` answers a demand
     * without a point, or where that subprefeitura has no active department.
     */
    toSubprefeitura: z.boolean().default(false),
  })
  .refine((r) => (r.areaKind === "city") === (r.areaCode === null), {
    path: ["areaCode"],
    message: "areaCode is null exactly when areaKind is city",
  });
export type RuleInput = z.infer<typeof RuleInput>;

/** The query of GET /api/v1/matrix. */
export const MatrixQuery = z.object({
  /** Only the rules of this service code. */
  service: z.string().trim().min(1).max(40).optional(),
  /** Only the rules that route to this department code. */
  department: z.string().trim().min(1).max(40).optional(),
});
export type MatrixQuery = z.infer<typeof MatrixQuery>;

/** The path of DELETE /api/v1/matrix/rules/:id. */
export const RuleParams = z.object({
  /** The rule's id. */
  id: z.coerce.number().int().positive(),
});

/** The query of GET /api/v1/matrix/resolve. */
export const ResolveQuery = z.object({
  /** Public code of the service. */
  service: z.string().trim().min(1).max(40),
  /** Code of the district the demand is in, when known. */
  district: z.string().trim().min(1).max(10).optional(),
  /** Code of the subprefeitura, when known; derived from the district otherwise. */
  subprefeitura: z.string().trim().min(1).max(10).optional(),
});
export type ResolveQuery = z.infer<typeof ResolveQuery>;

/** One rule of the matrix as the API shows it. */
export const RuleView = z.object({
  id: z.number().int(),
  service: z.string().nullable(),
  /** The service's name in the caller's language (null: any service). */
  serviceName: z.string().nullable(),
  areaKind: AreaKind,
  areaCode: z.string().nullable(),
  department: z.string(),
  /** The subprefeitura of the demand's point answers; `department` when there is none. */
  toSubprefeitura: z.boolean(),
  /** Who wrote the rule: an administrator, or the seed's learning (history, catalogue or a default). */
  origin: RuleOrigin,
  updatedAt: z.string(),
});
export type RuleView = z.infer<typeof RuleView>;

/** The answer of GET /api/v1/matrix/resolve: which department, by which rule. */
export const ResolutionView = z.object({
  department: DepartmentView,
  rule: RuleView,
});
export type ResolutionView = z.infer<typeof ResolutionView>;

/** A service without a rule of its own, as GET /api/v1/matrix/uncovered shows it. */
export const UncoveredView = z.object({
  service: z.string(),
  /** The service's name in the caller's language. */
  serviceName: z.string(),
  /** Its group's name in the caller's language. */
  groupName: z.string(),
  /** Its demands need a point (a rule to the point's subprefeitura may fit). */
  locationRequired: z.boolean(),
  /** Demands of the service ever filed: all went to the fallback desk unless an agent sent them on. */
  demands: z.number().int(),
  /** Of those, filed in the last 30 days. */
  recentDemands: z.number().int(),
});
export type UncoveredView = z.infer<typeof UncoveredView>;

/** The answer of GET /api/v1/matrix/uncovered. */
export const UncoveredList = z.object({
  /** The department the fallback rule sends these services' demands to. */
  fallbackDepartment: z.string().nullable(),
  services: z.array(UncoveredView),
});
