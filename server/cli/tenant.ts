/**
 * `npm run tenant -- …`: the platform operator's commands on the tenants of an install (decision 0059). The same
 * work is behind the operator's HTTP routes; here it runs on the configured database, for a first setup or a script.
 */
import { subprefeituraCodes, subprefeiturasOf } from "../areas/seed.ts";
import type { Config } from "../config.ts";
import type { Db } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { addTenantHost, createTenant, NewTenant, setTenantStatus } from "../tenants/commands.ts";
import { listTenants } from "../tenants/queries.ts";
import { contentOfTemplate, TEMPLATES } from "../tenants/templates.ts";
import { UnknownSubprefeitura } from "./seed.ts";

const EX_USAGE = 64;

export const TENANT_USAGE =
  "tenant list | create --slug SLUG --name NAME [--template T [--fixture]] [--host HOST]… [--jurisdiction ID]\n" +
  "  | suspend SLUG [--reason TEXT] | resume SLUG | add-host SLUG HOST\n" +
  `  the cities or bodies this install serves; T is one of ${TEMPLATES.join(", ")} (default empty);\n` +
  "  --fixture loads only the small cut of streets the tests use.\n" +
  "  Other commands take --tenant SLUG to run as that tenant (seed, import, create-admin).";

/** The value after `flag`, every one of them when `flag` repeats. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1] as string] : []));
}

export async function runTenantCommand(db: Db, config: Config, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  try {
    switch (sub) {
      case "list": {
        for (const t of await listTenants(db)) {
          const hosts = t.hosts.length > 0 ? t.hosts.join(" ") : "-";
          console.log(`${t.id}\t${t.slug}\t${t.status}\t${t.name}\t${hosts}\t${t.jurisdictionId ?? "-"}`);
        }
        return 0;
      }
      case "create": {
        const parsed = NewTenant.safeParse({
          slug: values(rest, "--slug")[0],
          name: values(rest, "--name")[0],
          hosts: values(rest, "--host"),
          jurisdictionId: values(rest, "--jurisdiction")[0],
        });
        if (!parsed.success) {
          console.error(
            `tenant create: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
          );
          return EX_USAGE;
        }
        const template = values(rest, "--template")[0] ?? "empty";
        // A wrong subprefeitura is said before the tenant exists, not after as a suspended half-made one.
        const code = /^subprefeitura:(.+)$/.exec(template)?.[1];
        if (code !== undefined && !subprefeituraCodes(config.sharedDataDir).includes(code)) {
          console.error(new UnknownSubprefeitura(code, subprefeiturasOf(config.sharedDataDir)).message);
          return EX_USAGE;
        }
        const scope = rest.includes("--fixture") ? "fixture" : "full";
        const content = contentOfTemplate(template, config.sharedDataDir, (l) => console.log(l), scope);
        if (content === undefined) {
          console.error(`tenant create: unknown template ${template} (${TEMPLATES.join(", ")})`);
          return EX_USAGE;
        }
        const id = await createTenant(db, parsed.data, content);
        console.log(`Created tenant ${parsed.data.slug} (id ${id}) from ${template}.`);
        return 0;
      }
      case "suspend":
      case "resume": {
        const slug = rest[0];
        if (!slug) return usage();
        await setTenantStatus(
          db,
          slug,
          sub === "suspend" ? "suspended" : "active",
          values(rest, "--reason")[0],
        );
        console.log(`${slug}: ${sub === "suspend" ? "suspended" : "active"}.`);
        return 0;
      }
      case "add-host": {
        const [slug, host] = rest;
        if (!slug || !host) return usage();
        await addTenantHost(db, slug, host);
        console.log(`${slug} answers on ${host.toLowerCase()} too.`);
        return 0;
      }
      default:
        return usage();
    }
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    console.error(`tenant ${sub}: ${error.code} ${JSON.stringify(error.params)}`);
    return error.status === 404 ? 66 : 65;
  }
}

function usage(): number {
  console.error(`Usage: npm run tenant -- ${TENANT_USAGE}`);
  return EX_USAGE;
}
