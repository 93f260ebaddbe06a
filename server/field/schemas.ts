/**
 * The tablet's API (issue 17): the day it downloads and the batch it syncs when back online. Every item of a batch
 * carries the id the tablet gave it (clientId), which makes it arrive exactly once however often it is sent.
 */
import { z } from "zod";
import { Day, Id, Instant } from "../inspections/schemas.ts";

/** The day to download; today in the city's time zone by default. */
export const DayQuery = z.object({ day: Day.optional() });

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/** A file the tablet uploads, named by the SHA-256 of its content. */
export const UploadParams = z.object({ sha256: Sha256 });

/** The path of a batch sent before. */
export const BatchParams = z.object({ batchId: z.uuid() });

/** A point on the device (GPS), in WGS84 degrees, with its accuracy in metres when known. */
const Point = z.object({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
  accuracy: z.number().min(0).max(100_000).optional(),
});

/** One questionnaire answered on the tablet. */
export const FieldResponse = z.object({
  clientId: z.uuid(),
  /** The version the tablet downloaded and answered on. */
  versionId: Id,
  /** The visit of the route it answers, when it was on the route. */
  visitId: Id.optional(),
  blockId: Id,
  /** The revision of the visit's route the tablet held. */
  routeRevision: z.number().int().positive().optional(),
  location: Point.optional(),
  startedAt: Instant.optional(),
  answeredAt: Instant,
  /** The answers by question name (domain/questionnaire.ts AnswerValue; photos as arrays of SHA-256). */
  answers: z.record(z.string().max(64), z.unknown()),
  note: z.string().max(2000).optional(),
});
export type FieldResponse = z.infer<typeof FieldResponse>;

/** A demand opened from the field: it becomes a normal demand with its protocol. */
export const FieldDemand = z.object({
  clientId: z.uuid(),
  /** The service's code. */
  service: z.string().trim().min(1).max(40),
  description: z.string().trim().min(1).max(4000),
  location: Point,
  blockId: Id.optional(),
  visitId: Id.optional(),
  /** The SHA-256 of photos uploaded before (PUT /api/v1/field/files/:sha256). */
  photos: z.array(Sha256).max(5).default([]),
  createdAt: Instant,
});
export type FieldDemand = z.infer<typeof FieldDemand>;

/** What the inspector did at a visit. */
export const VisitUpdate = z.object({
  visitId: Id,
  state: z.enum(["done", "skipped"]),
  note: z.string().max(2000).optional(),
  at: Instant,
});
export type VisitUpdate = z.infer<typeof VisitUpdate>;

/** One sync of a tablet: everything done offline since the last one. */
export const SyncInput = z.object({
  /** The batch's own id: the same batch sent again gets the same reply and changes nothing. */
  batchId: z.uuid(),
  deviceId: z.string().trim().min(1).max(200),
  responses: z.array(FieldResponse).max(500).default([]),
  demands: z.array(FieldDemand).max(100).default([]),
  visits: z.array(VisitUpdate).max(500).default([]),
});
export type SyncInput = z.infer<typeof SyncInput>;
