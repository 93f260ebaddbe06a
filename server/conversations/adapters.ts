/**
 * The inbound adapters of a configuration (WhatsApp Cloud API, Twilio, Telegram), built once per configuration
 * object like the outbound ones: the webhooks verify and parse with them, the conversation step fetches media.
 */
import { createInboundAdapters, type InboundAdapters } from "../../channels/index.ts";
import type { Config } from "../config.ts";
import { channelOptionsOf } from "../notifications/jobs.ts";

const built = new WeakMap<Config, InboundAdapters>();

/** The inbound adapters configured, by webhook. */
export function inboundAdaptersOf(config: Config): InboundAdapters {
  let adapters = built.get(config);
  if (!adapters) {
    adapters = createInboundAdapters(channelOptionsOf(config));
    built.set(config, adapters);
  }
  return adapters;
}
