/**
 * A SIP user agent over UDP (RFC 3261) that answers calls and places them: INVITE dialogs with their ACK, BYE and
 * CANCEL, REFER for a blind transfer (RFC 3515), OPTIONS for a PBX's keep-alive. Retransmissions follow §17's
 * timers (T1 500 ms doubling, T2 4 s, 64·T1 to give up): a 200 OK is sent again until its ACK, a request until its
 * answer, so a lost datagram on the city's network costs a retry, not a call. No registration, no proxying, no
 * authentication challenge: the PBX sends the 156 line's calls here as to a trunk, and takes ours the same way.
 */
import { randomBytes } from "node:crypto";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { placeCall } from "./agent-invite.ts";
import {
  type CallState,
  type Dialog,
  GIVE_UP,
  type IncomingInvite,
  type Peer,
  type SipAgent,
  type SipCall,
  T1,
  T2,
} from "./agent-types.ts";
import {
  header,
  hostPortOf,
  paramOf,
  parseSip,
  responseTo,
  type SipMessage,
  serializeSip,
  uriOf,
} from "./message.ts";

export type { Dialog, IncomingInvite, Placed, SipAgent, SipCall } from "./agent-types.ts";

const token = (bytes = 8) => randomBytes(bytes).toString("hex");

interface ClientTransaction {
  method: string;
  onProvisional?: (m: SipMessage) => void;
  resolve: (m: SipMessage | undefined) => void;
  timer?: NodeJS.Timeout;
  done: boolean;
}

/** Starts a user agent on `host`:`port` (0: any port); `onInvite` gets each new call offered. */
export async function startSipAgent(options: {
  host: string;
  port?: number;
  /** The host written in our Via and Contact (the address the PBX reaches us at); `host` by default. */
  publicHost?: string;
  onInvite: (invite: IncomingInvite) => void;
  /** A REFER inside a call (a PBX's side): the status to answer; without it, 501. */
  onRefer?: (callId: string, target: string) => number;
  userAgent?: string;
}): Promise<SipAgent> {
  const socket: Socket = createSocket("udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(options.port ?? 0, options.host, () => {
      socket.off("error", reject);
      resolve();
    });
  });
  socket.on("error", () => {});
  const port = socket.address().port;
  const host = options.publicHost ?? options.host;
  const contact = `<sip:responsiva@${host}:${port}>`;
  const userAgent = options.userAgent ?? "Responsiva";
  const clients = new Map<string, ClientTransaction>();
  /** Server transactions' last responses, by branch: a retransmitted request gets it again. */
  const answered = new Map<string, { response: Buffer; peer: Peer; at: number }>();
  /** Calls by Call-ID: their dialog, where they came from, and their state. */
  const calls = new Map<string, CallState>();
  let closing = false;

  const send = (message: SipMessage | Buffer, peer: Peer) => {
    if (closing) return;
    const bytes = Buffer.isBuffer(message) ? message : serializeSip(message);
    socket.send(bytes, peer.port, peer.address);
  };

  const targetOf = (uri: string, fallback: Peer): Peer => {
    const hp = hostPortOf(uri);
    return hp ? { address: hp.host, port: hp.port } : fallback;
  };

  /** Sends a request and waits for its final response (undefined after 64·T1 without one). */
  const request = (
    message: SipMessage,
    peer: Peer,
    onProvisional?: (m: SipMessage) => void,
  ): Promise<SipMessage | undefined> =>
    new Promise((resolve) => {
      const branch = paramOf(header(message, "via"), "branch")!;
      const bytes = serializeSip(message);
      const started = Date.now();
      const t: ClientTransaction = { method: message.method!, onProvisional, resolve, done: false };
      clients.set(branch, t);
      let interval = T1;
      const again = () => {
        if (t.done) return;
        if (Date.now() - started >= GIVE_UP) {
          t.done = true;
          clients.delete(branch);
          return resolve(undefined);
        }
        send(bytes, peer);
        t.timer = setTimeout(again, interval);
        interval = message.method === "INVITE" ? interval * 2 : Math.min(interval * 2, T2);
      };
      again();
    });

  const newRequest = (method: string, uri: string, dialog: Dialog, extra: [string, string][] = []) => {
    const cseq = method === "ACK" ? dialog.localSeq : ++dialog.localSeq;
    const message: SipMessage = {
      method,
      uri,
      headers: [
        ["Via", `SIP/2.0/UDP ${host}:${port};branch=z9hG4bK${token()};rport`],
        ["Max-Forwards", "70"],
        ["From", `<${dialog.localUri}>;tag=${dialog.localTag}`],
        ["To", `<${dialog.remoteUri}>${dialog.remoteTag ? `;tag=${dialog.remoteTag}` : ""}`],
        ["Call-ID", dialog.callId],
        ["CSeq", `${cseq} ${method}`],
        ["Contact", contact],
        ["User-Agent", userAgent],
        ...extra,
      ],
      body: "",
    };
    return message;
  };

  const callOf = (state: CallState, remoteSdp: string, ended: Promise<"remote" | "local">): SipCall => ({
    dialog: state.dialog,
    remoteSdp,
    ended,
    async hangup() {
      if (!calls.has(state.dialog.callId)) return;
      clearTimeout(state.retransmit);
      const bye = newRequest("BYE", state.dialog.remoteTarget, state.dialog);
      state.end("local");
      await request(bye, targetOf(state.dialog.remoteTarget, state.peer));
    },
    async refer(target) {
      const refer = newRequest("REFER", state.dialog.remoteTarget, state.dialog, [
        ["Refer-To", `<${target}>`],
        ["Referred-By", `<${state.dialog.localUri}>`],
      ]);
      const answer = await request(refer, targetOf(state.dialog.remoteTarget, state.peer));
      return answer?.status ?? 408;
    },
  });

  const track = (dialog: Dialog, peer: Peer): { state: CallState; ended: Promise<"remote" | "local"> } => {
    let end!: (by: "remote" | "local") => void;
    const ended = new Promise<"remote" | "local">((resolve) => {
      end = resolve;
    });
    const state: CallState = {
      dialog,
      peer,
      answered: false,
      end: (by) => {
        clearTimeout(state.retransmit);
        calls.delete(dialog.callId);
        end(by);
      },
    };
    calls.set(dialog.callId, state);
    return { state, ended };
  };

  const reply = (req: SipMessage, peer: Peer, status: number, reason: string, toTag?: string) => {
    const response = responseTo(req, status, reason, toTag);
    response.headers.push(["User-Agent", userAgent]);
    const bytes = serializeSip(response);
    const branch = paramOf(header(req, "via"), "branch");
    if (branch) answered.set(`${branch} ${req.method}`, { response: bytes, peer, at: Date.now() });
    send(bytes, peer);
    return response;
  };

  const onInviteRequest = (req: SipMessage, peer: Peer) => {
    const callId = header(req, "call-id") ?? "";
    const existing = calls.get(callId);
    if (existing) {
      // A re-INVITE (a hold, a session refresh): accepted as it is, our description unchanged.
      const ok = responseTo(req, 200, "OK", existing.dialog.localTag);
      ok.headers.push(["Contact", contact]);
      send(ok, peer);
      return;
    }
    const fromValue = header(req, "from") ?? "";
    const toValue = header(req, "to") ?? "";
    const localTag = token(6);
    const dialog: Dialog = {
      callId,
      localTag,
      remoteTag: paramOf(fromValue, "tag") ?? "",
      localUri: uriOf(toValue) ?? req.uri!,
      remoteUri: uriOf(fromValue) ?? "",
      remoteTarget: uriOf(header(req, "contact")) ?? uriOf(fromValue) ?? "",
      localSeq: Math.floor(Math.random() * 1000) + 1,
    };
    reply(req, peer, 100, "Trying");
    const { state, ended } = track(dialog, peer);
    state.inviteBranch = paramOf(header(req, "via"), "branch");
    let cancelled!: () => void;
    const cancelledPromise = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    state.cancel = () => {
      reply(req, peer, 487, "Request Terminated", localTag);
      state.end("remote");
      cancelled();
    };
    options.onInvite({
      callId,
      from: dialog.remoteUri,
      to: dialog.localUri,
      uri: req.uri!,
      offer: req.body,
      cancelled: cancelledPromise,
      answer(sdp) {
        state.answered = true;
        const ok = responseTo(req, 200, "OK", localTag);
        ok.headers.push(["Contact", contact], ["Content-Type", "application/sdp"], ["User-Agent", userAgent]);
        ok.body = sdp;
        const bytes = serializeSip(ok);
        if (state.inviteBranch)
          answered.set(`${state.inviteBranch} INVITE`, { response: bytes, peer, at: Date.now() });
        let interval = T1;
        const started = Date.now();
        const again = () => {
          if (!calls.has(callId)) return;
          if (Date.now() - started >= GIVE_UP) {
            // No ACK ever came: the call is dead on the other side (§13.3.1.4).
            void call.hangup();
            return;
          }
          send(bytes, peer);
          state.retransmit = setTimeout(again, interval);
          interval = Math.min(interval * 2, T2);
        };
        again();
        const call = callOf(state, req.body, ended);
        return call;
      },
      reject(status, reason) {
        reply(req, peer, status, reason, localTag);
        state.end("local");
      },
    });
  };

  const onRequest = (req: SipMessage, peer: Peer) => {
    const branch = paramOf(header(req, "via"), "branch");
    const callId = header(req, "call-id") ?? "";
    if (req.method === "ACK") {
      const state = calls.get(callId);
      if (state) clearTimeout(state.retransmit);
      return;
    }
    const held = branch ? answered.get(`${branch} ${req.method}`) : undefined;
    if (held) return send(held.response, peer);
    switch (req.method) {
      case "INVITE":
        return onInviteRequest(req, peer);
      case "BYE": {
        const state = calls.get(callId);
        if (!state) return reply(req, peer, 481, "Call/Transaction Does Not Exist");
        reply(req, peer, 200, "OK");
        return state.end("remote");
      }
      case "CANCEL": {
        const state = calls.get(callId);
        reply(req, peer, state ? 200 : 481, state ? "OK" : "Call/Transaction Does Not Exist");
        if (state && !state.answered) state.cancel?.();
        return;
      }
      case "OPTIONS":
      case "NOTIFY":
        reply(req, peer, 200, "OK");
        return;
      case "REFER": {
        const state = calls.get(callId);
        if (!state) return reply(req, peer, 481, "Call/Transaction Does Not Exist");
        if (!options.onRefer) return reply(req, peer, 501, "Not Implemented");
        const status = options.onRefer(callId, uriOf(header(req, "refer-to")) ?? "");
        reply(req, peer, status, status < 300 ? "Accepted" : "Declined");
        return;
      }
      default:
        return reply(req, peer, 501, "Not Implemented");
    }
  };

  const onResponse = (res: SipMessage) => {
    const branch = paramOf(header(res, "via"), "branch") ?? "";
    const t = clients.get(branch);
    const method = (header(res, "cseq") ?? "").split(/\s+/)[1];
    if (!t || t.method !== method) {
      // A 200 OK to our INVITE sent again: our ACK was lost.
      const state = calls.get(header(res, "call-id") ?? "");
      if (method === "INVITE" && state?.ack && (res.status ?? 0) < 300) send(state.ack, state.peer);
      return;
    }
    if ((res.status ?? 0) < 200) {
      // A provisional answer stops an INVITE's retransmissions (timer A) and a non-INVITE's speed-up.
      if (t.method === "INVITE") clearTimeout(t.timer);
      t.onProvisional?.(res);
      return;
    }
    t.done = true;
    clearTimeout(t.timer);
    clients.delete(branch);
    t.resolve(res);
  };

  socket.on("message", (data: Buffer, rinfo: RemoteInfo) => {
    const message = parseSip(data);
    if (!message) return;
    const peer = { address: rinfo.address, port: rinfo.port };
    try {
      if (message.method) onRequest(message, peer);
      else onResponse(message);
    } catch (error) {
      console.error("sip: a message could not be handled", error);
    }
  });

  // Forget server transactions' answers after 64·T1, as §17.2 lets them end.
  const sweep = setInterval(() => {
    const old = Date.now() - GIVE_UP;
    for (const [key, held] of answered) if (held.at < old) answered.delete(key);
  }, GIVE_UP);
  sweep.unref();

  return {
    host,
    port,
    invite: (placing) => placeCall({ host, newRequest, targetOf, track, request, send, callOf }, placing),
    async close() {
      const open = [...calls.values()];
      await Promise.all(
        open.map((state) =>
          state.answered ? callOf(state, "", Promise.resolve("local")).hangup() : state.end("local"),
        ),
      );
      closing = true;
      clearInterval(sweep);
      for (const t of clients.values()) {
        clearTimeout(t.timer);
        t.resolve(undefined);
      }
      clients.clear();
      socket.close();
    },
  };
}
