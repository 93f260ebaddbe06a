// Prints the unit and integration test files (browser tests run apart), for `npm test`.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const roots = ["domain", "server", "channels", "web", "tests"];
const found = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === "node_modules" || name === "browser") continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith(".test.ts")) found.push(path);
  }
}
for (const root of roots) {
  try {
    walk(root);
  } catch {
    // a root that does not exist yet holds no tests
  }
}
console.log(found.sort().join(" "));
