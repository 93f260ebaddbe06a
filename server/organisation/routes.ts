/** HTTP routes of the organisation concept: departments and the responsibility matrix. */
import type { FastifyInstance } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { unknownServiceField } from "../catalogue/problems.ts";
import { findServiceByCode } from "../catalogue/queries.ts";
import { route, validate } from "../http/openapi.ts";
import { linkNext } from "../http/pagination.ts";
import { addTeam, createDepartment, deleteRule, updateDepartment, upsertRule } from "./commands.ts";
import { presentDepartment, presentRule, presentUncovered } from "./present.ts";
import { departmentNotFound, unknownArea } from "./problems.ts";
import {
  areaExists,
  findDepartmentByCode,
  findDepartmentById,
  findRuleById,
  listDepartments,
  listRules,
  listUncoveredServices,
  resolveDepartment,
} from "./queries.ts";
import {
  DepartmentInput,
  DepartmentListQuery,
  DepartmentParams,
  DepartmentPatch,
  DepartmentView,
  MatrixQuery,
  ResolutionView,
  ResolveQuery,
  RuleInput,
  RuleParams,
  RuleView,
  TeamInput,
  UncoveredList,
} from "./schemas.ts";

/** Registers the organisation routes. */
export async function registerOrganisationRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/departments",
      summary: "List departments with their teams",
      tag: "organisation",
      action: "departments.read",
      query: DepartmentListQuery,
      paginated: true,
      responses: { 200: { description: "Departments", schema: DepartmentView.array() } },
    },
    async (req, reply) => {
      const page = await listDepartments(db, validate(DepartmentListQuery, req.query));
      linkNext(req, reply, page.next);
      return page.rows.map(presentDepartment);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/departments/:code",
      summary: "One department",
      tag: "organisation",
      action: "departments.read",
      responses: {
        200: { description: "The department", schema: DepartmentView },
        404: { description: "unknown_department" },
      },
    },
    async (req) => {
      const { code } = validate(DepartmentParams, req.params);
      const department = await findDepartmentByCode(db, code);
      if (!department) throw departmentNotFound(code);
      return presentDepartment(department);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/departments",
      summary: "Add a department",
      tag: "organisation",
      action: "departments.manage",
      body: DepartmentInput,
      responses: {
        201: { description: "Created", schema: DepartmentView },
        409: { description: "department_code_taken" },
        422: { description: "unknown_area" },
      },
    },
    async (req, reply) => {
      const department = await createDepartment(db, validate(DepartmentInput, req.body), auditActorOf(req));
      reply.status(201);
      return presentDepartment(department);
    },
  );

  route(
    app,
    {
      method: "PATCH",
      path: "/api/v1/departments/:code",
      summary: "Change a department's name, kind, subprefeitura, e-mail or active flag",
      tag: "organisation",
      action: "departments.manage",
      body: DepartmentPatch,
      responses: {
        200: { description: "Updated", schema: DepartmentView },
        404: { description: "unknown_department" },
        422: { description: "unknown_area" },
      },
    },
    async (req) => {
      const { code } = validate(DepartmentParams, req.params);
      const patch = validate(DepartmentPatch, req.body);
      return presentDepartment(await updateDepartment(db, code, patch, auditActorOf(req)));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/departments/:code/teams",
      summary: "Add a team to a department",
      tag: "organisation",
      action: "departments.manage",
      body: TeamInput,
      responses: {
        201: { description: "The department with its teams", schema: DepartmentView },
        404: { description: "unknown_department" },
      },
    },
    async (req, reply) => {
      const { code } = validate(DepartmentParams, req.params);
      const { name } = validate(TeamInput, req.body);
      reply.status(201);
      return presentDepartment(await addTeam(db, code, name, auditActorOf(req)));
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/matrix",
      summary: "The responsibility matrix: which department answers which service where",
      tag: "organisation",
      action: "matrix.read",
      query: MatrixQuery,
      responses: { 200: { description: "Rules, fallbacks last", schema: RuleView.array() } },
    },
    async (req) => {
      const query = validate(MatrixQuery, req.query);
      const rules = await listRules(db, { serviceCode: query.service, departmentCode: query.department });
      return rules.map((r) => presentRule(r, req.locale));
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/matrix/uncovered",
      summary:
        "Active services without a rule of their own (their demands go to the fallback desk), busiest first",
      tag: "organisation",
      action: "matrix.read",
      responses: {
        200: { description: "The fallback desk and the uncovered services", schema: UncoveredList },
      },
    },
    async (req) => {
      const [services, fallback] = await Promise.all([
        listUncoveredServices(db),
        listRules(db).then((rules) => rules.find((r) => r.serviceId === null && r.areaKind === "city")),
      ]);
      return {
        fallbackDepartment: fallback?.departmentCode ?? null,
        services: services.map((s) => presentUncovered(s, req.locale)),
      };
    },
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/matrix/rules",
      summary: "Create or replace the rule for a service (or any service) in an area",
      tag: "organisation",
      action: "matrix.manage",
      body: RuleInput,
      responses: {
        200: { description: "Replaced", schema: RuleView },
        201: { description: "Created", schema: RuleView },
        422: { description: "unknown_service, unknown_area or unknown_department" },
      },
    },
    async (req, reply) => {
      const { rule, created } = await upsertRule(db, validate(RuleInput, req.body), auditActorOf(req));
      reply.status(created ? 201 : 200);
      return presentRule(rule, req.locale);
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/matrix/rules/:id",
      summary: "Delete a rule of the matrix (never the last city-wide fallback)",
      tag: "organisation",
      action: "matrix.manage",
      responses: {
        204: { description: "Deleted" },
        404: { description: "unknown_rule" },
        409: { description: "fallback_required" },
      },
    },
    async (req, reply) => {
      const { id } = validate(RuleParams, req.params);
      await deleteRule(db, id, auditActorOf(req));
      reply.status(204);
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/matrix/resolve",
      summary: "Which department the matrix sends a service in a place to, and by which rule",
      tag: "organisation",
      action: "matrix.read",
      query: ResolveQuery,
      responses: {
        200: { description: "The department and the deciding rule", schema: ResolutionView },
        422: { description: "unknown_service or unknown_area" },
      },
    },
    async (req) => {
      const query = validate(ResolveQuery, req.query);
      const service = await findServiceByCode(db, query.service);
      if (!service) throw unknownServiceField("service", query.service);
      if (query.district && !(await areaExists(db, "district", query.district))) {
        throw unknownArea("district", query.district);
      }
      if (query.subprefeitura && !(await areaExists(db, "subprefeitura", query.subprefeitura))) {
        throw unknownArea("subprefeitura", query.subprefeitura);
      }
      const resolved = await resolveDepartment(db, {
        serviceId: service.id,
        districtCode: query.district ?? null,
        subprefeituraCode: query.subprefeitura ?? null,
      });
      // The fallback rule cannot be deleted, so only a matrix whose departments are all inactive gets here.
      if (!resolved) throw departmentNotFound("(none)");
      const department = await findDepartmentById(db, resolved.departmentId);
      const rule = await findRuleById(db, resolved.ruleId);
      if (!department || !rule) throw departmentNotFound("(none)");
      return { department: presentDepartment(department), rule: presentRule(rule, req.locale) };
    },
  );
}
