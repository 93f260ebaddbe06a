/** A server-sent-events client over fetch for tests: collects messages and waits for the one a test expects. */
import assert from "node:assert/strict";
import { after } from "node:test";

/** One message of the stream: its id line and its parsed data, either of which may be absent. */
export interface Message {
  id: string | undefined;
  data: Record<string, unknown> | undefined;
}

/** An SSE client over fetch: collects messages (and id-only marks) and waits for the one a test expects. */
export async function follow(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  assert.equal(res.status, 200, await (res.status === 200 ? "" : res.text()));
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const messages: Message[] = [];
  const waiters: Array<() => void> = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = block.split("\n").filter((l) => !l.startsWith(":") && !l.startsWith("retry:"));
          if (fields.length === 0) continue;
          const id = fields.find((l) => l.startsWith("id: "))?.slice(4);
          const data = fields.find((l) => l.startsWith("data: "))?.slice(6);
          messages.push({ id, data: data === undefined ? undefined : JSON.parse(data) });
          for (const wake of waiters.splice(0)) wake();
        }
      }
    } catch {
      // aborted by the test
    }
  })();
  const stream = {
    messages,
    /** The data of every message so far. */
    data: () => messages.flatMap((m) => (m.data ? [m.data] : [])),
    /** The last id the server sent (what EventSource would send back as Last-Event-ID). */
    lastId: () => messages.findLast((m) => m.id !== undefined)?.id,
    /**
     * The first message `found` accepts, waited for up to `timeoutMs`: a bound for what must arrive, not a speed test
     * (the server and the test share one thread of a machine CI keeps busy). A message that never comes fails it.
     */
    async until(found: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = messages.find(found);
        if (hit) return hit;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no such message within ${timeoutMs} ms: ${JSON.stringify(messages)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, left);
        });
      }
    },
    close: () => abort.abort(),
  };
  after(() => abort.abort());
  // The first frame is the position mark: the stream is subscribed once it arrives.
  await stream.until((m) => m.id !== undefined);
  return stream;
}
