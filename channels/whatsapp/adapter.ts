/**
 * WhatsApp Cloud API, in and out. Out: one POST to `{apiUrl}/{version}/{phoneNumberId}/messages` with the system
 * user's bearer token per message: free text, reply buttons (≤ 3) or a list (≤ 10 rows) for choices, a
 * location-request button, or an approved template when the core says the 24-hour window is closed. Choices over
 * WhatsApp's limits become a numbered list in the text, which the engine reads back by number. Graph errors are
 * sorted by their `code`: throttling, Meta's own trouble and our configuration are temporary; an address that
 * cannot be reached (131026) or a closed window (131047) is permanent for that message. In: the webhook's
 * signature and body (parse.ts), and media downloaded in two steps (the media id's URL, then its bytes).
 */
import { createHash } from "node:crypto";
import {
  type ChannelAdapter,
  type Choice,
  DeliveryError,
  type InboundAdapter,
  type OutgoingAttachment,
  type OutgoingMessage,
} from "../channel.ts";
import { parseWhatsAppWebhook, verifyWhatsAppSignature, WHATSAPP_SIGNATURE_HEADER } from "./parse.ts";

/** How the adapter reaches Meta (or the fake): values of WHATSAPP_API_URL, WHATSAPP_TOKEN, … */
export interface WhatsAppOptions {
  /** Graph API base URL, `https://graph.facebook.com` in production. */
  apiUrl: string;
  /** A system user's access token with whatsapp_business_messaging. */
  token: string;
  /** The business phone number's id (not the number itself). */
  phoneNumberId: string;
  /** The Meta app's secret: the key of `X-Hub-Signature-256`. */
  appSecret: string;
  /** The verify token typed in the app dashboard, answered in the GET handshake (`answerVerification`). */
  verifyToken: string;
  /** Graph API version in the path; default `DEFAULT_GRAPH_VERSION`. */
  version?: string | undefined;
  /** Largest media file downloaded; default 64 MiB (WhatsApp documents go up to 100 MB, photos to 5 MB). */
  maxMediaBytes?: number | undefined;
}

/** The Graph API version used when the configuration names none. */
export const DEFAULT_GRAPH_VERSION = "v21.0";

/** WhatsApp's documented limits on interactive messages, in characters. */
export const WHATSAPP_LIMITS = {
  text: 4096,
  interactiveBody: 1024,
  buttons: 3,
  buttonTitle: 20,
  buttonId: 256,
  rows: 10,
  rowTitle: 24,
  rowId: 200,
  listButton: 20,
  callbackData: 512,
} as const;

// Bounded so that one send ends well within the worker's lease on its outbox row (300 s).
const SEND_TIMEOUT_MS = 20_000;
const MEDIA_TIMEOUT_MS = 30_000;

// The label of the button that opens a list, in the message's language (adapters read no locale files).
const LIST_LABEL: Record<string, string> = { pt: "Ver opções", en: "See options", es: "Ver opciones" };

const length = (text: string) => [...text].length;
const clip = (text: string, max: number) =>
  length(text) <= max ? text : `${[...text].slice(0, max - 1).join("")}…`;

function fits(choices: Choice[], max: number, titleMax: number, idMax: number): boolean {
  const titles = new Set(choices.map((c) => c.title));
  const ids = new Set(choices.map((c) => c.id));
  // WhatsApp refuses two buttons or rows with the same title or id, and an empty one.
  return (
    choices.length <= max &&
    titles.size === choices.length &&
    ids.size === choices.length &&
    choices.every((c) => c.title && c.id && length(c.title) <= titleMax && length(c.id) <= idMax)
  );
}

const numbered = (text: string, choices: Choice[]) =>
  `${text}\n${choices.map((c, i) => `${i + 1}. ${c.title}`).join("\n")}`;

/** The `interactive` object, or undefined when the message is sent as plain text. */
function interactiveOf(message: OutgoingMessage): Record<string, unknown> | undefined {
  const L = WHATSAPP_LIMITS;
  const choices = message.choices?.length ? message.choices : undefined;
  if (message.requestLocation) {
    // The location button wins over choices (a typed number is easy, a location without the button is not).
    const body = choices ? numbered(message.text, choices) : message.text;
    if (body && length(body) <= L.interactiveBody) {
      return { type: "location_request_message", body: { text: body }, action: { name: "send_location" } };
    }
    return undefined;
  }
  if (!choices || !message.text || length(message.text) > L.interactiveBody) return undefined;
  const body = { text: message.text };
  if (fits(choices, L.buttons, L.buttonTitle, L.buttonId)) {
    const buttons = choices.map((c) => ({ type: "reply", reply: { id: c.id, title: c.title } }));
    return { type: "button", body, action: { buttons } };
  }
  if (fits(choices, L.rows, L.rowTitle, L.rowId)) {
    const label = LIST_LABEL[message.locale.slice(0, 2).toLowerCase()] ?? LIST_LABEL.pt!;
    const rows = choices.map((c) => ({ id: c.id, title: c.title }));
    return { type: "list", body, action: { button: label, sections: [{ rows }] } };
  }
  return undefined;
}

/**
 * The JSON body of the Messages API request for `message`. `biz_opaque_callback_data` carries the message's key:
 * the Cloud API has no idempotency key, but every status webhook echoes it, so a receipt names our message even if
 * a crash lost the wamid between the send and its record.
 */
export function requestBodyOf(message: OutgoingMessage): Record<string, unknown> {
  const base = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: message.to.replace(/^\+/, ""),
    biz_opaque_callback_data: clip(message.key, WHATSAPP_LIMITS.callbackData),
  };
  if (message.template) {
    const { name, language, parameters } = message.template;
    const template: Record<string, unknown> = {
      name,
      // Meta names languages pt_BR, en_US, es; BCP 47 writes pt-BR.
      language: { code: language.replace("-", "_") },
    };
    const components: Record<string, unknown>[] = [];
    if (parameters.length > 0)
      components.push({ type: "body", parameters: parameters.map((text) => ({ type: "text", text })) });
    // An authentication template's copy-code button is a URL button whose one parameter is the code.
    if (message.template.copyCode) {
      components.push({
        type: "button",
        sub_type: "url",
        index: "0",
        parameters: [{ type: "text", text: message.template.copyCode }],
      });
    }
    if (components.length > 0) template.components = components;
    return { ...base, type: "template", template };
  }
  const interactive = interactiveOf(message);
  if (interactive) return { ...base, type: "interactive", interactive };
  const text = message.choices?.length ? numbered(message.text, message.choices) : message.text;
  // Longer texts are refused whole (error 100); a cut answer still reaches the citizen, with the protocol first.
  const body = clip(text, WHATSAPP_LIMITS.text);
  return { ...base, type: "text", text: { preview_url: /https?:\/\//.test(body), body } };
}

/** WhatsApp's image message takes JPEG and PNG; other files go as documents, with their name. */
const WHATSAPP_IMAGE_TYPES = new Set(["image/jpeg", "image/png"]);

/**
 * The Messages API body of one attachment: an image or a document WhatsApp downloads from its link. Its callback
 * data is the message's key and the file's place, so its receipt is not taken for the text's.
 */
export function attachmentBodyOf(message: OutgoingMessage, attachment: OutgoingAttachment, index: number) {
  const image = WHATSAPP_IMAGE_TYPES.has(attachment.mediaType);
  return {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: message.to.replace(/^\+/, ""),
    biz_opaque_callback_data: clip(`${message.key}#file${index + 1}`, WHATSAPP_LIMITS.callbackData),
    type: image ? "image" : "document",
    [image ? "image" : "document"]: image
      ? { link: attachment.url }
      : { link: attachment.url, filename: clip(attachment.fileName, 240) },
  };
}

/** The error object of a Graph API answer. */
export interface GraphError {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
  fbtrace_id?: string;
}

// Throttling (Graph's 4, 17, 32, 613; WhatsApp's account, throughput, spam and per-recipient limits) and Meta's
// own trouble (1, 2, 131000 "something went wrong", 131016 service unavailable): the same message passes later.
const TEMPORARY_CODES = new Set([1, 2, 4, 17, 32, 613, 80007, 130429, 131000, 131016, 131048, 131056]);
// A token expired or a permission missing is our configuration, not this message: retried until someone fixes it
// (as the e-mail adapter does with a refused SMTP login).
const CONFIGURATION_CODES = new Set([0, 10, 102, 104, 190]);
// The recipient cannot get WhatsApp messages from us, or the 24-hour window is closed: this message never passes
// (the core sends a template instead).
const PERMANENT_CODES = new Set([131026, 131047]);

/** Tells whether a failed Graph call may pass later: by Meta's error code, else by the HTTP status. */
export function isTemporary(status: number, error: GraphError | undefined): boolean {
  const code = error?.code;
  if (code !== undefined) {
    if (TEMPORARY_CODES.has(code) || CONFIGURATION_CODES.has(code)) return true;
    if (code >= 200 && code <= 299) return true;
    if (PERMANENT_CODES.has(code)) return false;
  }
  return status === 408 || status === 429 || status >= 500;
}

/** The DeliveryError of a failed Graph answer; its message starts with Meta's code so logs can be searched. */
async function graphFailure(res: Response, what: string): Promise<DeliveryError> {
  const text = await res.text().catch(() => "");
  let error: GraphError | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: GraphError };
    error = typeof parsed.error === "object" && parsed.error !== null ? parsed.error : undefined;
  } catch {
    error = undefined;
  }
  const details = error?.error_data?.details ? ` (${error.error_data.details})` : "";
  const message = error
    ? `WhatsApp ${what} ${res.status} code ${error.code ?? "?"}: ${error.message ?? ""}${details}`
    : `WhatsApp ${what} ${res.status}: ${text.slice(0, 200)}`;
  return new DeliveryError(message, isTemporary(res.status, error));
}

const networkFailure = (error: unknown, what: string) =>
  new DeliveryError(`WhatsApp ${what}: ${error instanceof Error ? error.message : String(error)}`, true);

function graphUrl(options: WhatsAppOptions, path: string): string {
  return `${options.apiUrl.replace(/\/+$/, "")}/${options.version ?? DEFAULT_GRAPH_VERSION}/${path}`;
}

/** The outbound WhatsApp adapter over the Cloud API's Messages endpoint. */
export function createWhatsAppAdapter(options: WhatsAppOptions): ChannelAdapter {
  const url = graphUrl(options, `${encodeURIComponent(options.phoneNumberId)}/messages`);
  return {
    channel: "whatsapp",
    async send(message) {
      const post = async (body: Record<string, unknown>): Promise<string> => {
        let res: Response;
        try {
          res = await fetch(url, {
            method: "POST",
            headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json" },
            body: JSON.stringify(body),
            signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
          });
        } catch (error) {
          // A timeout may hide a message Meta took: sent again, the citizen may see it twice, never zero times.
          throw networkFailure(error, "send");
        }
        if (!res.ok) throw await graphFailure(res, "send");
        const answer = (await res.json().catch(() => undefined)) as
          | { messages?: { id?: unknown }[] }
          | undefined;
        const id = answer?.messages?.[0]?.id;
        if (typeof id !== "string" || !id) {
          throw new DeliveryError("WhatsApp send: the answer names no message id", true);
        }
        return id;
      };
      // Files first (a template, outside the window, carries none: the core put their links in it), then the text,
      // whose id is the message's.
      if (!message.template) {
        for (const [i, file] of (message.attachments ?? []).entries())
          await post(attachmentBodyOf(message, file, i));
      }
      return { providerId: await post(requestBodyOf(message)) };
    },
    async close() {},
  };
}

/** Reads a response body up to `max` bytes; undefined when it is larger. */
async function readLimited(res: Response, max: number): Promise<Buffer | undefined> {
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.byteLength;
    if (size > max) {
      await res.body.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

/**
 * Downloads an inbound media id: Graph answers its short-lived URL (with type, size and SHA-256), which is fetched
 * with the same bearer token. Throws a DeliveryError, temporary unless Meta says the id is unknown or expired.
 */
export async function fetchWhatsAppMedia(
  options: WhatsAppOptions,
  mediaId: string,
): Promise<{ bytes: Buffer; mimeType: string }> {
  const auth = { authorization: `Bearer ${options.token}` };
  const max = options.maxMediaBytes ?? 64 * 1024 * 1024;
  let meta: { url?: unknown; mime_type?: unknown; sha256?: unknown; file_size?: unknown };
  try {
    const res = await fetch(graphUrl(options, encodeURIComponent(mediaId)), {
      headers: auth,
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
    });
    if (!res.ok) throw await graphFailure(res, "media");
    meta = (await res.json()) as typeof meta;
  } catch (error) {
    throw error instanceof DeliveryError ? error : networkFailure(error, "media");
  }
  if (typeof meta.url !== "string" || !/^https?:\/\//.test(meta.url)) {
    throw new DeliveryError("WhatsApp media: the answer names no download URL", true);
  }
  if (Number(meta.file_size) > max)
    throw new DeliveryError(`WhatsApp media ${mediaId} exceeds ${max} bytes`, false);
  let bytes: Buffer | undefined;
  let type: string | null;
  try {
    const res = await fetch(meta.url, { headers: auth, signal: AbortSignal.timeout(MEDIA_TIMEOUT_MS) });
    // The URL lives five minutes: any refusal here is passed by asking Graph for a new one on the next try.
    if (!res.ok) throw new DeliveryError(`WhatsApp media download ${res.status}`, true);
    type = res.headers.get("content-type");
    bytes = await readLimited(res, max);
  } catch (error) {
    throw error instanceof DeliveryError ? error : networkFailure(error, "media download");
  }
  if (!bytes) throw new DeliveryError(`WhatsApp media ${mediaId} exceeds ${max} bytes`, false);
  // The URL's answer carries the file's SHA-256 in hex: a cut download is caught here, not in a demand's photo.
  if (typeof meta.sha256 === "string" && /^[0-9a-f]{64}$/i.test(meta.sha256)) {
    const actual = createHash("sha256").update(bytes).digest("hex");
    if (actual !== meta.sha256.toLowerCase()) {
      throw new DeliveryError(`WhatsApp media ${mediaId}: the download does not match its SHA-256`, true);
    }
  }
  const mimeType = typeof meta.mime_type === "string" ? meta.mime_type : (type ?? "application/octet-stream");
  return { bytes, mimeType };
}

/** The inbound WhatsApp adapter: signature, webhook body, media download. */
export function createWhatsAppInbound(options: WhatsAppOptions): InboundAdapter {
  return {
    channel: "whatsapp",
    verify: (request) =>
      verifyWhatsAppSignature(options.appSecret, request.rawBody, request.headers[WHATSAPP_SIGNATURE_HEADER]),
    parse: (request) => parseWhatsAppWebhook(request.rawBody),
    fetchMedia: (ref) => fetchWhatsAppMedia(options, ref),
  };
}
