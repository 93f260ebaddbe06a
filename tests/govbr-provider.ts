/**
 * Local OpenID providers on 127.0.0.1 for the sign-in tests, built with oidc-provider (decision 0057). The gov.br one
 * behaves as gov.br's integration guide says: PKCE (S256) required, a confidential client authenticated with HTTP
 * Basic, the scopes `openid email profile govbr_confiabilidades`, an ID token whose `sub` is the CPF and that
 * carries `name`, `social_name`, `picture`, `email`/`email_verified`, `phone_number`/`phone_number_verified` (the
 * contact only when verified) and `amr`; beside it, a loopback fake of the confidence-levels API
 * (`GET /confiabilidades/v3/contas/{cpf}/niveis?response-type=ids`, an array of `{"id": "1"|"2"|"3",
 * "dataAtualizacao": …}` for the access token's own CPF). The city flavour is a generic provider of e-mail accounts.
 * Both sign people in on pages of their own (a login form, then the consent to share data), which `signInAt` walks
 * with fetch and a browser walks for real. The gov.br one also has gov.br's logout, `GET {issuer}/logout
 * ?post_logout_redirect_uri=…`: it ends its own session and sends the browser to that URI, when it is one the client
 * registered ("URL de Log Out"); any other is refused with a page of its own.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type JWK } from "oidc-provider";

/** A person at the provider: their claims, and for gov.br the ids of their confidence levels. */
export interface LocalAccount {
  claims: Record<string, unknown>;
  levels?: string[];
}

/** A running local provider, its client, and (gov.br) its confidence-levels API. */
export interface LocalProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  confidenceApi: string;
  accounts: Map<string, LocalAccount>;
  /** While true, the confidence-levels API answers 503. */
  levelsDown: boolean;
  /** The requests the confidence-levels API was asked, as paths with their query. */
  levelRequests: string[];
  /** The post_logout_redirect_uri of each logout the provider was asked for, refused ones included. */
  logouts: string[];
  close(): Promise<void>;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html><html lang="pt-BR"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: sans-serif; max-width: 30rem; margin: 2rem auto"><main>${body}</main></body></html>`;
}

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );
}

/**
 * Starts a local provider of the given flavour on loopback with one confidential client whose redirect URIs are
 * `redirectUris`; `accounts` are keyed by what is typed at its login (the CPF for gov.br, the e-mail for the city).
 */
export async function startLocalProvider(options: {
  flavour: "govbr" | "city";
  redirectUris: string[];
  /** The addresses its logout may send the browser to (gov.br's "URL de Log Out"); none: every logout is refused. */
  postLogoutRedirectUris?: string[];
  accounts: Record<string, LocalAccount>;
}): Promise<LocalProvider> {
  const govbr = options.flavour === "govbr";
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => handle(req, res));
  const issuer = `http://127.0.0.1:${await listen(server)}`;
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: "jwk" }), kid: "local-1", alg: "RS256", use: "sig" } as JWK;
  const accounts = new Map(Object.entries(options.accounts));
  const clientId = govbr ? "responsiva-govbr-local" : "responsiva-staff-local";
  const clientSecret = randomBytes(24).toString("base64url");

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        token_endpoint_auth_method: "client_secret_basic",
        response_types: ["code"],
        grant_types: ["authorization_code"],
      },
    ],
    // gov.br requires PKCE of every client, confidential ones included.
    pkce: { required: () => true },
    scopes: govbr ? ["openid", "email", "profile", "govbr_confiabilidades"] : ["openid", "email", "profile"],
    claims: {
      // gov.br names how the person authenticated (passwd, x509_token, bank001 …) in every ID token.
      openid: govbr ? ["sub", "amr"] : ["sub"],
      email: ["email", "email_verified"],
      profile: govbr ? ["name", "social_name", "picture", "phone_number", "phone_number_verified"] : ["name"],
    },
    // gov.br puts the person's claims in the ID token itself.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    // Lifetimes of its own (gov.br's codes are short-lived and single-use), which also quiets the library's notices.
    ttl: {
      AuthorizationCode: 60,
      AccessToken: 3600,
      IdToken: 3600,
      Grant: 3600,
      Interaction: 600,
      Session: 3600,
    },
    jwks: { keys: [jwk] },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (!account) return undefined;
      return {
        accountId: id,
        claims: () => {
          const claims: Record<string, unknown> = { sub: id, ...account.claims };
          // gov.br leaves an unverified e-mail or phone number out of the token, saying only that it is unverified.
          if (claims.email_verified === false) delete claims.email;
          if (claims.phone_number_verified === false) delete claims.phone_number;
          return claims as { sub: string };
        },
      };
    },
  });
  const callback = provider.callback();

  const interaction = async (req: IncomingMessage, res: ServerResponse, uid: string, action?: string) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error("interaction mismatch");
    if (req.method === "GET") {
      res.setHeader("content-type", "text/html; charset=utf-8");
      if (details.prompt.name === "login") {
        const label = govbr ? "Número do CPF" : "E-mail";
        res.end(
          page(
            govbr ? "gov.br (local) — Identifique-se" : "Prefeitura (local) — Entrar",
            `<h1 data-prompt="login">${govbr ? "Identifique-se no gov.br" : "Provedor da prefeitura"}</h1>
<form method="post" action="/interaction/${uid}/login">
<p><label for="login">${label}</label><br><input id="login" name="login" autocomplete="username" required></p>
<p><label for="password">Senha</label><br><input id="password" name="password" type="password" required></p>
<p><button type="submit">Continuar</button></p></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancelar</button></form>`,
          ),
        );
        return;
      }
      const scopes = String(details.params.scope ?? "").split(" ");
      res.end(
        page(
          "Autorização de uso de dados pessoais",
          `<h1 data-prompt="consent">Autorização de uso de dados pessoais</h1>
<p>O serviço ${escapeHtml(String(details.params.client_id))} pede acesso a:</p>
<ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>
<form method="post" action="/interaction/${uid}/confirm"><button type="submit">Autorizar</button></form>
<form method="post" action="/interaction/${uid}/abort"><button type="submit">Cancelar</button></form>`,
        ),
      );
      return;
    }
    const form = await formOf(req);
    if (action === "abort") {
      await provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "End-User aborted interaction" },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    if (action === "login") {
      const login = (form.get("login") ?? "").trim();
      const key = govbr ? login.replace(/\D/g, "") : login.toLowerCase();
      if (!accounts.has(key) || !form.get("password")) {
        res.statusCode = 401;
        res.setHeader("content-type", "text/html; charset=utf-8");
        res.end(page("Erro", `<h1>Conta não encontrada</h1><p><a href="/interaction/${uid}">Voltar</a></p>`));
        return;
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: key, amr: ["passwd"] } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    // Consent: every scope and claim asked for is granted.
    const { prompt, params, session, grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session!.accountId, clientId: String(params.client_id) });
    if (!grant) throw new Error("no grant");
    const missing = prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    await provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true },
    );
  };

  // gov.br's logout: a plain GET (or the form POST its guide also shows), no client_id or id_token_hint asked for.
  const logout = async (req: IncomingMessage, res: ServerResponse, target: string | null) => {
    local.logouts.push(target ?? "");
    if (!target || !(options.postLogoutRedirectUris ?? []).includes(target)) {
      res.statusCode = 400;
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end(page("Erro", "<h1>URL de logout não cadastrada para o serviço</h1>"));
      return;
    }
    const session = await provider.Session.get({ req, res } as unknown as Parameters<
      typeof provider.Session.get
    >[0]);
    // The browser's session there, found by its signed cookie (a browser with none gets an unsaved one: harmless).
    await session.destroy();
    res.setHeader(
      "set-cookie",
      ["_session", "_session.sig"].map((name) => `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`),
    );
    res.statusCode = 302;
    res.setHeader("location", target);
    res.end();
  };

  handle = (req, res) => {
    const url = new URL(req.url ?? "/", issuer);
    if (govbr && url.pathname === "/logout") {
      logout(req, res, url.searchParams.get("post_logout_redirect_uri")).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
      return;
    }
    const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(req.url ?? "");
    if (!match) {
      callback(req, res);
      return;
    }
    interaction(req, res, match[1]!, match[2]).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  };

  // The confidence-levels API, a host of its own as gov.br's is (api.acesso.gov.br).
  const local: LocalProvider = {
    issuer,
    clientId,
    clientSecret,
    confidenceApi: "",
    accounts,
    levelsDown: false,
    levelRequests: [],
    logouts: [],
    close: async () => {
      await Promise.all([server, api].map((s) => new Promise((resolve) => s.close(resolve))));
    },
  };
  const api = createServer((req, res) => {
    void answerLevels(req, res).catch((error: unknown) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  const answerLevels = async (req: IncomingMessage, res: ServerResponse) => {
    local.levelRequests.push(req.url ?? "");
    res.setHeader("content-type", "application/json");
    const url = new URL(req.url ?? "/", "http://api.local");
    const match = /^\/confiabilidades\/v3\/contas\/(\d{11})\/niveis$/.exec(url.pathname);
    if (local.levelsDown) {
      res.statusCode = 503;
      res.end(JSON.stringify({ message: "Serviço indisponível" }));
      return;
    }
    if (!match || url.searchParams.get("response-type") !== "ids") {
      res.statusCode = 404;
      res.end(JSON.stringify({ message: "Recurso não encontrado" }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const token = bearer ? await provider.AccessToken.find(bearer) : undefined;
    if (!token) {
      res.statusCode = 401;
      res.end(JSON.stringify({ message: "Token inválido" }));
      return;
    }
    if (token.accountId !== match[1]) {
      res.statusCode = 403;
      res.end(JSON.stringify({ message: "CPF diferente do token" }));
      return;
    }
    const levels = accounts.get(match[1]!)?.levels ?? ["1"];
    res.end(JSON.stringify(levels.map((id) => ({ id, dataAtualizacao: "2024-03-01 10:15:00" }))));
  };
  local.confidenceApi = `http://127.0.0.1:${await listen(api)}`;
  return local;
}

/** The provider's cookies a browser holds (its session among them), by name. */
export type CookieJar = Map<string, string>;

function cookieHeader(jar: CookieJar): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
}

function keepCookies(jar: Map<string, string>, res: Response): void {
  for (const line of res.headers.getSetCookie()) {
    const [pair = ""] = line.split(";");
    const at = pair.indexOf("=");
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
    else jar.set(name, value);
  }
}

/**
 * One GET at the provider as a browser holding `jar` makes it, redirects not followed: the status and where it sends
 * the browser (a logout's post_logout_redirect_uri; for an authorization, the client's redirect URI when the
 * provider's session still stands, or its login page when it does not).
 */
export async function visitAt(
  url: string,
  jar: CookieJar,
): Promise<{ status: number; location: URL | null }> {
  const res = await fetch(url, { redirect: "manual", headers: { cookie: cookieHeader(jar) } });
  keepCookies(jar, res);
  await res.arrayBuffer();
  const location = res.headers.get("location");
  return { status: res.status, location: location ? new URL(location, url) : null };
}

/**
 * Walks a local provider's pages as a browser would, from its authorization URL: the login (typing `login` and a
 * password), the consent (granted, or cancelled with `cancel`), each redirect followed, until the provider sends the
 * person away. `jar` holds the browser's cookies there (a fresh browser's unless given; pass one to keep the
 * provider's session for a later visit). Answers the URL it sends them to: the client's redirect URI with the code (or the error) and state.
 */
export async function signInAt(
  local: LocalProvider,
  authorizeUrl: string,
  login: string,
  choice: "authorize" | "cancel" = "authorize",
  jar: CookieJar = new Map(),
): Promise<URL> {
  let url = authorizeUrl;
  let body: string | undefined;
  for (let step = 0; step < 20; step++) {
    const res = await fetch(url, {
      method: body === undefined ? "GET" : "POST",
      redirect: "manual",
      headers: {
        cookie: cookieHeader(jar),
        ...(body === undefined ? {} : { "content-type": "application/x-www-form-urlencoded" }),
      },
      ...(body === undefined ? {} : { body }),
    });
    keepCookies(jar, res);
    body = undefined;
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get("location") ?? "", url);
      if (next.origin !== local.issuer) return next;
      url = next.href;
      continue;
    }
    const html = await res.text();
    const uid = /\/interaction\/([\w-]+)/.exec(url)?.[1];
    if (res.status !== 200 || !uid)
      throw new Error(`unexpected page ${res.status} at ${url}: ${html.slice(0, 300)}`);
    if (choice === "cancel") {
      url = `${local.issuer}/interaction/${uid}/abort`;
      body = "";
    } else if (html.includes('data-prompt="login"')) {
      url = `${local.issuer}/interaction/${uid}/login`;
      body = new URLSearchParams({ login, password: "senha-de-teste" }).toString();
    } else {
      url = `${local.issuer}/interaction/${uid}/confirm`;
      body = "";
    }
  }
  throw new Error("the provider never sent the person back");
}
