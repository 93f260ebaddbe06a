/** Query schemas of the event streams; they validate requests and feed the OpenAPI document. */
import { z } from "zod";

const LastEventId = z
  .string()
  .regex(/^\d{1,15}(:\d{1,15})?$/)
  .optional();

/** The staff stream's filters. */
export const EventsQuery = z.object({
  /** Only this demand's events and alarms (its protocol number). */
  demand: z.string().max(40).optional(),
  /** Only these types, comma-separated: `demand.created,alarm.raised`. */
  types: z
    .string()
    .regex(/^[a-z_]+(\.[a-z_]+)+(,[a-z_]+(\.[a-z_]+)+){0,29}$/)
    .optional(),
  /** Resume after this id, as the Last-Event-ID header does (for a first connection that cannot set headers). */
  lastEventId: LastEventId,
  /** Language of the texts. */
  lang: z.string().optional(),
});
export type EventsQuery = z.infer<typeof EventsQuery>;

/** The public stream of one demand. */
export const DemandEventsQuery = z.object({
  /** Resume after this id, as the Last-Event-ID header does. */
  lastEventId: LastEventId,
  /** Language of the texts. */
  lang: z.string().optional(),
});
export type DemandEventsQuery = z.infer<typeof DemandEventsQuery>;
