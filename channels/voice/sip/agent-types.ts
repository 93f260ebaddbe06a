/**
 * The shapes of the SIP user agent (./agent.ts): a call's dialog, a call answered or placed, a call offered to us,
 * what placing one came to, and the agent itself.
 */

export const T1 = 500;
export const T2 = 4000;
/** 64·T1: how long a transaction is tried before it is given up (RFC 3261 §17). */
export const GIVE_UP = 64 * T1;

/** Where a datagram goes. */
export interface Peer {
  address: string;
  port: number;
}

/** A call's dialog as both ends know it (§12). */
export interface Dialog {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our From (outbound) or To (inbound) URI, and the other side's. */
  localUri: string;
  remoteUri: string;
  /** Where requests inside the dialog go: the other side's Contact. */
  remoteTarget: string;
  localSeq: number;
}

/** One call, answered or placed: its dialog, how it ends, and what can be done on it. */
export interface SipCall {
  readonly dialog: Dialog;
  /** The other side's session description (its offer inbound, its answer outbound). */
  readonly remoteSdp: string;
  /** Ends the call from our side (BYE). */
  hangup(): Promise<void>;
  /** Asks the other side to call `target` instead (REFER): the final status of the REFER. */
  refer(target: string): Promise<number>;
  /** Resolves when the call ends, with who ended it. */
  readonly ended: Promise<"remote" | "local">;
}

/** A call being offered to us: answered with our SDP, or refused. */
export interface IncomingInvite {
  callId: string;
  from: string;
  to: string;
  /** The URI the caller dialled (the request URI). */
  uri: string;
  offer: string;
  answer(sdp: string): SipCall;
  reject(status: number, reason: string): void;
  /** Resolves if the caller gives up (CANCEL) before it is answered. */
  readonly cancelled: Promise<void>;
}

/** What placing a call came to. */
export type Placed =
  | { outcome: "answered"; call: SipCall }
  | { outcome: "busy" | "no-answer" | "failed" | "canceled"; status?: number };

export interface SipAgent {
  readonly host: string;
  readonly port: number;
  /** Places a call to `target` (a SIP URI) as `fromUser`, offering `sdp`; gives up after `ringMs` of ringing. */
  invite(options: {
    target: string;
    fromUser: string;
    sdp: string;
    ringMs?: number;
    onRinging?: () => void;
  }): Promise<Placed>;
  close(): Promise<void>;
}

/** What the agent holds of a call under way (./agent.ts, ./agent-invite.ts). */
export interface CallState {
  dialog: Dialog;
  peer: Peer;
  inviteBranch?: string;
  /** The 200 OK sent again until its ACK. */
  retransmit?: NodeJS.Timeout;
  /** Our ACK of their 200 OK (outbound), sent again if the 200 OK comes again. */
  ack?: Buffer;
  answered: boolean;
  end: (by: "remote" | "local") => void;
  cancel?: () => void;
}
