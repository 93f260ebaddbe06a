/** Seeds the staff of the demo city: one account per role, all with the demo password. */

import type { StaffRole } from "../access/principal.ts";
import type { SeedOptions } from "../cli/seed.ts";
import type { Db } from "../db/index.ts";
import { createStaffUser } from "./commands.ts";

// The department whose staff and focal point the demo creates; skipped when the organisation seed lacks it.
const DEMO_DEPARTMENT = "AMLURB";

const DEMO_USERS: { email: string; name: string; role: StaffRole; department?: boolean }[] = [
  { email: "admin@responsiva.local", name: "Administração Responsiva", role: "admin" },
  { email: "agent@responsiva.local", name: "Atendente 156", role: "agent" },
  { email: "supervisor@responsiva.local", name: "Supervisão 156", role: "supervisor" },
  { email: "manager@responsiva.local", name: "Gestão 156", role: "manager" },
  { email: "ombudsman@responsiva.local", name: "Ouvidoria", role: "ombudsman" },
  { email: "inspector@responsiva.local", name: "Fiscal de campo", role: "inspector" },
  { email: "department@responsiva.local", name: "Equipe AMLURB", role: "department_staff", department: true },
  {
    email: "focal-point@responsiva.local",
    name: "Ponto focal AMLURB",
    role: "focal_point",
    department: true,
  },
];

/** Loads the demo city's staff accounts; idempotent (an existing e-mail is left untouched). */
export async function seedStaff(db: Db, options: SeedOptions): Promise<void> {
  // The same variable config.ts reads as demoAdminPassword; the seed is handed only its own options.
  const password = process.env.DEMO_ADMIN_PASSWORD ?? "responsiva-admin";
  const existing = new Set(
    (await db.query<{ email: string }>("SELECT email FROM staff_users")).map((r) => r.email),
  );
  const department = await db.query("SELECT 1 FROM departments WHERE code = $1", [DEMO_DEPARTMENT]);
  let created = 0;
  for (const user of DEMO_USERS) {
    if (existing.has(user.email)) continue;
    if (user.department && department.length === 0) continue;
    await createStaffUser(db, {
      ...user,
      password,
      departmentCode: user.department ? DEMO_DEPARTMENT : undefined,
    });
    created++;
  }
  options.log?.(`staff: ${created} demo accounts created`);
}
