/**
 * A small S3-compatible server on loopback for tests, speaking S3's REST wire format: path-style object URLs
 * (/BUCKET/KEY), PUT/GET/HEAD/DELETE Object, ETag and Last-Modified, and S3's XML error bodies and codes. Every
 * request must carry an AWS Signature Version 4 Authorization header, checked here from first principles against
 * the secret (not with the client library the app uses), so a wrong secret is refused as S3 refuses it: 403
 * SignatureDoesNotMatch. A payload hash that does not match the body is refused too (XAmzContentSHA256Mismatch).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** An object as the fake keeps it. */
export interface FakeObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: Date;
}

/** A running fake: its endpoint, the objects by "bucket/key", what it was asked, and how to stop it. */
export interface FakeS3 {
  endpoint: string;
  objects: Map<string, FakeObject>;
  /** One line per request: "METHOD /bucket/key STATUS". */
  requests: string[];
  close(): Promise<void>;
}

const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();
const sha256Hex = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function sendError(res: ServerResponse, status: number, code: string, message: string, resource: string) {
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<Resource>${resource}</Resource><RequestId>${randomBytes(8).toString("hex").toUpperCase()}</RequestId></Error>`;
  res.writeHead(status, { "content-type": "application/xml", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/** The SigV4 signature S3 would compute for this request with `secret`, or the reason it cannot be checked. */
function expectedSignature(
  req: IncomingMessage,
  auth: { credential: string[]; signedHeaders: string[] },
  secret: string,
): string | { code: string; message: string } {
  const [, date, region, service, terminal] = auth.credential;
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  if (!date || !region || service !== "s3" || terminal !== "aws4_request" || !amzDate.startsWith(date)) {
    return { code: "AuthorizationHeaderMalformed", message: "The authorization header is malformed." };
  }
  const skew = Math.abs(
    Date.now() -
      Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z")),
  );
  if (!(skew <= 15 * 60_000)) {
    return {
      code: "RequestTimeTooSkewed",
      message: "The difference between the request time and the server's time is too large.",
    };
  }
  if (!auth.signedHeaders.includes("host")) {
    return { code: "AccessDenied", message: "The host header must be signed." };
  }
  const url = new URL(req.url ?? "/", "http://fake");
  // S3 encodes the path once: each segment as sent, normalised to RFC 3986.
  const path = url.pathname
    .split("/")
    .map((segment) => rfc3986(decodeURIComponent(segment)))
    .join("/");
  const query = [...url.searchParams]
    .map(([k, v]) => [rfc3986(k), rfc3986(v)])
    .sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headers = auth.signedHeaders
    .map(
      (name) =>
        `${name}:${String(req.headers[name] ?? "")
          .trim()
          .replace(/\s+/g, " ")}\n`,
    )
    .join("");
  const canonical = [
    req.method,
    path,
    query,
    headers,
    auth.signedHeaders.join(";"),
    String(req.headers["x-amz-content-sha256"] ?? ""),
  ].join("\n");
  const scope = `${date}/${region}/s3/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, sha256Hex(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), "s3"), "aws4_request");
  return createHmac("sha256", key).update(toSign).digest("hex");
}

/** Starts a fake S3 on 127.0.0.1 holding `buckets`, accepting the one key pair given. */
export async function startFakeS3(options: {
  accessKeyId: string;
  secretAccessKey: string;
  buckets: string[];
}): Promise<FakeS3> {
  const objects = new Map<string, FakeObject>();
  const requests: string[] = [];
  const buckets = new Set(options.buckets);
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? "/").split("?")[0]!;
    res.on("finish", () => requests.push(`${req.method} ${path} ${res.statusCode}`));
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^,]+), ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
        String(req.headers.authorization ?? ""),
      );
    if (!match) return sendError(res, 403, "AccessDenied", "Access Denied", path);
    const credential = match[1]!.split("/");
    if (credential[0] !== options.accessKeyId) {
      return sendError(
        res,
        403,
        "InvalidAccessKeyId",
        "The AWS Access Key Id you provided does not exist in our records.",
        path,
      );
    }
    const expected = expectedSignature(
      req,
      { credential, signedHeaders: match[2]!.split(";") },
      options.secretAccessKey,
    );
    if (typeof expected !== "string") return sendError(res, 400, expected.code, expected.message, path);
    if (expected !== match[3]) {
      return sendError(
        res,
        403,
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        path,
      );
    }
    const declared = String(req.headers["x-amz-content-sha256"] ?? "");
    if (declared !== "UNSIGNED-PAYLOAD" && declared !== sha256Hex(body)) {
      return sendError(
        res,
        400,
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        path,
      );
    }
    const [, bucket = "", ...rest] = path.split("/");
    const key = rest.map(decodeURIComponent).join("/");
    if (!buckets.has(bucket))
      return sendError(res, 404, "NoSuchBucket", "The specified bucket does not exist", path);
    const name = `${bucket}/${key}`;
    const held = objects.get(name);
    switch (req.method) {
      case "PUT": {
        if (req.headers["content-length"] === undefined) {
          return sendError(
            res,
            411,
            "MissingContentLength",
            "You must provide the Content-Length HTTP header.",
            path,
          );
        }
        const etag = `"${createHash("md5").update(body).digest("hex")}"`;
        const contentType = String(req.headers["content-type"] ?? "binary/octet-stream");
        objects.set(name, { body, contentType, etag, lastModified: new Date() });
        res.writeHead(200, { etag, "content-length": 0 });
        return res.end();
      }
      case "GET":
      case "HEAD": {
        if (!held) return sendError(res, 404, "NoSuchKey", "The specified key does not exist.", path);
        res.writeHead(200, {
          "content-type": held.contentType,
          "content-length": held.body.length,
          etag: held.etag,
          "last-modified": held.lastModified.toUTCString(),
          "accept-ranges": "bytes",
        });
        return res.end(req.method === "GET" ? held.body : undefined);
      }
      case "DELETE":
        objects.delete(name);
        res.writeHead(204);
        return res.end();
      default:
        return sendError(
          res,
          405,
          "MethodNotAllowed",
          "The specified method is not allowed against this resource.",
          path,
        );
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    objects,
    requests,
    close: () =>
      new Promise((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
