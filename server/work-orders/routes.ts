/** HTTP routes of work orders: the department's list, and every action on an order; the citizen's complement. */
import type { FastifyInstance } from "fastify";
import { OPEN_WORK_ORDER_STATES, WORK_ORDER_STATES } from "../../domain/status.ts";
import type { Actor } from "../access/principal.ts";
import { demandByProtocol, protocolParam, secretMatches, secretOf } from "../demands/access.ts";
import { AppError } from "../errors.ts";
import { can, isDepartmentScoped, loadStaff, requireStaff, type Staff } from "../http/auth.ts";
import { route, validate } from "../http/openapi.ts";
import { decodeCursor, linkNext, pageOf } from "../http/pagination.ts";
import { attachmentStoreOf } from "../storage/store.ts";
import { answerWorkOrder, createAnswerTemplate, recordManualDelivery } from "./answers.ts";
import { acceptWorkOrder, rerouteWorkOrder, returnWorkOrder, startWorkOrder } from "./commands.ts";
import { receiveComplement, requestComplement } from "./complements.ts";
import { addEvidence, readEvidenceFiles } from "./evidence.ts";
import { presentWorkOrder } from "./present.ts";
import { findWorkOrder, listAnswerTemplates, listWorkOrders } from "./queries.ts";
import {
  AnswerInput,
  AnswerTemplateInput,
  AnswerTemplateQuery,
  ComplementInput,
  ComplementRequestInput,
  EvidenceUploaded,
  ManualDeliveryInput,
  RerouteInput,
  ReturnInput,
  WorkOrderListQuery,
  WorkOrderParams,
  WorkOrderView,
} from "./schemas.ts";

/** Registers the work-order routes. */
export async function registerWorkOrdersRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/work-orders",
      summary: "Work orders, open ones by default; department roles see only their department's",
      tag: "work-orders",
      action: "work_orders.read",
      query: WorkOrderListQuery,
      paginated: true,
      responses: { 200: { description: "Orders, earliest deadline first", schema: WorkOrderView.array() } },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const query = validate(WorkOrderListQuery, req.query);
      const states = query.state ? query.state.split(",").map((s) => s.trim()) : [...OPEN_WORK_ORDER_STATES];
      const unknown = states.find((s) => !(WORK_ORDER_STATES as readonly string[]).includes(s));
      if (unknown) throw new AppError(400, "invalid_input", {}, [{ field: "state", code: "invalid_value" }]);
      const rows = await listWorkOrders(db, {
        departmentId: isDepartmentScoped(staff) ? (staff.departmentId ?? -1) : null,
        departmentCode: isDepartmentScoped(staff) ? undefined : query.department,
        states,
        protocol: query.protocol,
        limit: query.limit + 1,
        after: decodeCursor(query.cursor, ["string", "number"]),
      });
      const page = pageOf(rows, query.limit, (row) => [row.sort_key, row.id]);
      linkNext(req, reply, page.next);
      return page.rows.map((row) => presentWorkOrder(row, req.locale));
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/work-orders/:id",
      summary: "One work order with the actions its state allows",
      tag: "work-orders",
      action: "work_orders.read",
      responses: {
        200: { description: "The order", schema: WorkOrderView },
        404: { description: "unknown_work_order" },
      },
    },
    async (req) => {
      const staff = await requireStaff(req);
      const { id } = validate(WorkOrderParams, req.params);
      const row = await findWorkOrder(db, id);
      if (!row || (isDepartmentScoped(staff) && row.department_id !== staff.departmentId)) {
        throw new AppError(404, "unknown_work_order", { id });
      }
      return presentWorkOrder(row, req.locale);
    },
  );

  // One route per action; each answers with the order as it is afterwards.
  const act = (
    path: string,
    summary: string,
    body: Parameters<typeof validate>[0] | undefined,
    run: (staff: Staff, id: number, input: never) => Promise<unknown>,
  ) =>
    route(
      app,
      {
        method: "POST",
        path: `/api/v1/work-orders/:id/${path}`,
        summary,
        tag: "work-orders",
        action: "work_orders.act",
        ...(body ? { body } : {}),
        responses: {
          200: { description: "The order afterwards", schema: WorkOrderView },
          404: { description: "unknown_work_order" },
          409: { description: "illegal_work_order_transition" },
        },
      },
      async (req) => {
        const staff = await requireStaff(req);
        const { id } = validate(WorkOrderParams, req.params);
        const input = body ? validate(body, req.body) : {};
        await run(staff, id, input as never);
        const row = await findWorkOrder(db, id);
        return presentWorkOrder(row!, req.locale);
      },
    );

  act("accept", "The department takes the order on", undefined, (s, id) => acceptWorkOrder(db, s, id));
  act("start", "Work on the order has started", undefined, (s, id) => startWorkOrder(db, s, id));
  act(
    "return",
    "Send the order back to triage with a reason",
    ReturnInput,
    (s, id, input: { reason: string }) => returnWorkOrder(db, s, id, input.reason),
  );
  act(
    "reroute",
    "Send the order on to another department with a reason",
    RerouteInput,
    (s, id, input: { department: string; reason: string }) => rerouteWorkOrder(db, s, id, input),
  );
  act(
    "complement-request",
    "Ask the citizen for a complement; the clocks pause until it arrives",
    ComplementRequestInput,
    (s, id, input: { question: string }) => requestComplement(db, s, id, input.question),
  );
  act(
    "answer",
    "File the counter-report: the answer to the citizen, internal notes, evidence",
    AnswerInput,
    (s, id, input: { answer: string; internalNote?: string; evidence?: number[] }) =>
      answerWorkOrder(db, s, id, input),
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/work-orders/:id/attachments",
      summary:
        "Upload photos as evidence of the work (multipart, images only); pass their ids as the answer's evidence",
      tag: "work-orders",
      action: "work_orders.act",
      bodyMediaTypes: ["multipart/form-data"],
      responses: {
        201: { description: "Stored, internal until the answer names them", schema: EvidenceUploaded },
        404: { description: "unknown_work_order" },
        409: { description: "work_order_finished" },
        415: { description: "attachment_type_not_allowed" },
      },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const { id } = validate(WorkOrderParams, req.params);
      const files = await readEvidenceFiles(req, app.ctx.config.maxAttachmentBytes);
      const attachments = await addEvidence(db, attachmentStoreOf(app.ctx.config), staff, id, files);
      return reply.status(201).send({ attachments });
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/complement",
      summary:
        "Send the complement a department asked for: the citizen with the secret, or staff on their behalf",
      tag: "work-orders",
      action: "public",
      body: ComplementInput,
      responses: { 202: { description: "Received; the department's clock runs again" } },
    },
    async (req, reply) => {
      const protocol = protocolParam(req);
      const input = validate(ComplementInput, req.body);
      const demand = await demandByProtocol(db, protocol);
      const staff = await loadStaff(req);
      let actor: Actor;
      if (staff && can(staff.role, "demands.complement")) actor = { kind: "staff", id: staff.id };
      else if (secretMatches(secretOf(req, input.secret), demand.secret_hash)) actor = { kind: "citizen" };
      else throw new AppError(403, "wrong_secret");
      await receiveComplement(db, actor, demand.id, input.text);
      return reply.status(202).send({ protocol, status: "received" });
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/demands/:protocol/answer-delivered",
      summary: "Record that a person delivered the answer (phone, counter, letter) after the messages failed",
      tag: "work-orders",
      action: "answers.record_delivery",
      body: ManualDeliveryInput,
      responses: {
        204: { description: "Recorded; the demand is closed" },
        409: { description: "illegal_transition" },
      },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const input = validate(ManualDeliveryInput, req.body);
      const demand = await demandByProtocol(db, protocolParam(req));
      await recordManualDelivery(db, staff, demand.id, input);
      return reply.status(204).send();
    },
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/answer-templates",
      summary: "Answer templates for a service (and those for every service)",
      tag: "work-orders",
      action: "work_orders.read",
      query: AnswerTemplateQuery,
    },
    async (req) => {
      const query = validate(AnswerTemplateQuery, req.query);
      return (await listAnswerTemplates(db, query.service)).map((t) => ({
        id: t.id,
        service: t.service_code,
        title: t.title,
        body: t.body,
        locale: t.locale,
      }));
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/answer-templates",
      summary: "Add an answer template",
      tag: "work-orders",
      action: "answer_templates.manage",
      body: AnswerTemplateInput,
      responses: { 201: { description: "Created" } },
    },
    async (req, reply) => {
      const staff = await requireStaff(req);
      const input = validate(AnswerTemplateInput, req.body);
      const row = await createAnswerTemplate(db, staff, input);
      return reply.status(201).send({ id: row.id, ...input });
    },
  );
}
