/**
 * Placing a call from the SIP user agent (./agent.ts): the INVITE sent again until answered (§17.1.1), ringing told,
 * a CANCEL when nobody answers in time, the ACK of a refusal in the INVITE's transaction (§17.1.1.3) and the ACK of
 * an answer as a request of its own, kept to be sent again if the answer comes again.
 */
import { randomBytes } from "node:crypto";
import type { CallState, Dialog, Peer, Placed, SipCall } from "./agent-types.ts";
import { header, paramOf, type SipMessage, serializeSip, uriOf } from "./message.ts";

const token = (bytes = 8) => randomBytes(bytes).toString("hex");

/** What placing a call needs of the agent. */
export interface AgentCore {
  host: string;
  newRequest(method: string, uri: string, dialog: Dialog, extra?: [string, string][]): SipMessage;
  targetOf(uri: string, fallback: Peer): Peer;
  track(dialog: Dialog, peer: Peer): { state: CallState; ended: Promise<"remote" | "local"> };
  request(
    message: SipMessage,
    peer: Peer,
    onProvisional?: (m: SipMessage) => void,
  ): Promise<SipMessage | undefined>;
  send(message: SipMessage | Buffer, peer: Peer): void;
  callOf(state: CallState, remoteSdp: string, ended: Promise<"remote" | "local">): SipCall;
}

/** Places a call to `target` as `fromUser`, offering `sdp`; gives up after `ringMs` of ringing. */
export async function placeCall(
  core: AgentCore,
  {
    target,
    fromUser,
    sdp,
    ringMs = 30_000,
    onRinging,
  }: {
    target: string;
    fromUser: string;
    sdp: string;
    ringMs?: number;
    onRinging?: () => void;
  },
): Promise<Placed> {
  const { host, newRequest, targetOf, track, request, send, callOf } = core;
  const dialog: Dialog = {
    callId: `${token(12)}@${host}`,
    localTag: token(6),
    remoteTag: "",
    localUri: `sip:${fromUser}@${host}`,
    remoteUri: target,
    remoteTarget: target,
    localSeq: Math.floor(Math.random() * 1000),
  };
  const peer = targetOf(target, { address: "127.0.0.1", port: 5060 });
  const invite = newRequest("INVITE", target, dialog, [["Content-Type", "application/sdp"]]);
  invite.body = sdp;
  const { state, ended } = track(dialog, peer);
  let gaveUp = false;
  const cancel = () => {
    gaveUp = true;
    const c: SipMessage = {
      method: "CANCEL",
      uri: target,
      headers: invite.headers.filter(([n]) => !/^(content-type|contact|user-agent)$/i.test(n)),
      body: "",
    };
    c.headers = c.headers.map(([n, v]) => (/^cseq$/i.test(n) ? [n, v.replace("INVITE", "CANCEL")] : [n, v]));
    void request(c, peer);
  };
  const giveUp = setTimeout(cancel, ringMs);
  const final = await request(invite, peer, (provisional) => {
    if (provisional.status === 180 || provisional.status === 183) onRinging?.();
  });
  clearTimeout(giveUp);
  if (!final) {
    state.end("local");
    return { outcome: "failed" };
  }
  const status = final.status ?? 500;
  if (status >= 300) {
    // The ACK of a refusal is part of the INVITE's transaction: the same branch (§17.1.1.3).
    const ack: SipMessage = {
      method: "ACK",
      uri: target,
      headers: [
        ["Via", header(invite, "via")!],
        ["Max-Forwards", "70"],
        ["From", header(invite, "from")!],
        ["To", header(final, "to") ?? header(invite, "to")!],
        ["Call-ID", dialog.callId],
        ["CSeq", `${dialog.localSeq} ACK`],
      ],
      body: "",
    };
    send(ack, peer);
    state.end("remote");
    if (status === 486 || status === 600 || status === 603) return { outcome: "busy", status };
    if (status === 487) return { outcome: gaveUp ? "no-answer" : "canceled", status };
    if (status === 408 || status === 480) return { outcome: "no-answer", status };
    return { outcome: "failed", status };
  }
  dialog.remoteTag = paramOf(header(final, "to"), "tag") ?? "";
  dialog.remoteTarget = uriOf(header(final, "contact")) ?? target;
  const ack = newRequest("ACK", dialog.remoteTarget, dialog);
  state.ack = serializeSip(ack);
  state.peer = targetOf(dialog.remoteTarget, peer);
  state.answered = true;
  send(state.ack, state.peer);
  return { outcome: "answered", call: callOf(state, final.body, ended) };
}
